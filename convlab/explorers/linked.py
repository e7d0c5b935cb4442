"""Linked cells answered in the browser: hover an output cell, see the cells it reads (lessons 02-03).

Hovering (or tapping) an output cell lights up the input cells and kernel taps it reads, padding
cells and dilation gaps included, and prints ``Σ w·x + b`` with the actual numbers; hovering an
input cell lights up every output cell that reads it. Arrow keys move the highlighted output
cell, for keyboard users.

Built on ``anywidget``: a plain ES module (``linked.js``, shipped as package data, no build
step) draws the cells and answers the pointer and the keyboard in the browser, from one
``data`` object sent per setting. ``ipyevents`` would send each pointer move to the kernel and
back (a round trip, and a redraw in matplotlib), far over the one frame (16 ms) a highlight
must take; anywidget keeps the answer in the page and needs no JupyterLab extension of our own.
In a static handout there is no page to answer: the readout's worked example stands in.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import anywidget
import traitlets

from ..figures import style
from ..figures.drawing import tint

__all__ = ["LinkedCells", "CodeLine", "as_json_text", "linked_data", "panel"]


def hex_tint(colour: str, amount: float) -> str:
    """``drawing.tint`` as a CSS colour."""
    r, g, b = (int(round(255 * v)) for v in tint(colour, amount)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def panel(panel_id: str, title: str, colour: str, rows: int, cols: int,
          labels: Sequence[str], kinds: Sequence[str] | None = None) -> dict:
    """One grid of cells: ``labels`` row-major, ``kinds`` '' / 'padding' / 'dropped' per cell."""
    return {"id": panel_id, "title": title, "colour": colour, "fill": hex_tint(colour, 0.18),
            "rows": int(rows), "cols": int(cols), "labels": list(labels),
            "kinds": list(kinds) if kinds is not None else [""] * (rows * cols)}


def linked_data(panels: list[dict], target: int, links: list[list[tuple[int, int]]],
                sums: list[str], grid_label: str, hint: str, readers_text: str) -> dict:
    """Everything the browser needs for one setting: the grids, which output cell reads which
    cells (``links[k]``: (panel, cell) pairs), and the sentence shown for each output cell."""
    return {"panels": panels, "target": target, "links": [[list(p) for p in k] for k in links],
            "sums": sums, "grid_label": grid_label, "hint": hint, "readers_text": readers_text,
            "colours": {"padding_bg": hex_tint(style.PADDING, 0.45),
                        "dropped_bg": hex_tint(style.DROPPED, 0.35),
                        "highlight": style.KERNEL, "current": style.OUTPUT}}


def as_json_text(value: Any, widget: Any = None) -> str:
    """A large nested value sent as one JSON string (parsed by the browser): ipywidgets would
    otherwise walk every list item looking for binary buffers, milliseconds per update."""
    return json.dumps(value, separators=(",", ":"))


class CodeLine(anywidget.AnyWidget):
    """The one line of PyTorch for the current setting, and a button that copies it runnable.

    ``copy_text`` is the line with its imports: pasted into a cell, it prints the shape shown.
    An empty ``copy_text`` disables the button (``disabled_reason`` says why).
    """

    _esm = Path(__file__).with_name("code_line.js")
    line = traitlets.Unicode("").tag(sync=True)
    copy_text = traitlets.Unicode("").tag(sync=True)
    button = traitlets.Unicode("").tag(sync=True)
    button_label = traitlets.Unicode("").tag(sync=True)
    copied = traitlets.Unicode("").tag(sync=True)
    disabled_reason = traitlets.Unicode("").tag(sync=True)


class LinkedCells(anywidget.AnyWidget):
    """The widget: ``data`` (from :func:`linked_data`) is all it needs."""

    _esm = Path(__file__).with_name("linked.js")
    data = traitlets.Dict().tag(sync=True, to_json=as_json_text)
