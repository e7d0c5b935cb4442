"""Classroom handouts: every lesson executed and printed to HTML and PDF (``make handouts``).

For each language the lessons are executed in a scratch copy (the lessons folder is never
written); every explorer appears as the static picture of the lesson's settings that it carries
beside its widget view, since a printed page cannot move a slider. The HTML is self-contained and offline: math is
turned into MathML (which browsers draw natively, no MathJax from a CDN), figures are embedded
PNGs, and the Korean font is embedded as a subset of NanumGothic. Headless Chromium prints the PDF.

Run ``convlab-handouts [--notebooks DIR] [--out DIR] [--lang en|ko] [--only 01_conv2d_basics]``
(or ``python -m convlab.handouts``); from a checkout the defaults are ``notebooks/`` and
``build/handouts``.
"""
from __future__ import annotations

import argparse
import base64
import html
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from ..i18n import LANGS, text
from .manifest import LESSONS
from .paths import LessonsNotFound, build_dir, lessons_dir

TEMPLATE_DIR = Path(__file__).with_name("handout_template")
CHROMIUM = os.environ.get("CONVLAB_CHROMIUM", "/usr/bin/chromium")
# Flags this closed network needs (GUIDE): no sandbox as root, no background calls out. The
# browser tests launch Chromium with the same two constants.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]

# nbconvert's stylesheet sets ``font-family: system-ui, ...`` on p, li, headings and table cells,
# which beats a font set on body; so every element names the embedded font itself (!important):
# prose, code and MathML alike put the embedded face first, and its unicode-range leaves
# everything but Hangul to DejaVu (or the math font). The pages print alike on any machine. The
# bold face is real (NanumGothic Bold): a synthesised one would print as Type 3 outlines.
PRINT_CSS = """
@font-face {
  font-family: "WEB_FAMILY"; src: url(data:font/ttf;base64,FONT_BASE64);
  unicode-range: UNICODE_RANGE;
}
@font-face {
  font-family: "WEB_FAMILY"; font-weight: bold; src: url(data:font/ttf;base64,BOLD_BASE64);
  unicode-range: UNICODE_RANGE;
}
:root {
  --convlab-sans: "WEB_FAMILY", "DejaVu Sans", sans-serif;
  --convlab-mono: "WEB_FAMILY", "DejaVu Sans Mono", monospace;
  --jp-ui-font-family: var(--convlab-sans);
  --jp-content-font-family: var(--convlab-sans);
  --jp-code-font-family: var(--convlab-mono);
}
body, body *:not(math, math *) { font-family: var(--convlab-sans) !important; }
pre, pre *, code, code *, kbd, samp, .highlight, .highlight *, .jp-InputArea-editor,
.jp-InputArea-editor *, .jp-RenderedText, .jp-RenderedText * {
  font-family: var(--convlab-mono) !important;
}
math, math * { font-family: "WEB_FAMILY", math !important; }
.convlab-handout-header { color: #666; font-size: 9pt; margin: 0 0 1em 0; }
math[display="block"] { margin: 0.6em 0; }
pre { white-space: pre-wrap; word-break: break-word; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  .jp-Cell, .jp-OutputArea-output, img, math, table, pre { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  img { max-width: 100% !important; height: auto !important; }
  .jp-InputPrompt, .jp-OutputPrompt { display: none; }
}
"""

_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$")
_CODE_SPAN = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)


def markdown_math_to_mathml(source: str) -> str:
    """Replace ``$...$`` and ``$$...$$`` in Markdown with MathML (code spans are left alone)."""
    from latex2mathml.converter import convert

    def display(m: re.Match) -> str:
        return "\n\n" + convert(m.group(1).strip(), display="block") + "\n\n"

    def inline(m: re.Match) -> str:
        return convert(m.group(1).strip())

    parts = _CODE_SPAN.split(source)
    for i in range(0, len(parts), 2):  # even parts are outside code spans
        parts[i] = _INLINE_MATH.sub(inline, _DISPLAY_MATH.sub(display, parts[i]))
    return "".join(parts)


