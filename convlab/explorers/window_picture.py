"""The sliding-window explorer's pictures (lesson 02): the static figure matplotlib paints and
the live scene the browser draws, from one set of cell colours."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.patches import Rectangle

from ..figures import style
from ..figures.drawing import (SMALL_SIZE, CellCanvas, draw_numbers, fit_titled, number,
                               outline, tint)
from ..i18n import text
from .scene import Scene, tinted

if TYPE_CHECKING:
    from .window import WindowState

__all__ = ["draw_sliding_window", "window_scene"]


def window_cells(state: WindowState) -> np.ndarray:
    """The cell colours of one padded input channel (the same for every channel; both
    painters): padding grey, what the floor drops red, the current window's taps orange."""
    xp, geo = state.padded, state.geometry
    grid = xp if xp is not None else state.input
    hp, wp = grid.shape[1:]
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
    for r, col in state.taps or []:
        base[r, col] = tint(style.KERNEL, 0.6)
    return base


def draw_sliding_window(ax, state: WindowState, lang: str) -> None:
    """Padded input channels with their numbers, the kernel, the bias and the output grid.

    The current window's taps, the kernel and the current output cell are highlighted; small
    dots mark where every window starts (the stride); red rows/columns are the floor's
    leftovers (lesson 02).
    """
    x = state.input                 # (C, H, W)
    xp = state.padded           # (C, Hp, Wp) or None on error
    w = state.weight                # (C, kh, kw)
    b = state.bias              # float or None
    y = state.output            # (Hout, Wout) or None
    geo = state.geometry
    channels, kh, kw = w.shape
    grid = xp if xp is not None else x
    hp, wp = grid.shape[1:]
    gap = 2
    canvas = CellCanvas()

    base = window_cells(state)
    taps = state.taps or []
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
        anchors = np.array(state.anchors or [taps[0]], float)
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
                    fontsize=SMALL_SIZE, color=style.KERNEL)
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
        step = state.step
        oy, ox = state.position
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
    px = fit_titled(ax, -0.7, right - 0.3, max(hp, bottom) - 0.3, titles)
    # numbers: one collection; the longest label decides the size so all digits match
    draw_numbers(ax, xs, ys, labels, px)


def window_scene(state: WindowState, lang: str, width: int, height: int) -> dict:
    """:func:`draw_sliding_window`'s picture as a scene the browser draws (the live view)."""
    x, xp, w, b, y, geo = (state.input, state.padded, state.weight, state.bias, state.output,
                           state.geometry)
    channels, kh, kw = w.shape
    grid = xp if xp is not None else x
    hp, wp = grid.shape[1:]
    gap = 2
    scene = Scene()
    base = window_cells(state)
    taps = state.taps or []
    for c in range(channels):
        x0 = c * (wp + gap)
        scene.grid(x0, 0, base, labels=grid[c], border=style.INPUT, name=f"input{c}")
        scene.text(x0 + wp / 2, 0, text("window.input_c", lang, c=c), colour=style.INPUT,
                   baseline="bottom", dy=-4)
        if taps:
            scene.cells(taps, x0, 0, style.KERNEL, 2.0)
            dkh, dkw = geo.effective_kernel
            r0, c0 = taps[0]
            scene.rect(x0 + c0, r0, dkw, dkh, stroke=style.KERNEL, width=1.2, dash=True)
            for r, col in state.anchors or [taps[0]]:
                scene.dot(x0 + col + 0.18, r + 0.18, 2.0, style.KERNEL)
    x_kernel = channels * (wp + gap)
    for c in range(channels):
        y0 = c * (kh + 1)
        scene.grid(x_kernel, y0, tinted(style.KERNEL, 0.4), rows=kh, cols=kw, labels=w[c],
                   border=style.KERNEL, name=f"kernel{c}")
        if channels > 1:
            scene.text(x_kernel, y0 + kh / 2, str(c), colour=style.KERNEL, anchor="end", dy=0)
    scene.text(x_kernel + kw / 2, 0, text("kernel", lang), colour=style.KERNEL,
               baseline="bottom", dy=-4)
    bottom = channels * (kh + 1) - 1
    if b is not None:
        yb = bottom + 1
        scene.grid(x_kernel, yb, tinted(style.BIAS, 0.4), rows=1, cols=1,
                   labels=[number(b)], border=style.BIAS, name="bias")
        scene.text(x_kernel, yb + 0.5, "b ", colour=style.BIAS, anchor="end")
    x_out = x_kernel + kw + gap
    if y is not None:
        ho, wo = y.shape
        oy, ox = state.position
        colours = np.ones((ho, wo, 3))
        colours.reshape(-1, 3)[:state.step + 1] = tint(style.OUTPUT, 0.3)   # computed so far
        colours[oy, ox] = tint(style.OUTPUT, 0.75)
        labels = [number(v) if k <= state.step else "" for k, v in enumerate(y.ravel())]
        scene.grid(x_out, 0, colours, labels=labels, border=style.OUTPUT, name="output")
        scene.cells([(oy, ox)], x_out, 0, style.OUTPUT, 2.5)
        scene.text(x_out + wo / 2, 0, text("output", lang), colour=style.OUTPUT,
                   baseline="bottom", dy=-4)
    else:
        scene.text(x_out, hp / 2, text("error_short", lang), colour=style.DROPPED,
                   anchor="start", fit=True)
        scene.rect(x_out, 0, 7, 1)
    return scene.layout(width, height, top=20, bottom=4)
