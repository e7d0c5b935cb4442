"""The many-filters explorer: a 3-channel input, several filters, every partial sum (lesson 01).

Output channel ``f`` is ``Σ_c x[c] ⋆ w[f, c] + b[f]``: each input channel is cross-correlated
with its own slice of filter ``f``, the slices' results are added, then the bias. The picture
shows that sum for one filter, row by row, and every output channel beside it; each partial
result comes from ``F.conv2d`` on one channel, the output from ``nn.Conv2d`` itself, and the
readout checks that the pieces add up to it.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..figures import style
from ..figures.drawing import CellCanvas, draw_numbers, fit_titled, number, tint
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .controls import checkbox, grid, int_slider
from .readout import line, num, shape_text
from .scene import Scene, tinted

__all__ = ["many_filters_explorer"]

MANY_LEGEND = [(style.INPUT, "input"), (style.KERNEL, "kernel"), (style.BIAS, "bias_word"),
               (style.OUTPUT, "output")]
IN_CHANNELS = 3


@dataclasses.dataclass(frozen=True)
class ManyParams:
    """The controls: how many filters, their size, which one is taken apart, bias, seed."""

    out_channels: int
    kernel_size: int
    filter: int
    bias: bool
    seed: int
    size: int = 5


@dataclasses.dataclass(kw_only=True)
class ManyState(ExplorerState):
    """Input, weights, one filter's per-channel results, and every output channel."""

    input: np.ndarray           # (3, H, W)
    weight: np.ndarray          # (F, 3, k, k)
    bias: np.ndarray | None     # (F,)
    filter: int
    partials: np.ndarray        # (3, H_out, W_out): x[c] ⋆ w[filter, c], from F.conv2d
    output: np.ndarray          # (F, H_out, W_out), from nn.Conv2d
    out_shape: tuple[int, ...]
    weight_shape: tuple[int, ...]
    max_diff: float             # |Σ partials + b - output| for the filter shown


class ManyModel(ExplorerModel[ManyParams, ManyState]):
    params_type = ManyParams
    figsize = (9.0, 5.0)      # cells large enough for their numbers at 11 px
    help_key = "many.help"
    legend = MANY_LEGEND

    def controls(self, values, lang):
        c = {
            "out_channels": int_slider("out_channels", lang, values["out_channels"], 2, 4),
            "kernel_size": int_slider("kernel_size", lang, values["kernel_size"], 1, 3),
            "filter": int_slider("many.filter", lang, values["filter"], 0,
                                 values["out_channels"] - 1),
            "bias": checkbox("bias", lang, values["bias"]),
            "seed": int_slider("seed", lang, values["seed"], 0, 99),
        }
        return c, grid(list(c.values()))

    def params(self, values):
        return ManyParams(**values)

    def sync(self, controls, changed):
        controls["filter"].max = controls["out_channels"].value - 1   # clamps the value too

    def call(self, v):
        return (dict(in_channels=IN_CHANNELS, out_channels=v.out_channels,
                     kernel_size=v.kernel_size, bias=v.bias), (1, IN_CHANNELS, v.size, v.size))

    def compute(self, v):
        generator = torch.Generator().manual_seed(int(v.seed))
        x = torch.randint(-2, 4, (1, IN_CHANNELS, v.size, v.size), generator=generator).float()
        k = v.kernel_size
        weight = torch.randint(-2, 3, (v.out_channels, IN_CHANNELS, k, k),
                               generator=generator).float()
        b = torch.randint(-2, 4, (v.out_channels,), generator=generator).float()
        layer = nn.Conv2d(IN_CHANNELS, v.out_channels, kernel_size=k, bias=v.bias)
        with torch.no_grad():
            layer.weight.copy_(weight)
            if layer.bias is not None:
                layer.bias.copy_(b)
            y = layer(x)
            f = min(int(v.filter), v.out_channels - 1)
            partials = torch.cat([F.conv2d(x[:, c:c + 1], weight[f:f + 1, c:c + 1])
                                  for c in range(IN_CHANNELS)], dim=1)[0]
        added = partials.sum(0) + (b[f] if v.bias else 0.0)
        return ManyState(input=x[0].numpy(), weight=weight.numpy(),
                         bias=b.numpy() if v.bias else None, filter=f,
                         partials=partials.numpy(), output=y[0].detach().numpy(),
                         out_shape=tuple(y.shape), weight_shape=tuple(layer.weight.shape),
                         max_diff=float((added - y[0, f]).abs().max()))

    def describe(self, state, lang):
        f = state.filter
        parts = " + ".join(f"x[{c}] ⋆ w[{f}, {c}]" for c in range(IN_CHANNELS))
        bias = f" + b[{f}]" if state.bias is not None else ""
        return [
            line(text("many.weight", lang) + " = ", (shape_text(state.weight_shape), "code kernel"),
                 "  " + text("many.one_filter", lang, c=IN_CHANNELS)),
            line(text("many.formula", lang, f=f) + ": ",
                 (f"out[{f}] = {parts}{bias}", "code output")),
            line(text("many.check", lang) + " ", (num(state.max_diff), "code b"),
                 "  →  " + text("shape.output", lang) + " ",
                 (shape_text(state.out_shape), "code output b")),
        ]

    def painter(self, fig, lang, static):
        return self.canvas(fig, lang, static, draw_many_filters)

    def scene(self, state, lang, width, height):
        return many_filters_scene(state, lang, width, height)


