"""Pictures the browser draws: a small scene of cells, text and lines sent as one traitlet.

An explorer opts in by defining :meth:`~.base.ExplorerModel.scene`: Python still computes every
number with PyTorch and lays the picture out here (cells, numbers, titles, outlines, in the
course's colours from :mod:`convlab.figures.style`); ``scene.js`` (plain ES module shipped as
package data, no build step, like ``linked.js``) draws it as SVG, with large unlabelled grids
(an MNIST digit, a feature map) as one small canvas image. Sending a few kilobytes of numbers
instead of painting a PNG with matplotlib keeps a slider move within a frame or two of the
kernel's answer. A printed handout has no browser to draw it: the explorer's display data
still carries the static PNG that the matplotlib painter draws once (:mod:`.base`).

Coordinates are in cell units (cell ``(r, c)`` of a grid at ``(x, y)`` spans ``x + c`` to
``x + c + 1``, y pointing down); :meth:`Scene.layout` chooses the pixels per unit that fit the
picture's box. Text sizes are pixels and never below :data:`MIN_TEXT_PX`.
"""
from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from typing import Any, Sequence

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib import colormaps
from matplotlib.colors import to_hex

from ..figures.drawing import MIN_TEXT_PX, number, tint
from .linked import as_json_text

__all__ = ["Scene", "colour_cells", "used_colours", "ink_on", "scene_picture",
           "text_sizes", "tinted", "without_frame"]

#: Numbers in cells never grow beyond this (px).
MAX_NUMBER_PX = 14.0


def hex_colours(rgb: np.ndarray) -> dict:
    """An ``(..., 3)`` array of RGB in 0-1 as ``{"palette": [#rrggbb, ...], "index": [...]}``:
    each cell's colour is ``palette[index[i]]`` (few colours, short messages, fast to build)."""
    values = (np.clip(np.asarray(rgb, float).reshape(-1, 3), 0, 1) * 255 + 0.5).astype(np.int64)
    packed = values[:, 0] * 65536 + values[:, 1] * 256 + values[:, 2]
    palette, index = np.unique(packed, return_inverse=True)
    return {"palette": ["#%06x" % v for v in palette.tolist()],
            "index": index.reshape(-1).tolist()}


def tinted(colour: str, amount: float) -> str:
    """``drawing.tint`` as one ``#rrggbb``."""
    return to_hex(tint(colour, amount))


@functools.lru_cache(maxsize=16)
def _table(cmap: str) -> np.ndarray:
    """A colormap's 256 colours (RGB), built once: building a colormap is the slow part."""
    return colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3]


@functools.lru_cache(maxsize=16)
def _palette(cmap: str) -> list[str]:
    """The colormap's 256 colours as hex in the colormap's order (index i is colour i, even
    where a map repeats or is not sorted, as jet and RdBu_r are), and white for NaN last."""
    return [to_hex(rgb) for rgb in _table(cmap)] + ["#ffffff"]


