"""The explorers' pictures: cell grids with their numbers, connectivity lines, bars and images.

Each ``draw_*`` function paints one explorer's state (computed in :mod:`convlab.widgets`) onto a
Figure or SubFigure. Colours come from :mod:`convlab.style` (input blue, kernel orange, output
green, padding grey, dropped red, bias purple) so every lesson reads the same way.

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
from matplotlib.patches import Patch, Polygon, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

from . import style
from ..i18n import text

_NUMBER_FONT = FontProperties(family="DejaVu Sans")  # digits and '-' only: always present
_GRID_LINE = "#b0b0b0"
_TITLE_SIZE = 9.0


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
    paths = [_glyphs(s, size) for s in labels]
    collection = PathCollection(paths, offsets=np.column_stack([xs, ys]),
                                offset_transform=ax.transData, facecolors=colours,
                                edgecolors="none", linewidths=0)
    collection.set_transform(Affine2D().scale(dpi / 72.0))
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
    for group in (ax.images, ax.collections, ax.patches, ax.texts, ax.lines):
        for artist in list(group):
            artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()


def _fit(ax, x_min: float, x_max: float, y_min: float, y_max: float) -> float:
    """Show the extent at equal aspect (centred), y downwards; return pixels per cell."""
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_max, y_min)
    return cell_pixels(ax, x_max - x_min, y_max - y_min)


def _fit_titled(ax, x_min: float, x_max: float, y_max: float,
                titles: Sequence[tuple[float, str, str]]) -> float:
    """Fit grids whose top edge is at y = -0.5, leaving room above for one line of titles.

    ``titles`` are (x centre, text, colour); returns pixels per cell.
    """
    room = 2.0 * _TITLE_SIZE * ax.get_figure(root=True).dpi / 72.0   # pixels for a title
    px = cell_pixels(ax, x_max - x_min, y_max + 0.5)
    px = _fit(ax, x_min, x_max, -0.5 - room / px, y_max)
    for x, label, colour in titles:
        ax.text(x, -0.5 - 0.25 * room / px, label, ha="center", va="bottom",
                fontsize=_TITLE_SIZE, color=colour)
    return px


#: Colour keys of the grid pictures: (role colour, string key). Widgets show them as HTML
#: under the picture; static figures draw them as a matplotlib legend.
LEGENDS = {
    "shape": [(style.INPUT, "input"), (style.PADDING, "padding"),
              (style.KERNEL, "shape.first_window"), (style.OUTPUT, "output"),
              (style.DROPPED, "dropped")],
    "window": [(style.INPUT, "input"), (style.PADDING, "padding"), (style.KERNEL, "kernel"),
               (style.BIAS, "bias_word"), (style.OUTPUT, "output"), (style.DROPPED, "dropped")],
    "groups": [(style.INPUT, "groups.inputs"), (style.OUTPUT, "groups.outputs"),
               (style.KERNEL, "weights"), (style.BIAS, "bias_word")],
}
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


# --- 1. shape explorer ----------------------------------------------------------------------

def draw_shape(ax, state: dict, lang: str) -> None:
    """One channel of the padded input, the kernel footprint and the output plane, to scale.

    The first window's taps are orange (dilation gaps stay blue), the last window is dashed,
    padding grey, rows/columns the floor drops red (lesson 02).
    """
    geo = state.get("geometry")
    if geo is None:
        ax.text(0.5, 0.5, text("error_short", lang), color=style.DROPPED, ha="center",
                transform=ax.transAxes, fontsize=11)
        return
    (top, _), (left, _) = geo.padding
    hp, wp = geo.padded_size
    h, w = geo.in_size
    colours = np.empty((max(hp, 1), max(wp, 1), 3))
    colours[:] = tint(style.PADDING, 0.4)
    colours[max(top, 0):max(top, 0) + h, max(left, 0):max(left, 0) + w] = tint(style.INPUT, 0.3)
    dh, dw = geo.unused
    if dh:
        colours[hp - dh:, :] = tint(style.DROPPED, 0.35)
    if dw:
        colours[:, wp - dw:] = tint(style.DROPPED, 0.35)
    out_h, out_w = geo.out_size
    valid = out_h > 0 and out_w > 0 and state.get("out_shape") is not None
    if valid:
        for r, c in geo.window(0, 0):
            colours[r, c] = tint(style.KERNEL, 0.75)
    kh, kw = geo.effective_kernel
    footprint = np.empty((max(kh, 1), max(kw, 1), 3))
    footprint[:] = tint(style.INPUT, 0.12)
    for r, c in geo.window(0, 0):
        if 0 <= r < kh and 0 <= c < kw:
            footprint[r, c] = tint(style.KERNEL, 0.75)

    lines = max(hp, wp, out_h, out_w) <= 24
    gap = max(2, round(0.12 * max(wp, out_w)))
    canvas = CellCanvas()
    canvas.block(0, 0, colours, style.INPUT, lines)
    x_kernel = wp + gap
    canvas.block(x_kernel, 0, footprint, style.KERNEL, lines)
    x_out = x_kernel + kw + gap
    titles = [(wp / 2 - 0.5, text("shape.plane", lang, h=hp, w=wp), style.INPUT)]
    # the kernel's title goes under it: above, it would run into the input's title
    ax.text(x_kernel + kw / 2 - 0.5, kh - 0.5 + 0.02 * max(hp, 10), text(
        "shape.kernel", lang, h=geo.kernel[0], w=geo.kernel[1]), ha="center", va="top",
        fontsize=_TITLE_SIZE, color=style.KERNEL)
    if valid:
        out = np.empty((out_h, out_w, 3))
        out[:] = tint(style.OUTPUT, 0.35)
        out[0, 0] = tint(style.OUTPUT, 0.9)
        canvas.block(x_out, 0, out, style.OUTPUT, lines)
        # the last window: where the stride stops, just before what the floor drops
        (sh, sw) = geo.stride
        r0, c0 = (out_h - 1) * sh, (out_w - 1) * sw
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), kw, kh, fill=False, linestyle="--",
                               edgecolor=style.KERNEL, linewidth=1.5))
        titles.append((x_out + out_w / 2 - 0.5, text("shape.out_plane", lang, h=out_h, w=out_w),
                       style.OUTPUT))
        right = x_out + out_w
    else:
        ax.text(x_out, hp / 2, text("error_short", lang), color=style.DROPPED, va="center",
                fontsize=10)
        right = x_out + max(8, wp // 2)
    canvas.draw(ax)
    _fit_titled(ax, -0.6, right, max(hp, kh, out_h if valid else 1) - 0.4, titles)


# --- 2. sliding-window explorer ---------------------------------------------------------------

def draw_sliding_window(ax, state: dict, lang: str) -> None:
    """Padded input channels with their numbers, the kernel, the bias and the output grid.

    The current window's taps, the kernel and the current output cell are highlighted; small
    dots mark where every window starts (the stride); red rows/columns are the floor's
    leftovers (lesson 02).
    """
    x = state["input"]                 # (C, H, W)
    xp = state.get("padded")           # (C, Hp, Wp) or None on error
    w = state["weight"]                # (C, kh, kw)
    b = state.get("bias")              # float or None
    y = state.get("output")            # (Hout, Wout) or None
    geo = state.get("geometry")
    channels, kh, kw = w.shape
    grid = xp if xp is not None else x
    hp, wp = grid.shape[1:]
    gap = 2
    canvas = CellCanvas()

    # cell colours of one padded channel (the same for every channel)
    base = np.empty((hp, wp, 3))
    base[:] = tint(style.INPUT, 0.18)
    if xp is not None and geo is not None:
        (top, _), (left, _) = geo.padding
        h, w_in = geo.in_size
        mask = np.ones((hp, wp), bool)
        mask[top:top + h, left:left + w_in] = False
        base[mask] = tint(style.PADDING, 0.45)
        dh, dw = geo.unused
        if dh:
            base[hp - dh:, :] = tint(style.DROPPED, 0.35)
        if dw:
            base[:, wp - dw:] = tint(style.DROPPED, 0.35)
    taps = state.get("taps") or []
    for r, col in taps:
        base[r, col] = tint(style.KERNEL, 0.6)
    xs, ys, labels = [], [], []
    starts = [c * (wp + gap) for c in range(channels)]
    titles: list[tuple[float, str, str]] = []
    rr, cc = np.mgrid[0:hp, 0:wp]
    for c, x0 in enumerate(starts):
        canvas.block(x0, 0, base, style.INPUT)
        xs.extend((cc + x0).ravel())
        ys.extend(rr.ravel())
        labels.extend(number(v) for v in grid[c].ravel())
        titles.append((x0 + wp / 2 - 0.5, text("window.input_c", lang, c=c), style.INPUT))
    if taps:
        dkh, dkw = geo.effective_kernel
        r0, c0 = taps[0]
        anchors = np.array(state.get("anchors") or [taps[0]], float)
        for x0 in starts:
            outline(ax, [(r, col + x0) for r, col in taps], style.KERNEL, 1.8)
            ax.add_patch(Rectangle((c0 + x0 - 0.5, r0 - 0.5), dkw, dkh, fill=False,
                                   edgecolor=style.KERNEL, linestyle="--", linewidth=1.2))
            ax.plot(anchors[:, 1] + x0 - 0.33, anchors[:, 0] - 0.33, linestyle="none",
                    marker="o", markersize=2.5, color=style.KERNEL)

    # kernel: one (kh, kw) block per input channel, stacked, then the bias
    x_kernel = channels * (wp + gap)
    kernel_rgb = np.empty((kh, kw, 3))
    kernel_rgb[:] = tint(style.KERNEL, 0.4)
    kr, kc = np.mgrid[0:kh, 0:kw]
    for c in range(channels):
        y0 = c * (kh + 1)
        canvas.block(x_kernel, y0, kernel_rgb, style.KERNEL)
        xs.extend((kc + x_kernel).ravel())
        ys.extend((kr + y0).ravel())
        labels.extend(number(v) for v in w[c].ravel())
        if channels > 1:
            ax.text(x_kernel - 0.65, y0 + (kh - 1) / 2, str(c), ha="right", va="center",
                    fontsize=7, color=style.KERNEL)
    titles.append((x_kernel + kw / 2 - 0.5, text("kernel", lang), style.KERNEL))
    bottom = channels * (kh + 1) - 1
    if b is not None:
        yb = bottom + 1
        canvas.block(x_kernel, yb, tint(style.BIAS, 0.4).reshape(1, 1, 3), style.BIAS)
        xs.append(x_kernel)
        ys.append(yb)
        labels.append(number(b))
        ax.text(x_kernel - 0.65, yb, "b", ha="right", va="center", fontsize=8, color=style.BIAS)
        bottom = yb + 1
    x_out = x_kernel + kw + gap
    if y is not None:
        ho, wo = y.shape
        step = state["step"]
        oy, ox = state["position"]
        colours = np.ones((ho, wo, 3))
        colours.reshape(-1, 3)[:step + 1] = tint(style.OUTPUT, 0.3)   # computed so far
        colours[oy, ox] = tint(style.OUTPUT, 0.75)
        canvas.block(x_out, 0, colours, style.OUTPUT)
        outline(ax, [(oy, ox + x_out)], style.OUTPUT, 2.2)
        for k in range(step + 1):
            r, col = divmod(k, wo)
            xs.append(x_out + col)
            ys.append(r)
            labels.append(number(y[r, col]))
        titles.append((x_out + wo / 2 - 0.5, text("output", lang), style.OUTPUT))
        right = x_out + wo
        bottom = max(bottom, ho)
    else:
        ax.text(x_out, hp / 2, text("error_short", lang), color=style.DROPPED, va="center",
                fontsize=9)
        right = x_out + 7
    canvas.draw(ax)
    px = _fit_titled(ax, -0.7, right - 0.3, max(hp, bottom) - 0.3, titles)
    # numbers: one collection; the longest label decides the size so all digits match
    draw_numbers(ax, xs, ys, labels, px)


# --- 3. groups explorer -----------------------------------------------------------------------

class GroupsPainter:
    """Which input channels feed which output channels, and parameter counts as bars (lesson 03).

    Both axes are built once; each update redraws only their contents.
    """

    def __init__(self, fig: FigureBase, lang: str,
                 legend: Sequence[tuple[str, str]] | None = None):
        self.lang = lang
        low = 0.1 if legend else 0.0
        self.ax = fig.add_axes((0.02, 0.04 + low, 0.46, 0.84 - low))
        self.ax.set_axis_off()
        self.bx = fig.add_axes((0.56, 0.1 + low, 0.36, 0.74 - low))
        self.bx.set_axis_off()   # no tick machinery (slow to draw): labels written by hand
        if legend:
            figure_legend(fig, legend, lang)

    def update(self, state: dict) -> None:
        ax, bx, lang = self.ax, self.bx, self.lang
        clear_artists(ax)
        clear_artists(bx)
        bx.set_title("")
        cin, cout, groups = state["in_channels"], state["out_channels"], state["groups"]
        ys_in = 1 - (np.arange(cin) + 0.5) / cin
        ys_out = 1 - (np.arange(cout) + 0.5) / cout
        ax.set_xlim(-0.32, 1.18)
        ax.set_ylim(-0.02, 1.08)
        if state.get("error") is None and groups > 0:
            per_in, per_out = cin // groups, cout // groups
            for g in range(groups):
                i_top, i_bot = 1 - g * per_in / cin, 1 - (g + 1) * per_in / cin
                o_top, o_bot = 1 - g * per_out / cout, 1 - (g + 1) * per_out / cout
                shade = "#ececec" if g % 2 == 0 else "#f8f8f8"
                ax.add_patch(Polygon([(0, i_top), (1, o_top), (1, o_bot), (0, i_bot)],
                                     closed=True, facecolor=shade, edgecolor="none"))
                if groups <= 8:   # left of the inputs, where no line crosses
                    ax.text(-0.06, (i_top + i_bot) / 2, text("groups.group", lang, g=g),
                            ha="right", va="center", fontsize=7, color="#555555")
        segments = [[(0, ys_in[i]), (1, ys_out[j])] for i, j in state.get("connections") or []]
        if segments:
            alpha = 0.7 if len(segments) <= 64 else 0.35
            ax.add_collection(LineCollection(segments, colors=style.KERNEL, linewidths=0.9,
                                             alpha=alpha))
        size = max(12.0, 60.0 - 1.6 * max(cin, cout))
        ax.scatter(np.zeros(cin), ys_in, s=size, marker="s", color=style.INPUT, zorder=3)
        ax.scatter(np.ones(cout), ys_out, s=size, marker="s", color=style.OUTPUT, zorder=3)
        ax.text(0, 1.03, text("groups.inputs", lang) + f" ({cin})", ha="center", fontsize=8.5,
                color=style.INPUT)
        ax.text(1, 1.03, text("groups.outputs", lang) + f" ({cout})", ha="center", fontsize=8.5,
                color=style.OUTPUT)
        if state.get("error") is not None:
            ax.text(0.5, 0.5, text("error_short", lang), ha="center", color=style.DROPPED)
            return

        bars = [(text(f"groups.{key}", lang, **fmt), w, b) for key, fmt, w, b in state["compare"]]
        weights = np.array([w for _, w, _ in bars], float)
        biases = np.array([b for _, _, b in bars], float)
        pos = np.arange(len(bars))[::-1]
        for p, wt, bi in zip(pos, weights, biases):   # plain rectangles: cheaper than barh
            bx.add_patch(Rectangle((0, p - 0.3), wt, 0.6, facecolor=tint(style.KERNEL, 0.8)))
            if bi:
                bx.add_patch(Rectangle((wt, p - 0.3), bi, 0.6, facecolor=style.BIAS))
        total = weights + biases
        for p, t, (label, _, _) in zip(pos, total, bars):
            bx.text(t, p, f" {int(t):,}", va="center", fontsize=7.5)
            bx.text(0, p + 0.42, label, va="bottom", ha="left", fontsize=7.5)
        bx.axvline(0, color="#555555", linewidth=0.8)
        bx.set_xlim(0, total.max() * 1.3 if total.max() > 0 else 1)
        bx.set_ylim(-0.5, len(bars) - 0.1)
        bx.set_title(text("groups.params_axis", lang), fontsize=_TITLE_SIZE)


def draw_groups(fig: FigureBase, state: dict, lang: str) -> None:
    """Draw one groups state with its legend (see :class:`GroupsPainter`)."""
    GroupsPainter(fig, lang, LEGENDS["groups"]).update(state)


# --- 4. channel arithmetic explorer ---------------------------------------------------------

def _stack(channels: np.ndarray) -> np.ndarray:
    """Channels (C, H, W) one under another with a row of NaN (blank) between them."""
    c, h, w = channels.shape
    out = np.full((c * (h + 1) - 1, w), np.nan)
    for k in range(c):
        out[k * (h + 1):k * (h + 1) + h] = channels[k]
    return out


class ArithmeticPainter:
    """Input channels, the 1×1 grouped convolution's output and the broadcast result (lesson 05).

    The axes are built once; :meth:`update` only swaps image data and labels, which keeps a
    slider move far below the redraw budget.
    """

    def __init__(self, fig: FigureBase, lang: str, channels: int, size: int):
        self.lang = lang
        blank = np.zeros((channels * (size + 1) - 1, size))
        self.centres = [k * (size + 1) + (size - 1) / 2 for k in range(channels)]
        panels = [(style.IMAGE_CMAP, (0, 1), "arith.input", style.INPUT),
                  (style.SIGNED_CMAP, (-1, 1), "arith.conv", style.OUTPUT),
                  (style.SIGNED_CMAP, (-1, 1), "arith.broadcast", style.OUTPUT)]
        self.images, self.labels = [], []
        for k, (cmap, (lo, hi), key, colour) in enumerate(panels):
            ax = fig.add_axes((0.08 + 0.28 * k, 0.05, 0.22, 0.82))
            self.images.append(ax.imshow(blank, cmap=cmap, vmin=lo, vmax=hi,
                                         interpolation="nearest"))
            ax.set_title(text(key, lang), fontsize=_TITLE_SIZE, color=colour)
            ax.set_axis_off()   # labels written by hand: tick machinery is slow to draw
            self.labels.append([ax.text(-1.0, centre, "", ha="right", va="center", fontsize=7.5)
                                for centre in self.centres])
        cax = fig.add_axes((0.885, 0.1, 0.015, 0.72))
        bar = fig.colorbar(self.images[1], cax=cax)
        bar.ax.tick_params(labelsize=7)
        bar.set_label(text("arith.out_value", lang), fontsize=7.5)
        for i, label in enumerate(self.labels[0]):
            label.set_text(text("arith.channel", lang, c=i))

    def update(self, state: dict) -> None:
        conv, broadcast = state["conv_out"], state["broadcast_out"]
        vmax = float(max(np.abs(conv).max(), np.abs(broadcast).max(), 1e-6))
        self.images[0].set_data(_stack(state["image"]))
        for image, data in ((self.images[1], conv), (self.images[2], broadcast)):
            image.set_data(_stack(data))
            image.set_clim(-vmax, vmax)
        names = [f"×{number(m)} +{number(a)}".replace("+-", "-")
                 for m, a in zip(state["mul"], state["add"])]
        for column in self.labels[1:]:
            for label, name in zip(column, names):
                label.set_text(name)


def draw_channel_arithmetic(fig: FigureBase, state: dict, lang: str) -> None:
    """Draw one channel-arithmetic state (see :class:`ArithmeticPainter`)."""
    ArithmeticPainter(fig, lang, len(state["mul"]), state["image"].shape[-1]).update(state)


# --- 5. MNIST filter explorer ---------------------------------------------------------------

def _set_image(image, data: np.ndarray, lo: float, hi: float) -> None:
    """Swap an AxesImage's data (any size) and colour limits; its axes follow the new size."""
    h, w = data.shape
    image.set_data(data)
    image.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
    image.axes.set_xlim(-0.5, w - 0.5)
    image.axes.set_ylim(h - 0.5, -0.5)
    image.set_clim(lo, hi)


