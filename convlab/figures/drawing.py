"""Drawing primitives for the explorers' pictures: cell grids with their numbers, outlines,
colour keys and captions.

Each explorer module (:mod:`convlab.explorers`) paints its own state with these. Colours come
from :mod:`convlab.figures.style` (input blue, kernel orange, output green, padding grey,
dropped red, bias purple) so every lesson reads the same way.

Speed matters: an explorer redraws on every slider move (lessons 01-05 ask for well under
300 ms). Numbers in cells are therefore drawn as one ``PathCollection`` of cached glyph outlines
per grid instead of hundreds of ``Text`` objects, which is about five times faster in Agg.
"""
from __future__ import annotations

import html
import unicodedata
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import FigureBase
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

from ..i18n import text

_NUMBER_FONT = FontProperties(family="DejaVu Sans")  # digits and '-' only: always present
_GRID_LINE = "#b0b0b0"
TITLE_SIZE = 9.0
#: The smallest text size (points): 11 px in the static figures (100 dpi), the least any
#: picture shows at the default zoom.
SMALL_SIZE = 8.0
#: The smallest text in pixels; numbers that would be smaller are left out (the readout and
#: the hover view show them).
MIN_TEXT_PX = 11.0


# --- small helpers --------------------------------------------------------------------------

def tint(colour: str, amount: float) -> np.ndarray:
    """``colour`` mixed with white: ``amount`` 1 is the full colour, 0 is white (RGB array)."""
    rgb = np.array(to_rgb(colour))
    return 1.0 - amount * (1.0 - rgb)


def number(value: float) -> str:
    """A cell's number as short text: integers without a decimal point, others to 2 decimals."""
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.2f}"


@lru_cache(maxsize=4096)
def _glyphs(label: str, size: float) -> Path:
    """Outline of ``label`` at ``size`` points, centred on the origin (cached)."""
    path = TextPath((0, 0), label, size=size, prop=_NUMBER_FONT)
    box = path.get_extents()
    return path.transformed(Affine2D().translate(-(box.x0 + box.x1) / 2, -(box.y0 + box.y1) / 2))


def cell_pixels(ax, width: float, height: float) -> float:
    """Pixels per data unit once ``ax`` shows a ``width`` x ``height`` extent at equal aspect.

    Uses the axes' original box (equal aspect may shrink the active one at draw time).
    """
    box = ax.get_position(original=True)
    parent = ax.get_figure(root=False).bbox
    return min(box.width * parent.width / max(width, 1e-9),
               box.height * parent.height / max(height, 1e-9))


def draw_numbers(ax, xs: Sequence[float], ys: Sequence[float], labels: Sequence[str],
                 cell_px: float, colours: str | Sequence = "black",
                 fill: float = 0.8) -> PathCollection | None:
    """Write ``labels`` centred at data points ``(xs, ys)``, sized to fit cells of ``cell_px``.

    One PathCollection for all labels (fast); the size shrinks for long labels so that a
    number never spills out of its cell.
    """
    if not labels:
        return None
    dpi = ax.get_figure(root=True).dpi
    longest = max(len(s) for s in labels)
    size_px = min(0.5 * cell_px, fill * cell_px / max(0.62 * longest, 1.0))
    size = round(max(size_px * 72.0 / dpi, 2.0) * 2) / 2  # points, in half-point steps (cache)
    size = min(size, 13.0)
    if size * dpi / 72.0 < MIN_TEXT_PX - 0.01:     # too small to read: leave them out
        return None
    paths = [_glyphs(s, size) for s in labels]
    collection = PathCollection(paths, offsets=np.column_stack([xs, ys]),
                                offset_transform=ax.transData, facecolors=colours,
                                edgecolors="none", linewidths=0)
    collection.set_transform(Affine2D().scale(dpi / 72.0))
    collection.font_px = size * dpi / 72.0     # for the tests: the numbers' size on screen
    return ax.add_collection(collection, autolim=False)


