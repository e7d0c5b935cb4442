"""The channel-arithmetic explorer: per-channel ``x·m + a`` as a 1×1 convolution.

Lesson 05: a ``(C, 1, 1, 1)`` weight holding the multipliers and a bias holding the offsets,
with ``groups=C``, beside the same arithmetic done by broadcasting, checked with
``torch.allclose``.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np
import torch
import ipywidgets as widgets
from matplotlib.figure import FigureBase
from torch import nn

from ..figures import style
from ..figures.drawing import SMALL_SIZE, TITLE_SIZE, number
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .controls import float_slider, grid, int_slider
from .readout import line, num
from .scene import Scene, colour_cells

__all__ = ["channel_arithmetic_explorer"]


@dataclasses.dataclass(frozen=True)
class ArithmeticParams:
    """The controls: one multiplier and one offset per channel, and the image's seed."""

    mul: tuple[float, ...]
    add: tuple[float, ...]
    seed: int


@dataclasses.dataclass(kw_only=True)
class ArithmeticState(ExplorerState):
    """The layer's weight and bias, both results, and whether they agree."""

    channels: int
    mul: list[float]
    add: list[float]
    weight: list[float]
    bias: list[float]
    weight_shape: tuple[int, ...]
    allclose: bool
    allclose_atol: bool
    max_diff: float
    image: np.ndarray            # (C, H, W)
    conv_out: np.ndarray         # (C, H, W), from nn.Conv2d
    broadcast_out: np.ndarray    # (C, H, W), from X * m + a


def stack_channels(channels: np.ndarray) -> np.ndarray:
    """Channels (C, H, W) one under another with a row of NaN (blank) between them."""
    c, h, w = channels.shape
    out = np.full((c * (h + 1) - 1, w), np.nan)
    for k in range(c):
        out[k * (h + 1):k * (h + 1) + h] = channels[k]
    return out


class ArithmeticModel(ExplorerModel[ArithmeticParams, ArithmeticState]):
    params_type = ArithmeticParams
    figsize = (8.0, 3.4)
    help_key = "arith.help"
    size = 16     # image height and width, as in the seed post's torch.rand(2, 5, 16, 16)

    def __init__(self, channels: int):
        self.channels = channels

    def controls(self, values, lang):
        c: dict[str, widgets.Widget] = {}
        rows = []
        for k in range(self.channels):
            c[f"mul_{k}"] = float_slider("arith.mul", lang, values[f"mul_{k}"], -3, 3, 0.25, c=k)
            c[f"add_{k}"] = float_slider("arith.add", lang, values[f"add_{k}"], -3, 3, 0.25, c=k)
            rows += [c[f"mul_{k}"], c[f"add_{k}"]]
        c["seed"] = int_slider("seed", lang, values["seed"], 0, 99)
        return c, grid(rows + [c["seed"]])

    def params(self, values: dict) -> ArithmeticParams:
        n = self.channels
        return ArithmeticParams(mul=tuple(float(values[f"mul_{k}"]) for k in range(n)),
                                add=tuple(float(values[f"add_{k}"]) for k in range(n)),
                                seed=int(values["seed"]))

    def call(self, v):
        n = self.channels
        return (dict(in_channels=n, out_channels=n, kernel_size=1, groups=n),
                (1, n, self.size, self.size))

    def compute(self, v):
        n = self.channels
        mul = torch.tensor(v.mul, dtype=torch.float32)
        add = torch.tensor(v.add, dtype=torch.float32)
        generator = torch.Generator().manual_seed(int(v.seed))
        x = torch.rand(1, n, self.size, self.size, generator=generator)
        conv = nn.Conv2d(n, n, kernel_size=1, groups=n, bias=True)
        with torch.no_grad():
            conv.weight.copy_(mul.reshape(n, 1, 1, 1))
            conv.bias.copy_(add)
            conv_out = conv(x)
        broadcast = x * mul.reshape(1, n, 1, 1) + add.reshape(1, n, 1, 1)
        return ArithmeticState(
            channels=n, mul=mul.tolist(), add=add.tolist(),
            weight=conv.weight.detach().reshape(n).tolist(), bias=conv.bias.detach().tolist(),
            weight_shape=tuple(conv.weight.shape),
            allclose=bool(torch.allclose(conv_out, broadcast)),
            allclose_atol=bool(torch.allclose(conv_out, broadcast, atol=1e-6)),
            max_diff=float((conv_out - broadcast).abs().max()),
            image=x[0].numpy(), conv_out=conv_out[0].detach().numpy(),
            broadcast_out=broadcast[0].numpy())

    def describe(self, state, lang):
        weights = ", ".join(num(w) for w in state.weight)
        biases = ", ".join(num(b) for b in state.bias)
        note = [] if state.allclose else [
            line(text("arith.rounding", lang, diff=f"{state.max_diff:.1e}")),
            line("torch.allclose(conv(X), X·m + a, atol=1e-6) = ",
                  (str(state.allclose_atol), "code b output" if state.allclose_atol
                   else "code b error"))]
        return [
            line(text("arith.weight", lang) + " = ", (f"[{weights}]", "code kernel")),
            line(text("arith.bias", lang) + " = ", (f"[{biases}]", "code bias")),
            line(text("arith.allclose", lang) + " = ",
                  (str(state.allclose),
                   "code b output" if state.allclose else "code b error"),
                  f"   ({text('arith.maxdiff', lang)}: {state.max_diff:.2e})"),
            *note,
        ]

    def painter(self, fig, lang, static):
        return ArithmeticPainter(fig, lang, self.channels, self.size)

    def scene(self, state, lang, width, height):
        return arithmetic_scene(state, lang, width, height)


