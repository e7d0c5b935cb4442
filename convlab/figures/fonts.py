"""Korean text in matplotlib figures, on Linux, macOS and Windows, with no boxes.

matplotlib's default font (DejaVu Sans) has no Hangul: Korean titles come out as boxes and
matplotlib warns ``Glyph ... missing from font``. :func:`use_korean_font` picks a Korean-capable
font that the system already has (Noto Sans CJK, NanumGothic, Apple SD Gothic Neo / AppleGothic,
Malgun Gothic, ...); where there is none, it registers the NanumGothic files that the PyPI package
koreanize-matplotlib ships, without importing that package (its import breaks on newer Pythons).
DejaVu Sans stays in the family list as a per-glyph fallback, so the minus sign (U+2212, which
NanumGothic lacks) is still drawn properly. The Korean lessons call it once in their first cell.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

__all__ = ["use_korean_font", "korean_rc", "find_korean_font", "font_context", "korean_font_file",
           "WEB_FAMILY", "css_unicode_range", "korean_web_font",
           "WEB_FONT_FILE", "write_web_font"]

#: Families tried in this order; each must really hold the Hangul in ``_PROBE_TEXT``.
SYSTEM_CANDIDATES = (
    "Noto Sans CJK KR",        # Debian/Ubuntu fonts-noto-cjk, Fedora google-noto-sans-cjk
    "Noto Sans KR",
    "NanumGothic",             # fonts-nanum, or installed by hand
    "NanumBarunGothic",
    "Apple SD Gothic Neo",     # macOS
    "AppleGothic",             # macOS (older)
    "Malgun Gothic",           # Windows
    "Gulim",                   # Windows (older)
    "UnDotum",                 # fonts-unfonts-core
    "Noto Sans CJK JP",        # every regional variant of Noto CJK also holds all of Hangul
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
)
PIP_FONT_PACKAGE = "koreanize_matplotlib"   # PyPI: koreanize-matplotlib
PIP_FAMILY = "NanumGothic"
FALLBACK_FAMILY = "DejaVu Sans"             # matplotlib's own font: digits, Latin, U+2212 minus

#: The CSS family name of the NanumGothic the course serves to browsers (JupyterLab and the
#: handouts). The handouts embed a subset, which the SIL Open Font License asks to carry a name
#: of its own, so this is not "NanumGothic".
WEB_FAMILY = "ConvlabKorean"
#: Hangul in Unicode: jamo, compatibility jamo, extended jamo A and B, the syllables, and the
#: half-width forms. The web font is fetched only for text in these ranges.
HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7A3),
                 (0xD7B0, 0xD7FF), (0xFFA0, 0xFFDC))

#: The web font JupyterLab serves (``/custom/ConvlabKorean.woff``, see convlab.course.lab):
#: every Hangul character of NanumGothic, about 400 kB. Rebuilt by ``make webfont``.
WEB_FONT_FILE = Path(__file__).resolve().parents[1] / "course" / "jupyter_custom" / "ConvlabKorean.woff"

# Characters every candidate must have: the Hangul used in figure labels, and the syllables at
# both ends of the Hangul block.
_PROBE_TEXT = "가힣 가중치 입력 출력 채널 특징 맵 합성곱 필터 값"


@lru_cache(maxsize=None)
def _covers_korean(font_path: str, face_index: int) -> bool:
    try:
        font = font_manager.get_font(font_manager.FontPath(font_path, face_index)
                                     if hasattr(font_manager, "FontPath") else font_path)
    except Exception:   # noqa: BLE001 - an unreadable font file simply does not qualify
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in set(_PROBE_TEXT) if not ch.isspace())


def _family_covers_korean(family: str) -> bool:
    if not any(entry.name == family for entry in font_manager.fontManager.ttflist):
        return False
    try:
        path = font_manager.findfont(font_manager.FontProperties(family=family),
                                     fallback_to_default=False)
    except ValueError:
        return False
    return _covers_korean(str(path), int(getattr(path, "face_index", 0)))


def _pip_font_files() -> list[Path]:
    """NanumGothic TTFs inside koreanize-matplotlib, found without importing the package."""
    spec = importlib.util.find_spec(PIP_FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return []
    fonts = Path(list(spec.submodule_search_locations)[0]) / "fonts"
    return sorted(p for p in fonts.glob("NanumGothic*.ttf")
                  if p.stem in ("NanumGothic", "NanumGothicBold"))


def korean_font_file(bold: bool = False) -> Path:
    """NanumGothic Regular (or Bold) from koreanize-matplotlib: a file that is always there to
    embed (the handouts subset it into their HTML, so Korean prints without any system font).
    """
    stem = "NanumGothicBold" if bold else "NanumGothic"
    for path in _pip_font_files():
        if path.stem == stem:
            return path
    raise RuntimeError(f"{stem} not found: pip install koreanize-matplotlib")


def is_hangul(char: str) -> bool:
    """Whether ``char`` lies in :data:`HANGUL_RANGES`."""
    return any(low <= ord(char) <= high for low, high in HANGUL_RANGES)


def css_unicode_range() -> str:
    """:data:`HANGUL_RANGES` as a CSS ``unicode-range`` value.

    With it the Korean face can come first in a ``font-family`` list and still leave Latin,
    digits and symbols to the fonts after it. It must come first: Chromium draws text that it
    lays out before a later-listed web font has loaded with the fallback font (boxes) and does
    not always redraw it once the font is there.
    """
    return ", ".join(f"U+{low:04X}-{high:04X}" for low, high in HANGUL_RANGES)


def korean_web_font(text: str | None = None, woff: bool = False, bold: bool = False) -> bytes:
    """NanumGothic cut down to the Hangul of ``text`` (all of :data:`HANGUL_RANGES` when
    ``None``), for browsers: the handouts embed it, JupyterLab serves :data:`WEB_FONT_FILE`.

    Browsers refuse the file as shipped (Chromium's sanitizer rejects its empty ``TSI3`` table,
    a hinting source), so those tables go, and so do the hints (a third of the size). The SIL
    Open Font License lets a modified font be shared only under a name of its own, so the family
    becomes :data:`WEB_FAMILY`; the copyright notice stays in the name table.
    """
    from fontTools import subset

    if text is None:
        codes = [c for low, high in HANGUL_RANGES for c in range(low, high + 1)]
    else:
        codes = sorted({ord(c) for c in text if is_hangul(c)})
    options = subset.Options()
    options.hinting = False
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]
    options.name_languages = [0x409]  # English names only: the Korean ones say "나눔고딕"
    font = subset.load_font(str(korean_font_file(bold)), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16, 18, 21):
            names.setName(WEB_FAMILY, record.nameID, record.platformID, record.platEncID,
                          record.langID)
        elif record.nameID in (3, 4):
            names.setName(f"{WEB_FAMILY} Bold" if bold else WEB_FAMILY, record.nameID,
                          record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(f"{WEB_FAMILY}-{'Bold' if bold else 'Regular'}", 6, record.platformID,
                          record.platEncID, record.langID)
    names.setName("This Font Software is licensed under the SIL Open Font License, Version 1.1.",
                  13, 3, 1, 0x409)
    names.setName("https://openfontlicense.org", 14, 3, 1, 0x409)
    font.flavor = "woff" if woff else None
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def write_web_font(path: Path = WEB_FONT_FILE) -> Path:
    """Rebuild the web font that JupyterLab serves (``make webfont``)."""
    path.write_bytes(korean_web_font(woff=True))
    return path


def _register_pip_fonts() -> bool:
    """Add koreanize-matplotlib's NanumGothic to matplotlib (once; re-adding is a no-op)."""
    files = _pip_font_files()
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in files:
        if str(path) not in known:
            font_manager.fontManager.addfont(str(path))
    return bool(files)


