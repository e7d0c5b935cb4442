"""The kernel-descent explorer's live picture (lesson 07): the scene the browser draws.

The same picture as :func:`convlab.figures.plots.draw_kernel_fit` (the static figure): the loss
of every step on a log scale, then the kernel at a few steps beside the target on one diverging
scale symmetric about 0 (set by the start and the target, so a diverged kernel saturates), with
its colour key. Laid out in pixels.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..figures import style
from ..i18n import text
from .scene import Scene, colour_cells, ink_on, used_colours

if TYPE_CHECKING:
    from .descent import DescentState

__all__ = ["descent_scene"]

#: Pixels of the loss chart's box (left, top, right, bottom) and of a kernel's cell.
CHART = (58.0, 22.0, 232.0, 186.0)
CELL = 30.0


def minus(s: str) -> str:
    """A number's text with a true minus sign, as the static figure writes it."""
    return s.replace("-", "\u2212")


def step_ticks(last: int, most: int = 6) -> list[int]:
    """Round steps from 0 to ``last`` (1, 2 or 5 times a power of ten apart), at most ``most``."""
    for power in range(0, 8):
        for base in (1, 2, 5):
            gap = base * 10 ** power
            if last // gap + 1 <= most:
                return list(range(0, last + 1, gap))
    return [0, last]


def log_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Powers of ten between ``lo`` and ``hi`` (both > 0), every k-th so at most ``most``."""
    first, last = math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9)
    every = max(1, math.ceil((last - first + 1) / most))
    return [10.0 ** d for d in range(first, last + 1, every)]


def _loss_chart(scene: Scene, losses: list, lang: str) -> None:
    """The loss per step on a log scale; non-finite and non-positive losses are left out."""
    x0, y0, x1, y1 = CHART
    shown = np.asarray(losses, dtype=np.float64)
    steps = np.arange(1, len(shown) + 1)
    good = np.isfinite(shown) & (shown > 0)
    scene.rect(x0, y0, x1 - x0, y1 - y0, stroke="#555555", width=1.0)
    scene.text(x0, y0, text("viz.loss", lang), anchor="start", baseline="bottom", dy=-4)
    last = max(len(shown), 1)

    def at_x(step: float) -> float:
        return x0 + (x1 - x0) * step / last

    for step in step_ticks(last):
        scene.line([(at_x(step), y1), (at_x(step), y1 + 4)], "#555555")
        scene.text(at_x(step), y1 + 5, str(step), baseline="top")
    scene.text((x0 + x1) / 2, y1 + 20, text("viz.step", lang), baseline="top")
    if not good.any():
        return
    lo, hi = float(shown[good].min()), float(shown[good].max())
    low, high = math.log10(lo), math.log10(hi)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    pad = 0.05 * (high - low)
    low, high = low - pad, high + pad

    def at_y(value: float) -> float:
        return y1 - (y1 - y0) * (math.log10(value) - low) / (high - low)

    ticks = log_ticks(10 ** low, 10 ** high)
    if len(ticks) < 2:          # less than two decades shown: label the ends too
        ticks += [v for v in (lo, hi) if all(abs(at_y(v) - at_y(t)) > 14 for t in ticks)]
    for value in ticks:
        scene.line([(x0 - 4, at_y(value)), (x0, at_y(value))], "#555555")
        scene.text(x0 - 6, at_y(value), minus(f"{value:.2g}"), anchor="end")
    # every finite loss at once (300 points), to 0.01 px as the browser draws them
    xs = np.round(x0 + (x1 - x0) * steps / last, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ys = np.round(y1 - (y1 - y0) * (np.log10(shown) - low) / (high - low), 2)
    cuts = np.flatnonzero(np.diff(np.concatenate([[False], good, [False]]).astype(np.int8)))
    for start, stop in zip(cuts[::2].tolist(), cuts[1::2].tolist()):   # runs of finite losses
        run = list(zip(xs[start:stop].tolist(), ys[start:stop].tolist()))
        scene.line(run if len(run) > 1 else run * 2, style.OUTPUT, 1.5)


def descent_scene(state: DescentState, lang: str, width: int, height: int) -> dict:
    """The loss curve, the kernel at each snapshot and the target, and the kernels' colour
    key, as a scene the browser draws (the live view of lesson 07's explorer)."""
    scene = Scene()
    scene.rect(0, 0, width, height)          # the picture is laid out in pixels
    _loss_chart(scene, state.losses, lang)
    kernels = [(text("viz.snapshot", lang, s=s), k, style.KERNEL)
               for s, k in sorted(state.snapshots.items())]
    kernels.append((text("viz.target", lang), state.target, "#222222"))
    limit = max(float(np.abs(kernels[0][1]).max()), float(np.abs(kernels[-1][1]).max())) or 1.0
    top = (CHART[1] + CHART[3]) / 2 - 1.5 * CELL
    x = CHART[2] + 26
    # every kernel's colours and inks in one pass (all are k×k), each grid sent its own few
    every = np.stack([np.asarray(kernel, dtype=np.float64) for _, kernel, _ in kernels])
    kh, kw = every.shape[1:]
    fills = colour_cells(every, style.SIGNED_CMAP, -limit, limit)
    inks = ink_on(every, style.SIGNED_CMAP, -limit, limit)
    for k, ((title, _, colour), values) in enumerate(zip(kernels, every)):
        readable = values.size <= 25 and bool(np.isfinite(values).all()) \
            and float(np.abs(values).max()) < 100
        labels = [minus(f"{v:.1f}") for v in values.ravel().tolist()] if readable else None
        cells = slice(k * kh * kw, (k + 1) * kh * kw)
        scene.grid(x, top, used_colours(fills["palette"], fills["index"][cells]), rows=kh,
                   cols=kw, labels=labels, label_colour=inks[cells], border=colour,
                   name=f"kernel{k}", scale=CELL)
        scene.text(x + kw * CELL / 2, top, title, colour=colour, baseline="bottom", dy=-4)
        x += kw * CELL + 12
    # the colour key, as tall as the chart: the largest value at the top, 0 white in the middle
    steps = 16
    x_key = x - 4
    span = CHART[3] - CHART[1]
    key = colour_cells(np.linspace(limit, -limit, steps), style.SIGNED_CMAP, -limit, limit)
    scene.grid(x_key, CHART[1], used_colours(key["palette"], key["index"]), rows=steps, cols=1,
               lines=False, border="#555555", name="key", scale=span / steps)
    x_words = x_key + span / steps + 4
    for value, y, baseline in ((limit, CHART[1], "top"), (0.0, CHART[1] + span / 2, "middle"),
                               (-limit, CHART[3], "bottom")):
        scene.text(x_words, y, minus(f"{value:.2g}"), anchor="start", baseline=baseline)
    scene.text(x_key + span / steps / 2, CHART[1], text("viz.kernel_value", lang),
               baseline="bottom", dy=-4)
    return scene.layout(width, height, left=0, right=0)