class CellCanvas:
    """Blocks of coloured cells on one integer grid, drawn as a single image.

    One ``imshow`` plus one line collection for all grid lines and one for all borders is much
    faster than an image and a few artists per block. Cell ``(row, col)`` is centred at data
    point ``(col, row)``; y points down.
    """

    def __init__(self) -> None:
        self.blocks: list[tuple[int, int, np.ndarray, str | None, bool]] = []

    def block(self, x0: int, y0: int, colours: np.ndarray, border: str | None = None,
              lines: bool = True) -> None:
        """Add an (h, w, 3) array of cell colours whose top-left cell is at ``(x0, y0)``."""
        self.blocks.append((int(x0), int(y0), colours, border, lines))

    def draw(self, ax) -> None:
        if not self.blocks:
            return
        x_min = min(x for x, _, _, _, _ in self.blocks)
        y_min = min(y for _, y, _, _, _ in self.blocks)
        x_max = max(x + c.shape[1] for x, _, c, _, _ in self.blocks)
        y_max = max(y + c.shape[0] for _, y, c, _, _ in self.blocks)
        image = np.zeros((y_max - y_min, x_max - x_min, 4))
        grid, borders, border_colours = [], [], []
        for x0, y0, colours, border, lines in self.blocks:
            h, w = colours.shape[:2]
            image[y0 - y_min:y0 - y_min + h, x0 - x_min:x0 - x_min + w, :3] = colours
            image[y0 - y_min:y0 - y_min + h, x0 - x_min:x0 - x_min + w, 3] = 1.0
            left, top, right, bottom = x0 - 0.5, y0 - 0.5, x0 + w - 0.5, y0 + h - 0.5
            if lines:
                grid += [[(left, top + r), (right, top + r)] for r in range(1, h)]
                grid += [[(left + c, top), (left + c, bottom)] for c in range(1, w)]
            if border:
                borders.append([(left, top), (right, top), (right, bottom), (left, bottom),
                                (left, top)])
                border_colours.append(border)
        ax.imshow(image, extent=(x_min - 0.5, x_max - 0.5, y_max - 0.5, y_min - 0.5),
                  interpolation="nearest", origin="upper")
        if grid:
            ax.add_collection(LineCollection(grid, colors=_GRID_LINE, linewidths=0.5),
                              autolim=False)
        if borders:
            ax.add_collection(LineCollection(borders, colors=border_colours, linewidths=1.5),
                              autolim=False)


def outline(ax, cells: Iterable[tuple[float, float]], colour: str, width: float = 2.0,
            style_: str = "-") -> None:
    """Draw a square outline around each ``(row, col)`` cell centre (data coordinates)."""
    segments = []
    for r, c in cells:
        x, y = c - 0.5, r - 0.5
        segments.append([(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1), (x, y)])
    if segments:
        ax.add_collection(LineCollection(segments, colors=colour, linewidths=width,
                                         linestyles=style_), autolim=False)


def clear_artists(ax) -> None:
    """Remove everything drawn on ``ax`` but keep the axes (much cheaper than a new axes)."""
    for group in (ax.images, ax.collections, ax.patches, ax.texts, ax.lines, ax.artists):
        for artist in list(group):
            artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()


def fit(ax, x_min: float, x_max: float, y_min: float, y_max: float) -> float:
    """Show the extent at equal aspect (centred), y downwards; return pixels per cell."""
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_max, y_min)
    return cell_pixels(ax, x_max - x_min, y_max - y_min)


