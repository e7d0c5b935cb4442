"""The explorers' text readout: lines of coloured segments, as HTML or plain text."""
from __future__ import annotations

import html
from typing import Sequence

from ..figures import drawing, style
from ..i18n import text

Segment = tuple[str, str]     # (text, space-separated roles: "input", "kernel", "code", "b", ...)
Line = list[Segment]


_ROLE_CSS = {
    "input": f"color:{style.INPUT}", "kernel": f"color:{style.KERNEL}",
    "output": f"color:{style.OUTPUT}", "bias": f"color:{style.BIAS}",
    "padding": f"color:{style.PADDING}", "dropped": f"color:{style.DROPPED}",
    "error": f"color:{style.DROPPED}", "b": "font-weight:bold",
    "code": "font-family:var(--jp-code-font-family, monospace)",
}


def line(*parts: str | Segment) -> Line:
    return [(p, "") if isinstance(p, str) else p for p in parts]


def lines_to_html(lines: Sequence[Line]) -> str:
    """The readout HTML: one ``<br>``-separated line each, coloured by role."""
    out = []
    for line in lines:
        segments = []
        for content, roles in line:
            css = ";".join(_ROLE_CSS[r] for r in roles.split())
            escaped = html.escape(content)
            segments.append(f'<span style="{css}">{escaped}</span>' if css else escaped)
        out.append("".join(segments))
    return ('<div class="convlab-readout" style="white-space:pre-wrap;line-height:1.5">'
            + "<br>".join(out) + "</div>")


def lines_to_text(lines: Sequence[Line]) -> list[str]:
    """The readout as plain text lines (for static figures and tests)."""
    return ["".join(content for content, _ in line) for line in lines]


def num(value: float) -> str:
    return drawing.number(value)


def par(value: float) -> str:
    """A number, in parentheses when negative (so ``2·(-1)`` reads unambiguously)."""
    s = num(value)
    return f"({s})" if s.startswith("-") else s


def shape_text(shape: Sequence[int] | None) -> str:
    if shape is None:
        return "-"
    return "(" + ", ".join(str(int(s)) for s in shape) + (",)" if len(shape) == 1 else ")")


def error_lines(error: str | None, error_type: str | None, lang: str) -> list[Line]:
    """The line that shows PyTorch's error, or no line when there is none."""
    if error is None:
        return []
    return [line((text("error", lang) + ": ", "b error"), (f"{error_type}: {error}", "code error"))]