def many_filters_explorer(lang: str = "en", *, out_channels: int = 2, kernel_size: int = 3,
                          filter: int = 0, bias: bool = True, seed: int = 0) -> Explorer:
    """Several filters over a 3-channel input: each channel ⋆ its kernel slice, the sum, the
    bias, each output channel (lesson 01). Small integers (``seed``) so the sums check by eye."""
    if not 0 <= filter < out_channels:
        raise ValueError(f"filter must be between 0 and {out_channels - 1}, got {filter}")
    values = {"out_channels": out_channels, "kernel_size": int(kernel_size), "filter": filter,
              "bias": bool(bias), "seed": seed}
    return Explorer(ManyModel(), values, lang)


def _numbers(xs: list, ys: list, labels: list, values: np.ndarray, x0: int, y0: int) -> None:
    rows, cols = np.mgrid[0:values.shape[0], 0:values.shape[1]]
    xs.extend((cols + x0).ravel())
    ys.extend((rows + y0).ravel())
    labels.extend(number(v) for v in values.ravel())


def columns(state: ManyState) -> tuple[int, int, int, tuple[int, int, int, int]]:
    """Input size, kernel size, output size, and where each column starts (both painters):
    the kernel slices, the partial results, their sum and every output channel."""
    size, k, out = state.input.shape[1], state.weight.shape[2], state.partials.shape[1]
    x_kernel = size + 2
    x_part = x_kernel + k + 2
    x_sum = x_part + out + 3
    return size, k, out, (x_kernel, x_part, x_sum, x_sum + out + 3)


def draw_many_filters(ax, state: ManyState, lang: str) -> None:
    """Rows ``x[c] ⋆ w[f, c] = partial c``, then their sum plus ``b[f]``, then every output."""
    x, w, f = state.input, state.weight, state.filter
    size, k, out, (x_kernel, x_part, x_sum, x_all) = columns(state)
    canvas = CellCanvas()
    xs, ys, labels = [], [], []
    for c in range(IN_CHANNELS):
        y0 = c * (size + 1)
        for values, x0, colour in ((x[c], 0, style.INPUT), (w[f, c], x_kernel, style.KERNEL),
                                   (state.partials[c], x_part, style.OUTPUT)):
            fill = np.empty(values.shape + (3,))
            fill[:] = tint(colour, 0.3 if colour != style.OUTPUT else 0.15)
            canvas.block(x0, y0, fill, colour)
            _numbers(xs, ys, labels, values, x0, y0)
        mid = y0 + (size - 1) / 2
        ax.text(x_kernel - 1, mid, "⋆", ha="center", va="center", fontsize=12)
        ax.text(x_part - 1, mid, "=", ha="center", va="center", fontsize=12)
        if c:
            ax.text(x_part + (out - 1) / 2, y0 - 1, "+", ha="center", va="center", fontsize=12)
    y_sum = (IN_CHANNELS * (size + 1) - 1) / 2 - (out - 1) / 2
    y_sum = int(round(y_sum))
    fill = np.empty((out, out, 3))
    fill[:] = tint(style.OUTPUT, 0.45)
    canvas.block(x_sum, y_sum, fill, style.OUTPUT)
    _numbers(xs, ys, labels, state.output[f], x_sum, y_sum)
    bias = (f" + b  (b = {number(state.bias[f])})" if state.bias is not None else "")
    ax.text(x_sum + (out - 1) / 2, y_sum + out + 0.2, "Σ" + bias, ha="center", va="top",
            fontsize=10, color=style.BIAS if state.bias is not None else "black")
    ax.text(x_sum - 1.5, y_sum + (out - 1) / 2, "→", ha="center", va="center", fontsize=12)
    for g in range(state.output.shape[0]):
        y0 = g * (out + 1)
        fill = np.empty((out, out, 3))
        fill[:] = tint(style.OUTPUT, 0.45 if g == f else 0.15)
        canvas.block(x_all, y0, fill, style.OUTPUT if g == f else "#888888")
        _numbers(xs, ys, labels, state.output[g], x_all, y0)
        ax.text(x_all + out + 0.2, y0 + (out - 1) / 2, str(g), va="center", fontsize=9,
                color=style.OUTPUT)
    titles = [((size - 1) / 2, text("many.channels", lang), style.INPUT),
              (x_kernel + (k - 1) / 2, text("many.slices", lang, f=f), style.KERNEL),
              (x_sum + (out - 1) / 2, text("many.out_f", lang, f=f), style.OUTPUT),
              (x_all + (out - 1) / 2, text("many.outputs", lang), style.OUTPUT)]
    bottom = max(IN_CHANNELS * (size + 1) - 1, state.output.shape[0] * (out + 1) - 1)
    canvas.draw(ax)
    px = fit_titled(ax, -0.7, x_all + out + 1, bottom - 0.3, titles)
    draw_numbers(ax, xs, ys, labels, px)


