"""Ask Chromium which font drew each Korean character, and hide Korean system fonts from it.

Used by the browser suite (lessons in JupyterLab) and the handout tests. The answer comes from
Chrome DevTools (``CSS.getPlatformFontsForNode``: the fonts the renderer really used for an
element's text, with how many glyphs each drew), so a page that shows boxes fails even when its
CSS looks right. The browser runs with a fontconfig file that lists only DejaVu (the copy inside
matplotlib), so no Korean system font can draw the text by luck: only a font the page itself
brings can.
"""
from __future__ import annotations

import re
from pathlib import Path

import matplotlib

HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")


def fonts_conf_without_korean(folder: Path) -> Path:
    """Write a fonts.conf that offers DejaVu only (no Korean font at all); return its path.

    Point ``FONTCONFIG_FILE`` at it when launching Chromium.
    """
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{dejavu}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n"
        "</fontconfig>\n", encoding="utf-8")
    return conf


def _elements_with_hangul(node: dict, found: list[tuple[int, str]]) -> None:
    """Collect (nodeId, own text) of every element whose own text nodes hold Hangul."""
    own = "".join(c.get("nodeValue", "") for c in node.get("children", ()) if c["nodeType"] == 3)
    if node["nodeType"] == 1 and HANGUL.search(own) and node["nodeName"] not in (
            "SCRIPT", "STYLE", "TITLE", "TEXTAREA", "NOSCRIPT"):
        found.append((node["nodeId"], own))
    for child in (*node.get("children", ()), *node.get("shadowRoots", ()),
                  *([node["contentDocument"]] if "contentDocument" in node else [])):
        _elements_with_hangul(child, found)


def _own_text(cdp, node_id: int) -> str:
    node = cdp.send("DOM.describeNode", {"nodeId": node_id, "depth": 1})["node"]
    return "".join(c.get("nodeValue", "") for c in node.get("children", ()) if c["nodeType"] == 3)


def hangul_font_report(page, is_korean_font) -> tuple[int, list[str]]:
    """For every rendered element holding Hangul, the fonts Chromium drew its text with.

    ``is_korean_font(font)`` judges one entry of ``CSS.getPlatformFontsForNode`` (keys
    ``familyName``, ``postScriptName``, ``isCustomFont``, ``glyphCount``). Returns how many
    Hangul characters were checked and a list of the elements whose Hangul was not all drawn by
    such fonts. Elements the page does not draw (``display: none``) report no fonts and are
    skipped; the caller checks that the count covers what it expects.
    """
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        found: list[tuple[int, str]] = []
        _elements_with_hangul(root, found)
        checked, problems = 0, []
        for node_id, _ in found:
            try:
                for _attempt in range(3):  # text that changes meanwhile (a kernel's status)
                    own = _own_text(cdp, node_id)
                    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
                    if _own_text(cdp, node_id) == own:
                        break
            except Exception as error:  # noqa: BLE001 - the page removed the element meanwhile
                if "Could not find node" in str(error):
                    continue
                raise
            if not fonts or not HANGUL.search(own):
                continue
            hangul = len(HANGUL.findall(own))
            korean = sum(f["glyphCount"] for f in fonts if is_korean_font(f))
            checked += hangul
            if korean < hangul:
                problems.append(f"{own.strip()[:60]!r}: {hangul} Hangul, drawn with "
                                + ", ".join(f"{f['familyName']} ({f['glyphCount']})" for f in fonts))
        return checked, problems
    finally:
        cdp.detach()