def fit_titled(ax, x_min: float, x_max: float, y_max: float,
                titles: Sequence[tuple[float, str, str]]) -> float:
    """Fit grids whose top edge is at y = -0.5, leaving room above for one line of titles.

    ``titles`` are (x centre, text, colour); returns pixels per cell.
    """
    room = 2.0 * TITLE_SIZE * ax.get_figure(root=True).dpi / 72.0   # pixels for a title
    px = cell_pixels(ax, x_max - x_min, y_max + 0.5)
    px = fit(ax, x_min, x_max, -0.5 - room / px, y_max)
    for x, label, colour in titles:
        ax.text(x, -0.5 - 0.25 * room / px, label, ha="center", va="bottom",
                fontsize=TITLE_SIZE, color=colour)
    return px


_LEGEND_TINT = 0.45


def figure_legend(fig: FigureBase, entries: Sequence[tuple[str, str]], lang: str) -> None:
    """A one-row colour legend at the bottom of ``fig``."""
    handles = [Patch(facecolor=tint(colour, _LEGEND_TINT), edgecolor=colour, label=text(key, lang))
               for colour, key in entries]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
               frameon=False, handlelength=1.2, columnspacing=1.2, borderaxespad=0.2)


def legend_html(entries: Sequence[tuple[str, str]], lang: str) -> str:
    """The same legend as HTML swatches (drawn by the browser: costs no redraw time)."""
    items = []
    for colour, key in entries:
        swatch = (f'<span style="display:inline-block;width:12px;height:12px;'
                  f'background:{to_hex(tint(colour, _LEGEND_TINT))};border:1px solid {colour};'
                  'vertical-align:middle;margin-right:4px"></span>')
        items.append(f"<span>{swatch}{html.escape(text(key, lang))}</span>")
    return ('<div style="display:flex;flex-wrap:wrap;gap:4px 16px;font-size:90%">'
            + "".join(items) + "</div>")


class CanvasPainter:
    """One axes in cell units, built once; each update replaces only what is drawn on it.

    ``draw(ax, state, lang)`` paints a state; ``legend`` (static figures) adds the colour key.
    """

    def __init__(self, fig: FigureBase, lang: str, draw: Callable[[Any, dict, str], None],
                 legend: Sequence[tuple[str, str]] | None = None):
        self.lang, self.draw = lang, draw
        bottom = 0.11 if legend else 0.01
        self.ax = fig.add_axes((0.005, bottom, 0.99, 0.98 - bottom))
        self.ax.set_axis_off()
        if legend:
            figure_legend(fig, legend, lang)

    def update(self, state: dict) -> None:
        clear_artists(self.ax)
        self.draw(self.ax, state, self.lang)


def _display_width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def wrap_lines(lines: Sequence[str], width: int = 118) -> list[str]:
    """Wrap caption lines to ``width`` columns, counting Hangul as two columns.

    Leading spaces (formula alignment) are kept; continuation lines are indented 4 more.
    """
    out: list[str] = []
    for line in lines:
        body = line.lstrip(" ")
        indent = " " * (len(line) - len(body))
        current = indent
        for word in body.split(" "):
            candidate = f"{current} {word}" if current.strip() else current + word
            if current.strip() and _display_width(candidate) > width:
                out.append(current)
                current = indent + "    " + word
            else:
                current = candidate
        out.append(current)
    return out


def draw_caption(fig: FigureBase, lines: Sequence[str]) -> None:
    """Write plain-text lines (the explorer's readout) top to bottom in ``fig``."""
    n = max(len(lines), 1)
    for i, line in enumerate(lines):
        fig.text(0.015, 1 - (i + 0.5) / n, line, fontsize=8.5, va="center", ha="left")


def caption_height(lines: Sequence[str]) -> float:
    """Inches the caption of ``lines`` needs."""
    return 0.2 * len(lines) + 0.15




__all__ = [
    "CanvasPainter", "CellCanvas", "MIN_TEXT_PX", "SMALL_SIZE", "TITLE_SIZE", "cell_pixels",
    "caption_height", "clear_artists",
    "draw_caption", "draw_numbers", "figure_legend", "fit_titled", "legend_html", "number",
    "outline", "tint", "wrap_lines",
]