def channel_arithmetic_explorer(lang: str = "en", *,
                                mul_vals: Sequence[float] = (1.0, 2.0, 3.0),
                                add_vals: Sequence[float] = (3.0, 2.0, 1.0),
                                seed: int = 0) -> Explorer:
    """Per-channel multiply and add as a 1×1 convolution with ``groups=C`` (lesson 05).

    One slider pair per channel (``len(mul_vals)`` channels, 1 to 8). The convolution's weight
    ``(C, 1, 1, 1)`` holds ``mul_vals`` and its bias ``add_vals``; the broadcast version is
    ``X * m.reshape(1, C, 1, 1) + a.reshape(1, C, 1, 1)``.
    """
    mul_vals, add_vals = list(mul_vals), list(add_vals)
    if len(mul_vals) != len(add_vals):
        raise ValueError(f"mul_vals and add_vals need one value per channel each; got "
                         f"{len(mul_vals)} and {len(add_vals)}")
    if not 1 <= len(mul_vals) <= 8:
        raise ValueError(f"between 1 and 8 channels, got {len(mul_vals)}")
    values: dict[str, Any] = {"seed": seed}
    for k, (m, a) in enumerate(zip(mul_vals, add_vals)):
        values[f"mul_{k}"], values[f"add_{k}"] = float(m), float(a)
    return Explorer(ArithmeticModel(len(mul_vals)), values, lang)


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
            ax.set_title(text(key, lang), fontsize=TITLE_SIZE, color=colour)
            ax.set_axis_off()   # labels written by hand: tick machinery is slow to draw
            self.labels.append([ax.text(-1.0, centre, "", ha="right", va="center",
                                        fontsize=SMALL_SIZE) for centre in self.centres])
        cax = fig.add_axes((0.885, 0.1, 0.015, 0.72))
        bar = fig.colorbar(self.images[1], cax=cax)
        bar.ax.tick_params(labelsize=SMALL_SIZE)
        bar.set_label(text("arith.out_value", lang), fontsize=SMALL_SIZE)
        for i, label in enumerate(self.labels[0]):
            label.set_text(text("arith.channel", lang, c=i))

    def update(self, state: ArithmeticState) -> None:
        conv, broadcast = state.conv_out, state.broadcast_out
        vmax = float(max(np.abs(conv).max(), np.abs(broadcast).max(), 1e-6))
        self.images[0].set_data(stack_channels(state.image))
        for image, data in ((self.images[1], conv), (self.images[2], broadcast)):
            image.set_data(stack_channels(data))
            image.set_clim(-vmax, vmax)
        names = [f"×{number(m)} +{number(a)}".replace("+-", "-")
                 for m, a in zip(state.mul, state.add)]
        for column in self.labels[1:]:
            for label, name in zip(column, names):
                label.set_text(name)


def arithmetic_scene(state: ArithmeticState, lang: str, width: int, height: int) -> dict:
    """The three panels of :class:`ArithmeticPainter` as a scene the browser draws."""
    conv, broadcast = state.conv_out, state.broadcast_out
    vmax = float(max(np.abs(conv).max(), np.abs(broadcast).max(), 1e-6))
    image = state.image
    channels, size = image.shape[0], image.shape[1]
    names = [f"×{number(m)} +{number(a)}".replace("+-", "-") for m, a in zip(state.mul, state.add)]
    scene = Scene()
    label_room, x0 = 18, 18
    panels = [(image, style.IMAGE_CMAP, 0.0, 1.0, "arith.input", style.INPUT,
               [text("arith.channel", lang, c=k) for k in range(channels)]),
              (conv, style.SIGNED_CMAP, -vmax, vmax, "arith.conv", style.OUTPUT, names),
              (broadcast, style.SIGNED_CMAP, -vmax, vmax, "arith.broadcast", style.OUTPUT, names)]
    for p, (data, cmap, lo, hi, key, colour, labels) in enumerate(panels):
        stacked = stack_channels(data)
        scene.grid(x0, 0, colour_cells(stacked, cmap, lo, hi), rows=stacked.shape[0],
                   cols=size, lines=False, name=f"panel{p}")
        scene.text(x0 + size / 2, 0, text(key, lang), colour=colour, baseline="bottom", dy=-4)
        for k, label in enumerate(labels):
            scene.text(x0 - 0.6, k * (size + 1) + size / 2, label, anchor="end")
        x0 += size + label_room
    # the colour key of the two results
    x_key = x0 - label_room + 2
    steps = 24
    key_values = np.linspace(vmax, -vmax, steps).reshape(steps, 1)
    rows = channels * (size + 1) - 1
    scene.grid(x_key, 0, colour_cells(key_values, style.SIGNED_CMAP, -vmax, vmax), rows=steps,
               cols=1, lines=False, name="key")
    scene.rect(x_key, 0, 1, steps * 1.0, stroke="#555555", width=0.8)
    scene.text(x_key + 1.4, 0, f"{vmax:.2g}", anchor="start", baseline="top")
    scene.text(x_key + 1.4, steps, f"{-vmax:.2g}", anchor="start", baseline="bottom")
    scene.text(x_key + 1.4, steps / 2, text("arith.out_value", lang), anchor="start")
    scene.rect(x_key, 0, 12, max(rows, steps))     # room for the key's words
    return scene.layout(width, height, top=20, bottom=4)