def _colour_index(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    values = np.asarray(values, float)
    scaled = (np.nan_to_num(values, nan=lo) - lo) / ((hi - lo) or 1.0)
    index = np.clip(np.round(scaled * 255), 0, 255).astype(int)
    index[np.isnan(values)] = 256
    return index


def colour_cells(values: np.ndarray, cmap: str, lo: float, hi: float) -> dict:
    """Each value's colour in a matplotlib colormap between ``lo`` and ``hi`` (NaN: white),
    as a palette (the colours the cells use) and an index per cell."""
    return used_colours(_palette(cmap), _colour_index(values, lo, hi).reshape(-1).tolist())


def used_colours(palette: list[str], index: Sequence[int]) -> dict:
    """A grid's fill with only the palette colours its cells use: a 3×3 kernel sends at most
    nine of the colormap's 257, so every update's message is smaller."""
    used = sorted(set(index))
    where = {colour: n for n, colour in enumerate(used)}
    return {"palette": [palette[i] for i in used], "index": [where[i] for i in index]}


def ink_on(values: np.ndarray, cmap: str, lo: float, hi: float) -> list[str]:
    """Black or white, whichever reads better on each value's colour (its numbers' colour)."""
    rgb = np.vstack([_table(cmap), np.ones((1, 3))])[_colour_index(values, lo, hi).reshape(-1)]
    light = rgb @ np.array([0.299, 0.587, 0.114]) > 0.5
    return ["#000000" if v else "#ffffff" for v in light.tolist()]


def number_px(cell_px: float, labels: Sequence[str]) -> float:
    """The size that fits the longest label in a cell, or 0 if that is below MIN_TEXT_PX."""
    longest = max((len(s) for s in labels), default=1)
    size = min(0.6 * cell_px, 0.95 * cell_px / max(0.6 * longest, 1.0), MAX_NUMBER_PX)
    return round(size, 1) if size >= MIN_TEXT_PX else 0.0


def _at(v: float) -> float:
    """A coordinate to a thousandth of a cell: 0.04 px at the largest cell, where a float's
    17 digits (``108.80000000000001``) made the groups picture's JSON a fifth longer (a
    median of 14.8 kB a move over its output-channel slider, not 12.1)."""
    return round(float(v), 3)


def _bounds(item: dict) -> tuple[float, float, float, float] | None:
    kind = item["t"]
    if kind == "grid":
        scale = item["scale"]
        return (item["x"], item["y"], item["x"] + item["cols"] * scale,
                item["y"] + item["rows"] * scale)
    if kind == "rect":
        return item["x"], item["y"], item["x"] + item["w"], item["y"] + item["h"]
    if kind in ("line", "poly"):
        xs = [p[0] for p in item["pts"]]
        ys = [p[1] for p in item["pts"]]
        return min(xs), min(ys), max(xs), max(ys)
    if kind == "dot":
        return item["x"], item["y"], item["x"], item["y"]
    if kind == "text" and item.get("fit"):
        return item["x"], item["y"], item["x"], item["y"]
    return None


class Scene:
    """A picture being laid out: add items in cell units, then :meth:`layout` it for a box."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def grid(self, x: float, y: float, fill: np.ndarray | str | dict, *,
             rows: int | None = None, cols: int | None = None,
             labels: Sequence[str] | np.ndarray | None = None, label_colour: str | list = "#111",
             border: str | None = None, lines: bool = True, name: str = "",
             scale: float = 1.0) -> None:
        """A block of cells: ``fill`` one colour, an ``(h, w, 3)`` RGB array or a palette;
        ``labels`` (numbers, row-major) are drawn if they fit at :data:`MIN_TEXT_PX`; each
        cell is ``scale`` units wide (a 3×3 kernel beside a 28×28 digit)."""
        if isinstance(fill, np.ndarray):
            rows, cols = fill.shape[:2]
            fill = hex_colours(fill)
        if isinstance(labels, np.ndarray):
            labels = [number(v) for v in labels.ravel()]
        self.items.append({"t": "grid", "x": _at(x), "y": _at(y), "rows": int(rows),
                           "cols": int(cols), "fill": fill, "labels": list(labels or []),
                           "ink": label_colour, "border": border, "lines": bool(lines),
                           "name": name, "scale": float(scale)})

    def text(self, x: float, y: float, s: str, *, colour: str = "#222222", size: float = 12,
             anchor: str = "middle", baseline: str = "middle", dy: float = 0.0,
             bold: bool = False, fit: bool = False) -> None:
        """Text at ``(x, y)`` moved ``dy`` pixels; ``baseline`` 'middle', 'top' or 'bottom'.
        ``fit``: the point counts for the picture's extent."""
        self.items.append({"t": "text", "x": _at(x), "y": _at(y), "s": str(s),
                           "colour": colour, "size": max(float(size), MIN_TEXT_PX),
                           "anchor": anchor, "baseline": baseline, "dy": _at(dy),
                           "bold": bold, "fit": fit})

    def rect(self, x: float, y: float, w: float, h: float, *, stroke: str | None = None,
             fill: str | None = None, width: float = 1.5, dash: bool = False) -> None:
        self.items.append({"t": "rect", "x": _at(x), "y": _at(y), "w": _at(w),
                           "h": _at(h), "stroke": stroke, "fill": fill, "width": width,
                           "dash": dash})

    def cells(self, cells: Sequence[tuple[int, int]], x0: float, y0: float, colour: str,
              width: float = 2.0) -> None:
        """An outline around each ``(row, col)`` cell of a grid whose corner is ``(x0, y0)``."""
        for r, c in cells:
            self.rect(x0 + c, y0 + r, 1, 1, stroke=colour, width=width)

    def line(self, points: Sequence[tuple[float, float]], colour: str, width: float = 1.0,
             opacity: float = 1.0) -> None:
        self.items.append({"t": "line", "pts": [[_at(a), _at(b)] for a, b in points],
                           "colour": colour, "width": width, "opacity": opacity})

    def poly(self, points: Sequence[tuple[float, float]], fill: str) -> None:
        self.items.append({"t": "poly", "pts": [[_at(a), _at(b)] for a, b in points],
                           "fill": fill})

    def dot(self, x: float, y: float, radius_px: float, colour: str) -> None:
        self.items.append({"t": "dot", "x": _at(x), "y": _at(y), "r": radius_px,
                           "colour": colour})

    def layout(self, width: int, height: int, *, top: float = 0.0, bottom: float = 0.0,
               left: float = 4.0, right: float = 4.0, max_cell: float = 40.0) -> dict:
        """The scene for a ``width`` x ``height`` px box, ``top``/``bottom`` px kept for text.

        Also sizes each grid's numbers (0: they do not fit at :data:`MIN_TEXT_PX`, left out).
        """
        boxes = [b for b in map(_bounds, self.items) if b is not None]
        x0 = min((b[0] for b in boxes), default=0.0)
        y0 = min((b[1] for b in boxes), default=0.0)
        x1 = max((b[2] for b in boxes), default=1.0)
        y1 = max((b[3] for b in boxes), default=1.0)
        cell = min((width - left - right) / max(x1 - x0, 1e-9),
                   (height - top - bottom) / max(y1 - y0, 1e-9), max_cell)
        ox = left + (width - left - right - cell * (x1 - x0)) / 2 - cell * x0
        oy = top - cell * y0
        for item in self.items:
            if item["t"] == "grid":
                item["font"] = (number_px(cell * item["scale"], item["labels"]) if item["labels"]
                                else 0.0)
        return {"width": int(width), "height": int(height), "cell": round(cell, 4),
                "ox": round(ox, 3), "oy": round(oy, 3), "items": self.items}


def text_sizes(scene: dict) -> list[float]:
    """Every text size (px) a scene draws: its texts and the numbers in its grids."""
    sizes = [item["size"] for item in scene.get("items", []) if item["t"] == "text"]
    sizes += [item["font"] for item in scene.get("items", [])
              if item["t"] == "grid" and item["labels"] and item["font"]]
    return sizes


class ScenePicture(anywidget.AnyWidget):
    """The explorer's picture drawn by the browser from ``scene`` (a :meth:`Scene.layout`),
    with its colour ``key`` and its ``readout`` (HTML) under it.

    ``scene["frame"]`` counts the pictures sent, so the page can tell a new one apart. The
    readout travels with the picture: one widget, so a change sends both in one message
    (``hold_sync``) and the browser shows them together.
    """

    _esm = Path(__file__).with_name("scene.js")
    scene = traitlets.Dict().tag(sync=True, to_json=as_json_text)
    label = traitlets.Unicode("").tag(sync=True)
    key = traitlets.Unicode("").tag(sync=True)
    readout = traitlets.Unicode("").tag(sync=True)


def scene_picture(help_html: str, width: int, height: int, key: str = "") -> ScenePicture:
    """The picture widget of a ``width`` x ``height`` px explorer, named for screen readers by
    the explorer's help (as plain text), with the colour ``key`` (HTML) under it."""
    label = html.unescape(re.sub(r"<[^>]+>", "", help_html))
    picture = ScenePicture(label=label, key=key, layout=widgets.Layout(width=f"{width + 4}px"))
    picture.add_class("convlab-picture")
    return picture


def without_frame(scene: dict[str, Any]) -> dict[str, Any]:
    """The scene as a value to compare: everything but its frame counter."""
    return {k: v for k, v in scene.items() if k != "frame"}
