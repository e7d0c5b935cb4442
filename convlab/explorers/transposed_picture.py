"""The transposed-convolution explorer's pictures (lesson 08): the static figure matplotlib
paints and the live scene the browser draws, from one set of cell colours."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.patches import Rectangle

from ..figures import style
from ..figures.drawing import CellCanvas, draw_numbers, fit_titled, number, outline, tint
from ..i18n import text
from .scene import Scene, tinted

if TYPE_CHECKING:
    from .transposed import TransposedState

__all__ = ["draw_transposed", "transposed_scene"]


def canvas_cells(state: TransposedState) -> np.ndarray:
    """The canvas's cell colours (both painters): what ``padding`` cuts grey, the output's
    place pale green, the cells the current copy lands on orange."""
    geo = state.geometry
    full_h, full_w = geo.full_size
    (top, left), (ho, wo) = geo.padding, geo.out_size
    rgb = np.empty((full_h, full_w, 3))
    rgb[:] = tint(style.PADDING, 0.45)
    rgb[top:top + ho, left:left + wo] = tint(style.OUTPUT, 0.12)
    for r, q in state.targets:
        rgb[r, q] = tint(style.KERNEL, 0.55)
    return rgb


def draw_transposed(ax, state: TransposedState, lang: str) -> None:
    """Input channels, their kernels, the canvas so far and PyTorch's output, side by side.

    The current input cell and the canvas cells its copy lands on are outlined in orange; the
    canvas cells ``padding`` cuts away are grey; the output's place on the canvas is outlined
    in green (lesson 08).
    """
    x, w, geo = state.input, state.kernel, state.geometry
    channels, height, width = x.shape
    kh, kw = w.shape[1:]
    gap, canvas_ = 2, CellCanvas()
    xs, ys, labels, titles = [], [], [], []

    def cells(x0: int, y0: int, values: np.ndarray, colour: str, amount: float = 0.18,
              rgb: np.ndarray | None = None) -> None:
        h, wd = values.shape
        if rgb is None:
            rgb = np.empty((h, wd, 3))
            rgb[:] = tint(colour, amount)
        canvas_.block(x0, y0, rgb, colour)
        rr, cc = np.mgrid[0:h, 0:wd]
        xs.extend((cc + x0).ravel())
        ys.extend((rr + y0).ravel())
        labels.extend(number(v) for v in values.ravel())

    x0 = 0
    for c in range(channels):
        cells(x0, 0, x[c], style.INPUT)
        titles.append((x0 + width / 2 - 0.5, text("window.input_c", lang, c=c), style.INPUT))
        if state.error is None:
            outline(ax, [(state.cell[0], state.cell[1] + x0)], style.KERNEL, 2.2)
        x0 += width + gap
    for c in range(channels):
        cells(x0, c * (kh + 1), w[c], style.KERNEL, 0.4)
    titles.append((x0 + kw / 2 - 0.5, text("kernel", lang), style.KERNEL))
    x0 += kw + gap
    bottom = max(height, channels * (kh + 1) - 1)
    if state.error is not None:
        ax.text(x0, height / 2, text("error_short", lang), color=style.DROPPED, va="center",
                fontsize=9)
        right = x0 + 7
    else:
        full_h, full_w = geo.full_size
        (top, left), (ho, wo) = geo.padding, geo.out_size
        cells(x0, 0, state.canvas, style.PADDING, rgb=canvas_cells(state))
        outline(ax, [(r, q + x0) for r, q in state.targets], style.KERNEL, 1.6)
        ax.add_patch(Rectangle((x0 + left - 0.5, top - 0.5), wo, ho, fill=False,
                               edgecolor=style.OUTPUT, linewidth=1.8))
        titles.append((x0 + full_w / 2 - 0.5, text("transposed.canvas", lang), style.PADDING))
        x0 += full_w + gap
        cells(x0, 0, state.output, style.OUTPUT, 0.3)
        titles.append((x0 + wo / 2 - 0.5, text("output", lang), style.OUTPUT))
        right = x0 + wo
        bottom = max(bottom, full_h)
    canvas_.draw(ax)
    px = fit_titled(ax, -0.7, right - 0.3, bottom - 0.3, titles)
    draw_numbers(ax, xs, ys, labels, px)


def title_px(label: str) -> float:
    """About how wide ``label`` is at 12 px: Hangul is twice as wide as Latin letters."""
    return sum(12.0 if ord(ch) >= 0x1100 else 7.0 for ch in label)


def transposed_scene(state: TransposedState, lang: str, width: int, height: int) -> dict:
    """:func:`draw_transposed`'s picture as a scene the browser draws (the live view).

    Each panel gets room for its title: laid out once, then again with the titles measured in
    the cell size the first layout chose.
    """
    cell = 40.0
    for _ in range(3):
        laid = _transposed(state, lang, cell).layout(width, height, top=20, bottom=4)
        if laid["cell"] >= cell - 0.5:
            break
        cell = laid["cell"]
    return laid


def _transposed(state: TransposedState, lang: str, cell: float) -> Scene:
    """The scene for cells of about ``cell`` px: each panel as wide as its title needs."""
    x, w, geo = state.input, state.kernel, state.geometry
    channels, h, wd = x.shape
    kh, kw = w.shape[1:]
    gap = 1.5
    scene = Scene()
    x0 = 0.0
    scene.rect(0, 0, 0.01, 0.01)              # the first title's room counts for the extent

    def panel(cols: int, label: str, colour: str) -> float:
        """Title a panel of ``cols`` cells in the next slot; returns where its cells start."""
        nonlocal x0
        slot = max(float(cols), title_px(label) / cell + 0.4)
        start = x0 + (slot - cols) / 2
        scene.text(x0 + slot / 2, 0, label, colour=colour, baseline="bottom", dy=-4)
        x0 += slot + gap
        return start

    for c in range(channels):
        left = panel(wd, text("window.input_c", lang, c=c), style.INPUT)
        scene.grid(left, 0, tinted(style.INPUT, 0.18), rows=h, cols=wd, labels=x[c],
                   border=style.INPUT, name=f"input{c}")
        if state.error is None:
            scene.cells([state.cell], left, 0, style.KERNEL, 2.5)
    left = panel(kw, text("kernel", lang), style.KERNEL)
    for c in range(channels):
        scene.grid(left, c * (kh + 1), tinted(style.KERNEL, 0.4), rows=kh, cols=kw,
                   labels=w[c], border=style.KERNEL, name=f"kernel{c}")
    if state.error is not None:
        scene.text(x0, h / 2, text("error_short", lang), colour=style.DROPPED, anchor="start",
                   fit=True)
        scene.rect(x0, 0, title_px(text("error_short", lang)) / cell, 1)
        return scene
    full_w = geo.full_size[1]
    (top, left_cut), (ho, wo) = geo.padding, geo.out_size
    left = panel(full_w, text("transposed.canvas", lang), style.PADDING)
    scene.grid(left, 0, canvas_cells(state), labels=state.canvas, border=style.PADDING,
               name="canvas")
    scene.cells(state.targets, left, 0, style.KERNEL, 2.0)
    scene.rect(left + left_cut, top, wo, ho, stroke=style.OUTPUT, width=2.2)
    left = panel(wo, text("output", lang), style.OUTPUT)
    scene.grid(left, 0, tinted(style.OUTPUT, 0.3), rows=ho, cols=wo, labels=state.output,
               border=style.OUTPUT, name="output")
    scene.rect(x0 - gap, 0, 0.01, 0.01)      # the last title's room counts for the extent
    return scene