def embedded_font_css(text: str) -> str:
    """The handout's CSS, with the Korean subsets for ``text`` (regular and bold) embedded."""
    from ..figures.fonts import WEB_FAMILY, css_unicode_range, korean_web_font

    regular, bold = (base64.b64encode(korean_web_font(text, bold=b)).decode("ascii")
                     for b in (False, True))
    return (PRINT_CSS.replace("WEB_FAMILY", WEB_FAMILY).replace("UNICODE_RANGE", css_unicode_range())
            .replace("FONT_BASE64", regular).replace("BOLD_BASE64", bold))


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def execute(path: Path, workdir: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """Run a lesson top to bottom in ``workdir``; explorers are kept as their static pictures.

    An explorer's display data carries a PNG of its current settings beside the widget view;
    a printed page cannot move a slider, so the widget view is dropped and the PNG stays.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()  # cells tagged raises-exception keep their error and go on
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def to_html(nb: nbformat.NotebookNode, lang: str, header: str) -> str:
    """The executed notebook as one self-contained, offline HTML page."""
    from nbconvert import HTMLExporter

    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = markdown_math_to_mathml(cell.source)
    exporter = HTMLExporter(template_name="handout_template",
                            extra_template_basedirs=[str(TEMPLATE_DIR.parent)])
    placeholder = "/* convlab: font css */"
    resources = {"handout_css": placeholder, "handout_header": html.escape(header),
                 "language_code": lang}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # Every character of the page, attributes (alt text, titles) included.
    return body.replace(placeholder, embedded_font_css(html.unescape(body)), 1)


def print_pdfs(pages: list[tuple[Path, Path]]) -> None:
    """Print each ``(html, pdf)`` pair with headless Chromium (no network, no downloads)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            for html_path, pdf_path in pages:
                page.goto(html_path.resolve().as_uri(), wait_until="load")
                page.pdf(path=str(pdf_path), format="A4", print_background=True,
                         prefer_css_page_size=True)
        finally:
            browser.close()


def index_page(lang: str, names: list[str]) -> str:
    """A plain list of the handouts of one language, linking HTML and PDF (with the font too)."""
    title = html.escape(text("handouts.title", lang))
    items = "\n".join(
        f'<li><a href="{n}.html">{html.escape(n)}</a> · <a href="{n}.pdf">PDF</a></li>'
        for n in names)
    body = f"<h1>{title}</h1><ul>{items}</ul>"
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{embedded_font_css(title + body)}</style></head>"
            f"<body>{body}</body></html>")


def build(out: Path | None = None, langs: tuple[str, ...] = LANGS, only: tuple[str, ...] = (),
          notebooks: Path | None = None) -> list[Path]:
    """Execute and print the lessons of ``notebooks`` into ``out``; returns the files written.

    Nothing is written into ``notebooks``: MNIST is read from its ``datasets/`` folder when one
    is there, and otherwise downloaded (or sampled offline) into ``out/datasets``.
    """
    source = lessons_dir(notebooks)
    out = build_dir() / "handouts" if out is None else Path(out)
    data = source / "datasets"
    if not data.is_dir():
        data = out / "datasets"
        data.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for lang in langs:
        target = out / lang
        target.mkdir(parents=True, exist_ok=True)
        lessons = [source / item.notebook(lang) for item in LESSONS
                   if (not only or item.name in only) and (source / item.notebook(lang)).is_file()]
        pages = []
        with tempfile.TemporaryDirectory() as scratch:
            # A scratch copy beside a link to the shared data folder, so "../datasets/" works
            # and nothing in notebooks/ is written.
            work = Path(scratch) / lang
            work.mkdir()
            (Path(scratch) / "datasets").symlink_to(data, target_is_directory=True)
            for lesson in lessons:
                shutil.copy(lesson, work / lesson.name)
                nb = execute(work / lesson.name, work)
                nbformat.write(nb, target / lesson.name)  # the executed lesson, for teachers
                html_path = target / f"{lesson.stem}.html"
                html_path.write_text(to_html(nb, lang, f"{text('handouts.title', lang)} · {lesson.stem}"),
                                     encoding="utf-8")
                pages.append((html_path, target / f"{lesson.stem}.pdf"))
        print_pdfs(pages)
        index = target / "index.html"
        index.write_text(index_page(lang, [p.stem for p, _ in pages]), encoding="utf-8")
        written += [p for pair in pages for p in pair] + [index]
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=None,
                        help="the lessons folder (holds en/ and ko/); default: the checkout's")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write; default: build/handouts in a checkout")
    parser.add_argument("--lang", choices=LANGS, action="append")
    parser.add_argument("--only", action="append", default=[],
                        choices=[item.name for item in LESSONS], metavar="LESSON",
                        help="lesson name, e.g. 01_conv2d_basics")
    args = parser.parse_args(argv)
    try:
        written = build(args.out, tuple(args.lang or LANGS), tuple(args.only), args.notebooks)
    except LessonsNotFound as error:
        raise SystemExit(f"convlab-handouts: {error}") from None
    for path in written:
        print(path)