def kernel_label(state: dict, lang: str) -> str:
    """The kernel's name in ``lang``; a layer's filter gets its index ("filters of the layer 3")."""
    label = text(f"mnist.k_{state['kernel_name']}", lang)
    return f"{label} {state['filter']}" if state.get("filter") is not None else label


class FilterPainter:
    """The digit, the kernel with its numbers (jet, like the seed post's weights), the feature map.

    Built once; :meth:`update` swaps data, titles and the kernel's numbers (lesson 04).
    """

    def __init__(self, fig: FigureBase, lang: str):
        self.lang = lang
        blank = np.zeros((3, 3))
        ax = fig.add_axes((0.02, 0.06, 0.26, 0.8))
        self.digit = ax.imshow(blank, cmap=style.IMAGE_CMAP, interpolation="nearest")
        self.digit_title = ax.set_title("", fontsize=_TITLE_SIZE, color=style.INPUT)
        ax.set_axis_off()

        self.kx = kx = fig.add_axes((0.33, 0.14, 0.2, 0.64))
        self.kernel = kx.imshow(blank, cmap=style.WEIGHT_CMAP, interpolation="nearest")
        kx.set_axis_off()
        self.frame = kx.add_patch(Rectangle((-0.5, -0.5), 3, 3, fill=False,
                                            edgecolor=style.KERNEL, linewidth=1.5))
        self.kernel_title = kx.set_title("", fontsize=_TITLE_SIZE, color=style.KERNEL)
        kbar = fig.colorbar(self.kernel, ax=kx, fraction=0.08, pad=0.03)
        kbar.ax.tick_params(labelsize=6.5)
        self.numbers: PathCollection | None = None

        fx = fig.add_axes((0.62, 0.06, 0.26, 0.8))
        self.fmap = fx.imshow(blank, cmap=style.SIGNED_CMAP, interpolation="nearest")
        self.fmap_title = fx.set_title("", fontsize=_TITLE_SIZE, color=style.OUTPUT)
        fx.set_axis_off()
        cax = fig.add_axes((0.9, 0.1, 0.015, 0.72))
        fbar = fig.colorbar(self.fmap, cax=cax)
        fbar.ax.tick_params(labelsize=6.5)
        fbar.set_label(text("mnist.activation", lang), fontsize=7.5)

    def update(self, state: dict) -> None:
        lang = self.lang
        image, kernel, fmap = state["image"], state["kernel"], state["feature_map"]
        label = state.get("label")
        self.digit_title.set_text(
            text("mnist.digit_label", lang, i=state["index"], label=label) if label is not None
            else text("mnist.digit", lang, i=state["index"]))
        _set_image(self.digit, image, float(min(image.min(), 0.0)), float(max(image.max(), 1.0)))

        kmax = float(np.abs(kernel).max()) or 1.0
        _set_image(self.kernel, kernel, -kmax, kmax)
        kh, kw = kernel.shape
        self.frame.set_width(kw)
        self.frame.set_height(kh)
        self.kernel_title.set_text(text("kernel", lang) + "\n" + kernel_label(state, lang))
        cmap, norm = self.kernel.get_cmap(), self.kernel.norm
        colours = []
        for v in kernel.ravel():
            r, g, b, _ = cmap(norm(v))
            colours.append("black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
        if self.numbers is not None:
            self.numbers.remove()
        rr, cc = np.mgrid[0:kh, 0:kw]
        self.numbers = draw_numbers(self.kx, cc.ravel(), rr.ravel(),
                                    [number(v) for v in kernel.ravel()],
                                    cell_pixels(self.kx, kw, kh), colours)

        fmax = float(np.abs(fmap).max()) or 1.0
        _set_image(self.fmap, fmap, -fmax, fmax)
        self.fmap_title.set_text(text("mnist.fmap", lang, h=fmap.shape[0], w=fmap.shape[1]))


def draw_filter(fig: FigureBase, state: dict, lang: str) -> None:
    """Draw one MNIST-filter state (see :class:`FilterPainter`)."""
    FilterPainter(fig, lang).update(state)


__all__ = [
    "draw_shape", "draw_sliding_window", "draw_groups", "draw_channel_arithmetic", "draw_filter",
    "CanvasPainter", "GroupsPainter", "ArithmeticPainter", "FilterPainter", "CellCanvas", "LEGENDS",
    "figure_legend", "legend_html", "kernel_label", "draw_caption", "caption_height",
    "wrap_lines", "draw_numbers", "clear_artists", "tint", "number",
]
