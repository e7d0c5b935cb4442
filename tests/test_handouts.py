"""Handouts build offline: embedded figures, no script or font from the internet, a real PDF.

Builds one lesson per language (the slowest part of the suite after the browser tests).
"""
from __future__ import annotations

import os
import re

import nbformat
import pytest

from convlab.course import handouts

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
    handouts.build(out, ("en", "ko"), (LESSON,))
    return out


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


def test_korean_handout_embeds_a_korean_font():
    page_css = handouts.embedded_font_css("합성곱 커널")
    assert "@font-face" in page_css and "base64," in page_css
