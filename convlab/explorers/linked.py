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

Two forms of the links and sentences: one list per output cell (small views: every sentence
differs), or a compact form for large views whose cells follow rows and columns (lesson 09's
receptive fields): :func:`product_links` (output cell (r, c) reads input rows ``rows[r]`` ×
columns ``cols[c]``) and :func:`sentence` (one template the browser fills in per cell).
:func:`unpacked` gives the per-cell form either way, as the browser reads it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence

import anywidget
import traitlets

from ..figures import style
from ..figures.drawing import tint

__all__ = ["LinkedCells", "CodeLine", "as_json_text", "linked_data", "panel", "product_links",
           "sentence", "unpacked"]


def hex_tint(colour: str, amount: float) -> str:
    """``drawing.tint`` as a CSS colour."""
    r, g, b = (int(round(255 * v)) for v in tint(colour, amount)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def panel(panel_id: str, title: str, colour: str, rows: int, cols: int,
          labels: Sequence[str] | None, kinds: Sequence[str] | None = None) -> dict:
    """One grid of cells: ``labels`` row-major (None: blank cells), ``kinds`` '' / 'padding' /
    'dropped' per cell (None: all plain). Left out of the data when None: nothing to send."""
    grid = {"id": panel_id, "title": title, "colour": colour, "fill": hex_tint(colour, 0.18),
            "rows": int(rows), "cols": int(cols)}
    if labels is not None:
        grid["labels"] = list(labels)
    if kinds is not None:
        grid["kinds"] = list(kinds)
    return grid


def product_links(panel_index: int, rows: Sequence[Sequence[int]],
                  cols: Sequence[Sequence[int]]) -> dict:
    """Links that follow rows and columns: output cell (r, c) reads the cells (i, j) of panel
    ``panel_index`` with i in ``rows[r]`` and j in ``cols[c]`` (a list of one entry: the same
    for every output row, or column). Sends a few numbers per row and column instead of a
    pair per linked cell: a 24×24 output reading 5×5 cells each is 48 short lists, not 14,400
    pairs."""
    return {"panel": int(panel_index), "rows": [[int(i) for i in r] for r in rows],
            "cols": [[int(j) for j in c] for c in cols]}


def sentence(template: str, *, empty: str = "", rows: dict[str, Sequence] | None = None,
             cols: dict[str, Sequence] | None = None,
             parts: dict[str, dict] | None = None) -> dict:
    """Every output cell's sentence as one template the browser fills in.

    ``{row}``, ``{col}`` and ``{k}`` (the cell's index) are the output cell's own; a name in
    ``rows`` takes its value for the cell's row (``rows[name][r]``), one in ``cols`` for its
    column, one in ``parts`` is a nested :func:`sentence`. A None value among ``rows`` or
    ``cols`` makes the whole sentence ``empty`` (e.g. "no input cell").
    """
    spec: dict[str, Any] = {"template": template, "empty": empty}
    if rows:
        spec["rows"] = {name: list(values) for name, values in rows.items()}
    if cols:
        spec["cols"] = {name: list(values) for name, values in cols.items()}
    if parts:
        spec["parts"] = dict(parts)
    return spec


def linked_data(panels: list[dict], target: int, links: list[list[tuple[int, int]]] | None,
                sums: list[str] | dict, grid_label: str, hint: str, readers_text: str,
                products: list[dict] = ()) -> dict:
    """Everything the browser needs for one setting: the grids, which output cell reads which
    cells (``links[k]``: (panel, cell) pairs, and/or ``products`` from :func:`product_links`),
    and the sentence shown for each output cell (one string each, or a :func:`sentence`)."""
    data = {"panels": panels, "target": target, "sums": sums, "grid_label": grid_label,
            "hint": hint, "readers_text": readers_text,
            "colours": {"padding_bg": hex_tint(style.PADDING, 0.45),
                        "dropped_bg": hex_tint(style.DROPPED, 0.35),
                        "highlight": style.KERNEL, "current": style.OUTPUT}}
    if links is not None:
        data["links"] = [[list(p) for p in k] for k in links]
    if products:
        data["products"] = list(products)
    return data


def fill(spec: dict, row: int, col: int, k: int) -> str:
    """One output cell's sentence from a :func:`sentence` (what ``linked.js`` does)."""
    values: dict[str, Any] = {"row": row, "col": col, "k": k}
    for key, at in (("rows", row), ("cols", col)):
        for name, column in spec.get(key, {}).items():
            if column[at] is None:
                return spec["empty"]
            values[name] = column[at]
    for name, part in spec.get("parts", {}).items():
        values[name] = fill(part, row, col, k)
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], m[0])), spec["template"])


def unpacked(data: dict) -> tuple[list[list[tuple[int, int]]], list[str]]:
    """The per-cell form of ``data`` as the browser reads it: for each output cell (row-major)
    its (panel, cell) links and its sentence."""
    out = data["panels"][data["target"]]
    count = out["rows"] * out["cols"]
    links = [[tuple(p) for p in k] for k in data.get("links", [[]] * count)]
    for block in data.get("products", []):
        width = data["panels"][block["panel"]]["cols"]
        for k in range(count):
            r, c = divmod(k, out["cols"])
            rows = block["rows"][r if len(block["rows"]) > 1 else 0]
            cols = block["cols"][c if len(block["cols"]) > 1 else 0]
            links[k] += [(block["panel"], i * width + j) for i in rows for j in cols]
    sums = data["sums"]
    if isinstance(sums, dict):
        sums = [fill(sums, *divmod(k, out["cols"]), k) for k in range(count)]
    return links, list(sums)


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
