"""Handouts build offline: embedded figures, no script or font from the internet, a real PDF,
and Korean drawn with the embedded font on a machine without any Korean font.

Builds one lesson per language (the slowest part of the suite after the browser tests). Chromium
prints and shows the pages with a fontconfig that offers DejaVu only (``font_oracle``), so Hangul
can only come from the font the handout carries.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import nbformat
import pytest

from convlab.course import handouts
from convlab.figures.fonts import WEB_FAMILY, WEB_FONT_FILE, korean_web_font

from font_oracle import HANGUL, fonts_conf_without_korean, hangul_font_report

pytestmark = pytest.mark.browser  # prints the PDF with the same Chromium
LESSON = "01_conv2d_basics"
EXTERNAL = re.compile(
    r"""(<script[^>]+src=["']?(https?:)?//|<link[^>]+href=["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import)""",
    re.IGNORECASE)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not os.path.exists(handouts.CHROMIUM):
        message = f"Chromium not found at {handouts.CHROMIUM}; `sudo apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("handouts")
    conf = fonts_conf_without_korean(tmp_path_factory.mktemp("fontconfig"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FONTCONFIG_FILE", str(conf))  # the Chromium that prints the PDFs
        handouts.build(out, ("en", "ko"), (LESSON,))
    return out


@pytest.fixture(scope="module")
def browser_without_korean_fonts(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    conf = fonts_conf_without_korean(tmp_path_factory.mktemp("fontconfig-view"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=handouts.CHROMIUM, args=handouts.CHROMIUM_FLAGS,
            env={**os.environ, "FONTCONFIG_FILE": str(conf)})
        yield chromium
        chromium.close()


def _embedded(font: dict) -> bool:
    return font["isCustomFont"] and font["familyName"] == WEB_FAMILY


def _korean_text(notebook) -> str:
    return "".join(c.source for c in notebook.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_handout_html_is_self_contained_and_shows_every_figure(built, lang):
    page = (built / lang / f"{LESSON}.html").read_text(encoding="utf-8")
    assert not EXTERNAL.findall(page), "the handout fetches something from the internet"
    assert "<math" in page, "formulas should arrive as MathML"
    assert "$$" not in re.sub(r"<pre.*?</pre>", "", page, flags=re.DOTALL)
    assert "application/vnd.jupyter.widget" not in page and "Loading widget" not in page
    # Every figure the executed lesson produced is in the page, embedded.
    executed = nbformat.read(built / lang / f"{LESSON}.ipynb", as_version=4)
    figures = sum(1 for c in executed.cells for o in c.get("outputs", [])
                  if "image/png" in o.get("data", {}))
    assert figures >= 1
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) == figures
    assert (built / lang / "index.html").exists()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_handout_pdf_has_pages_and_a_first_page_that_is_not_blank(built, lang):
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(built / lang / f"{LESSON}.pdf"))
    assert len(pdf) >= 1
    image = pdf[0].render(scale=1).to_pil().convert("L")
    dark = sum(image.histogram()[:128])
    assert dark / (image.width * image.height) > 0.005


@pytest.mark.parametrize("page_name", [f"{LESSON}.html", "index.html"])
def test_korean_handout_draws_every_hangul_with_the_embedded_font(
        built, browser_without_korean_fonts, page_name):
    page = browser_without_korean_fonts.new_page()
    try:
        page.goto((built / "ko" / page_name).as_uri(), wait_until="load")
        page.evaluate("document.fonts.ready")
        checked, problems = hangul_font_report(page, _embedded)
        shown = len(HANGUL.findall(page.evaluate("document.body.innerText")))
    finally:
        page.close()
    assert not problems, problems[:10]
    assert checked >= shown > 0  # every Hangul the reader sees was asked about


def test_korean_handout_pdf_embeds_the_font_and_keeps_the_text(built):
    import pypdfium2

    if not shutil.which("pdffonts"):
        message = "pdffonts not found: `sudo apt-get install poppler-utils`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pdf_path = built / "ko" / f"{LESSON}.pdf"
    listing = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True,
                             check=True).stdout
    korean = [line for line in listing.splitlines() if f"+{WEB_FAMILY}" in line]
    assert korean, listing
    assert all(line.split()[-5] == "yes" for line in korean), listing  # emb column
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    extracted = "".join(page.get_textpage().get_text_range() for page in pdf)
    # Every Hangul syllable of the lesson's prose is in the PDF's text layer (searchable).
    executed = nbformat.read(built / "ko" / f"{LESSON}.ipynb", as_version=4)
    missing = set(HANGUL.findall(_korean_text(executed))) - set(extracted)
    assert not missing, sorted(missing)[:20]
    first_heading = executed.cells[0].source.splitlines()[0].lstrip("# ").strip()
    assert "".join(first_heading.split()) in "".join(extracted.split())


def _names(font) -> dict[int, str]:
    return {r.nameID: str(r) for r in font["name"].names}


def test_the_embedded_subset_is_renamed_and_holds_the_page_text():
    """OFL: a subset is a modified font and carries a name of its own (the notice stays)."""
    from io import BytesIO

    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(korean_web_font("합성곱 커널 똠방각하")))
    names = _names(font)
    assert names[1] == WEB_FAMILY and "Nanum" not in names[4] + names[6]
    assert "NHN" in names[0] and "Open Font License" in names[13]  # notice and licence kept
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "합성곱커널똠방각하")
    assert ord("힣") not in cmap and ord("A") not in cmap  # only the Hangul the page uses


def test_the_served_web_font_holds_every_hangul_syllable():
    """JupyterLab's font (built once, shipped in the package) covers all 11,172 syllables."""
    from fontTools.ttLib import TTFont

    font = TTFont(WEB_FONT_FILE)
    assert font.flavor == "woff" and _names(font)[1] == WEB_FAMILY
    assert "TSI3" not in font  # Chromium refuses the original file because of this table
    cmap = font.getBestCmap()
    assert all(code in cmap for code in range(0xAC00, 0xD7A4))
    assert all(code in cmap for code in range(0x3131, 0x318F))  # compatibility jamo
    assert WEB_FONT_FILE.stat().st_size < 600_000
