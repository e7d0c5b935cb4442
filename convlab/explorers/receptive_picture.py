"""The receptive-field explorer's pictures (lesson 09): the static figure matplotlib paints
and the live scene the browser draws. Both show ∂out[i, j]/∂input on a sequential map (never
negative: 0 is white) with its colour key, the formula's region dashed, the cells max pooling
could read but did not as grey dots, and the output grid with the chosen cell."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.patches import Rectangle

from ..figures import style
from ..figures.drawing import TITLE_SIZE, tint
from ..i18n import text
from .scene import Scene, colour_cells

if TYPE_CHECKING:
    from .receptive import ReceptiveState

__all__ = ["ReceptivePainter", "receptive_scene"]

GRAD_CMAP = "Blues"     # ∂out/∂input here is never negative: a sequential map, 0 is white


def silent_cells(state: ReceptiveState) -> np.ndarray:
    """``(n, 2)`` rows and columns the chosen cell can reach whose gradient is 0 here: max
    pooling passed it to another cell of the window."""
    return np.argwhere(state.cell_reach(*state.position) & (state.grad == 0))


class ReceptivePainter:
    """The input with ∂out/∂input, the formula's region, and the output grid (lesson 09)."""

    def __init__(self, fig, lang: str, legend=None):
        from ..figures.drawing import figure_legend
        self.lang = lang
        bottom = 0.12 if legend else 0.04
        self.ax_in = fig.add_axes((0.03, bottom, 0.5, 0.86 - bottom))
        self.ax_bar = fig.add_axes((0.545, bottom + 0.05, 0.015, 0.7 - bottom))
        self.ax_out = fig.add_axes((0.64, bottom, 0.33, 0.86 - bottom))
        self.image = self.ax_in.imshow(np.zeros((2, 2)), cmap=GRAD_CMAP, vmin=0, vmax=1,
                                       interpolation="nearest")
        bar = fig.colorbar(self.image, cax=self.ax_bar)
        bar.ax.tick_params(labelsize=8)
        bar.set_label(text("receptive.grad_axis", lang), fontsize=8)
        for ax in (self.ax_in, self.ax_out):
            ax.set_xticks([])
            ax.set_yticks([])
        self.ax_in.set_title(text("receptive.input_title", lang), fontsize=TITLE_SIZE,
                             color=style.INPUT)
        self.ax_out.set_title(text("output", lang), fontsize=TITLE_SIZE, color=style.OUTPUT)
        self.extras: list = []
        if legend:
            figure_legend(fig, legend, lang)

    def update(self, state: ReceptiveState) -> None:
        for artist in self.extras:
            artist.remove()
        self.extras, size = [], state.size
        self.image.set_extent((-0.5, size - 0.5, size - 0.5, -0.5))
        if state.error is not None:
            self.image.set_data(np.zeros((size, size)))
            self.extras.append(self.ax_out.text(0.5, 0.5, text("error_short", self.lang),
                                                color=style.DROPPED, ha="center", va="center",
                                                fontsize=9, transform=self.ax_out.transAxes))
            return
        grad = state.grad
        self.image.set_data(grad)
        self.image.set_clim(0, max(float(grad.max()), 1e-12))
        out_h, out_w = state.shapes[-1]
        row, col = state.position
        silent = silent_cells(state)           # reachable, but max pooling chose another
        if len(silent):
            self.extras += self.ax_in.plot(silent[:, 1], silent[:, 0], linestyle="none", marker="o",
                                           markersize=2.5, color=style.PADDING)
        if state.predicted is not None:
            r0, r1, c0, c1 = state.predicted
            self.extras.append(self.ax_in.add_patch(Rectangle(
                (c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False, edgecolor=style.KERNEL,
                linestyle="--", linewidth=2.0)))
        self.ax_in.set_xlim(-0.5, size - 0.5)
        self.ax_in.set_ylim(size - 0.5, -0.5)
        cells = np.tile(tint(style.OUTPUT, 0.12), (out_h, out_w, 1))      # every output cell
        cells[row, col] = tint(style.OUTPUT, 0.4)
        self.extras.append(self.ax_out.imshow(cells, interpolation="nearest",
                                              extent=(-0.5, out_w - 0.5, out_h - 0.5, -0.5)))
        self.extras.append(self.ax_out.add_patch(Rectangle(
            (col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=style.OUTPUT, linewidth=2.2)))
        side = max(out_h, out_w)
        self.ax_out.set_xlim(-0.5, side - 0.5)
        self.ax_out.set_ylim(side - 0.5, -0.5)
        self.ax_out.set_aspect("equal")


def receptive_scene(state: ReceptiveState, lang: str, width: int, height: int) -> dict:
    """:class:`ReceptivePainter`'s picture as a scene the browser draws (the live view), laid
    out in pixels: the input with its gradient and colour key, then the output grid."""
    scene = Scene()
    scene.rect(0, 0, width, height)          # the picture is laid out in pixels
    top, x_in = 22, 2
    side = height - top - 6                  # the input's square
    size = state.size
    cell = side / size
    scene.text(x_in, top, text("receptive.input_title", lang), colour=style.INPUT,
               anchor="start", baseline="bottom", dy=-4)
    x_out = x_in + side + 220
    out_room = width - x_out - 4
    scene.text(x_out + out_room / 2, top, text("output", lang), colour=style.OUTPUT,
               baseline="bottom", dy=-4)
    if state.error is not None:
        scene.grid(x_in, top, "#ffffff", rows=size, cols=size, lines=False,
                   border=style.INPUT, name="input", scale=cell)
        scene.text(x_out + out_room / 2, top + side / 2, text("error_short", lang),
                   colour=style.DROPPED)
        return scene.layout(width, height, left=0, right=0)
    grad = state.grad
    most = max(float(grad.max()), 1e-12)
    # cell lines where there are few cells to count; a larger input goes as one image
    scene.grid(x_in, top, colour_cells(grad, GRAD_CMAP, 0.0, most), rows=size, cols=size,
               lines=size <= 20, border=style.INPUT, name="input", scale=cell)
    for r, c in silent_cells(state).tolist():
        scene.dot(x_in + (c + 0.5) * cell, top + (r + 0.5) * cell, 2.0, style.PADDING)
    if state.predicted is not None:
        r0, r1, c0, c1 = state.predicted
        scene.rect(x_in + c0 * cell, top + r0 * cell, (c1 - c0 + 1) * cell,
                   (r1 - r0 + 1) * cell, stroke=style.KERNEL, width=2.0, dash=True)
    # the colour key: 0 (white) at the bottom, the largest gradient at the top
    steps = 24
    x_key = x_in + side + 14
    scene.grid(x_key, top, colour_cells(np.linspace(most, 0.0, steps).reshape(steps, 1),
                                        GRAD_CMAP, 0.0, most),
               rows=steps, cols=1, lines=False, border="#555555", name="key",
               scale=side / steps)
    x_words = x_key + side / steps + 4
    scene.text(x_words, top, f"{most:.3g}", anchor="start", baseline="top")
    scene.text(x_words, top + side, "0", anchor="start", baseline="bottom")
    scene.text(x_words, top + side / 2,
               text("receptive.grad_axis", lang).replace("$\\partial$", "∂"),
               anchor="start")
    out_h, out_w = state.shapes[-1]
    row, col = state.position
    scale = min(out_room / out_w, side / out_h)
    cells = np.tile(tint(style.OUTPUT, 0.12), (out_h, out_w, 1))      # every output cell
    cells[row, col] = tint(style.OUTPUT, 0.4)
    x0 = x_out + (out_room - out_w * scale) / 2
    scene.grid(x0, top, cells, lines=scale >= 6, border=style.OUTPUT, name="output",
               scale=scale)
    scene.rect(x0 + col * scale, top + row * scale, scale, scale, stroke=style.OUTPUT, width=2.2)
    return scene.layout(width, height, left=0, right=0)