def find_korean_font(prefer_system: bool = True) -> str:
    """Return the family name of a font that draws Korean, registering the pip fallback if needed.

    Raises ``RuntimeError`` with install instructions when no Korean-capable font is available.
    """
    if prefer_system:
        for family in SYSTEM_CANDIDATES:
            if _family_covers_korean(family):
                return family
    if _register_pip_fonts() and _family_covers_korean(PIP_FAMILY):
        return PIP_FAMILY
    raise RuntimeError(
        "No font that can draw Korean was found. Install one of: "
        "pip install koreanize-matplotlib (ships NanumGothic), "
        "or sudo apt install fonts-noto-cjk (Debian/Ubuntu); macOS and Windows have one built in.")


def korean_rc(prefer_system: bool = True) -> dict:
    """rcParams that make text Korean-capable: for ``matplotlib.rc_context`` or ``rcParams.update``.

    The Korean family comes first; DejaVu Sans follows as a per-glyph fallback, so the true minus
    sign (``axes.unicode_minus`` stays on) and any Latin glyph the Korean font lacks still render.
    """
    family = find_korean_font(prefer_system)
    return {"font.family": [family, FALLBACK_FAMILY], "axes.unicode_minus": True}


def use_korean_font(prefer_system: bool = True) -> str:
    """Make every later matplotlib figure draw Korean; return the font family used.

    Call it once at the top of a Korean lesson (any lesson in notebooks/ko/). Idempotent: calling
    again changes nothing. ``prefer_system=False`` skips system fonts and uses the NanumGothic
    shipped with koreanize-matplotlib (what a machine without Korean fonts gets).
    """
    rc = korean_rc(prefer_system)
    matplotlib.rcParams.update(rc)
    return rc["font.family"][0]


def font_context(lang: str) -> contextlib.AbstractContextManager:
    """Korean-capable fonts while a figure is built (``lang="ko"``); its text keeps them when
    drawn later. Every convlab picture builds its Korean figures inside this context, so the
    global rcParams stay as the user left them.
    """
    return matplotlib.rc_context(korean_rc()) if lang == "ko" else contextlib.nullcontext()