def many_filters_scene(state: ManyState, lang: str, width: int, height: int) -> dict:
    """:func:`draw_many_filters`'s picture as a scene the browser draws (the live view)."""
    x, w, f = state.input, state.weight, state.filter
    size, k, out, (x_kernel, x_part, x_sum, x_all) = columns(state)
    scene = Scene()
    for c in range(IN_CHANNELS):
        y0 = c * (size + 1)
        for values, x0, colour, name in ((x[c], 0, style.INPUT, f"input{c}"),
                                         (w[f, c], x_kernel, style.KERNEL, f"kernel{c}"),
                                         (state.partials[c], x_part, style.OUTPUT, f"part{c}")):
            fill = tinted(colour, 0.3 if colour != style.OUTPUT else 0.15)
            scene.grid(x0, y0, fill, rows=values.shape[0], cols=values.shape[1], labels=values,
                       border=colour, name=name)
        mid = y0 + size / 2
        scene.text(x_kernel - 1, mid, "⋆", size=16)
        scene.text(x_part - 1, mid, "=", size=16)
        if c:
            scene.text(x_part + out / 2, y0 - 0.5, "+", size=16)
    y_sum = int(round((IN_CHANNELS * (size + 1) - 1) / 2 - out / 2))
    scene.grid(x_sum, y_sum, tinted(style.OUTPUT, 0.45), rows=out, cols=out,
               labels=state.output[f], border=style.OUTPUT, name="sum")
    bias = f" + b  (b = {number(state.bias[f])})" if state.bias is not None else ""
    scene.text(x_sum + out / 2, y_sum + out, "Σ" + bias, baseline="top", dy=4, size=13,
               colour=style.BIAS if state.bias is not None else "#222222")
    scene.text(x_sum - 1.5, y_sum + out / 2, "→", size=16)
    for g in range(state.output.shape[0]):
        y0 = g * (out + 1)
        scene.grid(x_all, y0, tinted(style.OUTPUT, 0.45 if g == f else 0.15), rows=out, cols=out,
                   labels=state.output[g], border=style.OUTPUT if g == f else "#888888",
                   name=f"output{g}")
        # the channel's number clear of the grid: against its border it read as one more
        # digit of the row's last number (SVG drops a leading space)
        scene.text(x_all + out + 0.3, y0 + out / 2, str(g), colour=style.OUTPUT, anchor="start")
    for x0, s, colour, cols in ((0, text("many.channels", lang), style.INPUT, size),
                                (x_kernel, text("many.slices", lang, f=f), style.KERNEL, k),
                                (x_sum, text("many.out_f", lang, f=f), style.OUTPUT, out),
                                (x_all, text("many.outputs", lang), style.OUTPUT, out)):
        scene.text(x0 + cols / 2, 0, s, colour=colour, baseline="bottom", dy=-4)
    scene.rect(x_all + out, 0, 1, 0.1)     # room for the output channels' numbers
    return scene.layout(width, height, top=20, bottom=4)
