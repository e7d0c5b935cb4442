"""The sliding-window explorer: the kernel walks over a small input, every number shown.

Lesson 02: the padding ring filled by ``padding_mode``, a Play control that visits every output
cell, and ``Σ w·x + b`` written out for the current one, adding up to PyTorch's own value.
"""
from __future__ import annotations

import dataclasses
import warnings

import ipywidgets as widgets
import numpy as np
import torch
from torch import nn

from ..conv.functional import pad_input
from ..conv.geometry import Geometry
from ..conv.validation import check_conv2d
from ..figures import style
from ..figures.drawing import number
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .linked import linked_data, panel
from .controls import (IntOrPair, checkbox, disable, grid, int_slider, padding_arg, padding_controls,
                       padding_values, sync_padding, window_controls, window_values)
from .readout import Segment, error_lines, line, num, par
from .window_picture import draw_sliding_window, window_scene
from .torch_calls import run_conv2d

__all__ = ["sliding_window_explorer"]

WINDOW_LEGEND = [(style.INPUT, "input"), (style.PADDING, "padding"), (style.KERNEL, "kernel"),
                 (style.BIAS, "bias_word"), (style.OUTPUT, "output"), (style.DROPPED, "dropped")]


@dataclasses.dataclass(frozen=True)
class WindowParams:
    """The controls: a small input, the layer's arguments and the output cell being shown."""

    height: int
    width: int
    channels: int
    seed: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    padding_type: str          # "int", "same" or "valid"
    padding_h: int
    padding_w: int
    padding_mode: str
    dilation_h: int
    dilation_w: int
    bias: bool
    step: int                  # which output cell, in row-major order


@dataclasses.dataclass(kw_only=True)
class WindowState(ExplorerState):
    """The numbers of one setting, and the current window's taps and products."""

    input: np.ndarray                          # (C, H, W)
    weight: np.ndarray                         # (C, kH, kW)
    bias: float | None
    padding_mode: str
    padded: np.ndarray | None = None           # (C, Hp, Wp): the input with its padding ring
    output: np.ndarray | None = None           # (H_out, W_out), from nn.Conv2d
    geometry: Geometry | None = None
    taps: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    anchors: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    step: int = 0
    position: tuple[int, int] | None = None
    value: float | None = None                 # PyTorch's output at ``position``
    terms: list[tuple[float, float]] = dataclasses.field(default_factory=list)   # (w, x)
    sum: float | None = None                   # Σ w·x + b, added up here
    out_shape: tuple[int, ...] | None = None
    count: int = 0


class WindowModel(ExplorerModel[WindowParams, WindowState]):
    params_type = WindowParams
    figsize = (9.0, 3.3)
    help_key = "window.help"
    legend = WINDOW_LEGEND

    def controls(self, values, lang):
        c = {
            "height": int_slider("window.height", lang, values["height"], 1, 8),
            "width": int_slider("window.width", lang, values["width"], 1, 8),
            "channels": int_slider("window.channels", lang, values["channels"], 1, 3),
            "seed": int_slider("seed", lang, values["seed"], 0, 99),
            **window_controls(values, lang, kernel=5, stride=4, dilation=3),
            **padding_controls(values, lang, 3),
            "bias": checkbox("bias", lang, values["bias"]),
            "step": int_slider("window.step", lang, values["step"], 0, max(values["step"], 0)),
            "play": widgets.Play(value=values["step"], min=0, max=max(values["step"], 0),
                                 interval=900, description=text("window.step", lang)),
        }
        widgets.link((c["play"], "value"), (c["step"], "value"))
        widgets.link((c["play"], "max"), (c["step"], "max"))
        order = ["height", "width", "channels", "seed", "kernel_h", "kernel_w", "stride_h",
                 "stride_w", "padding_type", "padding_mode", "padding_h", "padding_w",
                 "dilation_h", "dilation_w", "bias"]
        steps = widgets.HBox([c["play"], c["step"]])
        return c, widgets.VBox([steps, grid([c[name] for name in order])])

    def sync(self, controls, changed):
        sync_padding(controls)
        if changed == "step":
            return
        v = self.params({name: w.value for name, w in controls.items() if name != "play"})
        layer_args = self._args(v)
        shape = (1, v.channels, v.height, v.width)
        _, out_shape, _ = run_conv2d(layer_args, shape)
        count = out_shape[2] * out_shape[3] if out_shape is not None else 0
        step = controls["step"]
        step.max = max(count - 1, 0)          # also clamps the value, and Play's max (linked)
        for name in ("step", "play"):
            disable(controls[name], "reason.one_cell" if count <= 1 else None)

    def call(self, v):
        return self._args(v), (1, v.channels, v.height, v.width)

    @staticmethod
    def _args(v: WindowParams) -> dict:
        return dict(in_channels=v.channels, out_channels=1,
                    kernel_size=(v.kernel_h, v.kernel_w),
                    stride=(v.stride_h, v.stride_w), padding=padding_arg(v.padding_type, v.padding_h, v.padding_w),
                    dilation=(v.dilation_h, v.dilation_w), bias=v.bias,
                    padding_mode=v.padding_mode)

    def compute(self, v):
        channels, kh, kw = v.channels, v.kernel_h, v.kernel_w
        generator = torch.Generator().manual_seed(int(v.seed))
        # small integers, so every sum can be checked by eye
        x = torch.randint(-2, 4, (1, channels, v.height, v.width),
                          generator=generator).float()
        b = torch.randint(-2, 4, (1,), generator=generator).float()
        weight = torch.randint(-2, 4, (1, channels, kh, kw), generator=generator).float()
        args = self._args(v)
        state = WindowState(input=x[0].numpy(), weight=weight[0].numpy(),
                            bias=float(b) if v.bias else None, padding_mode=v.padding_mode)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                layer = nn.Conv2d(**args)
                with torch.no_grad():
                    layer.weight.copy_(weight)
                    if layer.bias is not None:
                        layer.bias.copy_(b)
                    y = layer(x)
        except Exception as error:  # noqa: BLE001 - PyTorch's error is what we show
            state.failed(error)
            return state
        bias = b if v.bias else None
        spec = check_conv2d(x, weight, bias, args["stride"], args["padding"], args["dilation"],
                            1, args["padding_mode"])
        geo = spec.geometry
        padded = pad_input(x, spec)[0]     # the values padding_mode puts in the ring (F.pad)
        out_h, out_w = y.shape[2], y.shape[3]
        count = out_h * out_w
        step = min(max(int(v.step), 0), count - 1)
        row, col = divmod(step, out_w)
        taps = geo.window(row, col)
        w = weight[0]
        terms = [(float(w[c, i, j]), float(padded[c, r, q]))
                 for c in range(channels)
                 for (i, j), (r, q) in zip(((i, j) for i in range(kh) for j in range(kw)), taps)]
        state.update(
            padded=padded.numpy(), output=y[0, 0].detach().numpy(), geometry=geo, taps=taps,
            anchors=[geo.window(r, q)[0] for r in range(out_h) for q in range(out_w)],
            step=step, position=(row, col), value=float(y[0, 0, row, col]), terms=terms,
            sum=sum(a * z for a, z in terms) + (float(b) if bias is not None else 0.0),
            out_shape=tuple(y.shape), count=count)
        return state

    def describe(self, state, lang):
        lines = error_lines(state.error, state.error_type, lang)
        if state.error is not None:
            return lines
        row, col = state.position
        lines.append(line(text("window.position", lang, step=state.step,
                                last=state.count - 1, row=row, col=col)))
        parts: list[Segment] = [(text("window.sum" if state.bias is not None
                                      else "window.sum_nobias", lang) + " = ", "code b")]
        for k, (w, x) in enumerate(state.terms):
            if k:
                parts.append((" + ", "code"))
            parts += [(par(w), "code kernel"), ("·", "code"), (par(x), "code input")]
        if state.bias is not None:
            parts += [(" + ", "code"), (par(state.bias), "code bias")]
        parts += [(" = ", "code"), (num(state.sum), "code output b")]
        lines.append(line(*parts))
        lines.append(line(text("window.from_torch", lang),
                           (num(state.value), "code output b")))
        geo = state.geometry
        if any(geo.unused):
            lines.append(line((text("shape.rows_unused", lang, n=geo.unused[0]) + ", "
                                + text("shape.cols_unused", lang, n=geo.unused[1]), "dropped")))
        return lines

    def painter(self, fig, lang, static):
        return self.canvas(fig, lang, static, draw_sliding_window)

    def scene(self, state, lang, width, height):
        return window_scene(state, lang, width, height)

    def linked(self, state, lang):
        """Every output cell's window and its ``Σ w·x + b``, for the browser's hover view."""
        if state.error is not None:
            return None
        geo, xp, w, y = state.geometry, state.padded, state.weight, state.output
        channels, kh, kw = w.shape
        hp, wp = xp.shape[1:]
        kinds = np.full((hp, wp), "", dtype=object)
        (top, _), (left, _) = geo.padding
        kinds[:, :] = "padding"
        kinds[top:top + geo.in_size[0], left:left + geo.in_size[1]] = ""
        dh, dw = geo.unused
        if dh:
            kinds[hp - dh:, :] = "dropped"
        if dw:
            kinds[:, wp - dw:] = "dropped"
        panels = [panel(f"input{c}", text("window.input_c", lang, c=c), style.INPUT, hp, wp,
                        [number(v) for v in xp[c].ravel()], list(kinds.ravel()))
                  for c in range(channels)]
        panels += [panel(f"kernel{c}", text("kernel", lang) + (f" {c}" if channels > 1 else ""),
                         style.KERNEL, kh, kw, [number(v) for v in w[c].ravel()])
                   for c in range(channels)]
        ho, wo = y.shape
        panels.append(panel("output", text("output", lang), style.OUTPUT, ho, wo,
                            [number(v) for v in y.ravel()]))
        links, sums = [], []
        name = text("window.sum" if state.bias is not None else "window.sum_nobias", lang)
        # every number written once, then looked up (this runs on every slider move)
        w_text = [[par(v) for v in w[c].ravel().tolist()] for c in range(channels)]
        x_text = [[[par(v) for v in row] for row in xp[c].tolist()] for c in range(channels)]
        kernel_links = [(channels + c, t) for c in range(channels) for t in range(kh * kw)]
        for r in range(ho):
            for q in range(wo):
                taps = geo.window(r, q)
                links.append([(c, i * wp + j) for c in range(channels) for i, j in taps]
                             + kernel_links)
                terms = [f"{w_text[c][t]}·{x_text[c][i][j]}"
                         for c in range(channels) for t, (i, j) in enumerate(taps)]
                if state.bias is not None:
                    terms.append(par(state.bias))
                sums.append(f"output[0, 0, {r}, {q}]: {name} = {' + '.join(terms)}"
                            f" = {num(y[r, q])}")
        return linked_data(panels, 2 * channels, links, sums, text("linked.grid", lang),
                           text("linked.hint", lang), text("linked.readers", lang))


def sliding_window_explorer(lang: str = "en", *, height: int = 5,
                            width: int = 5, channels: int = 1, kernel_size: IntOrPair = (3, 3),
                            stride: IntOrPair = (1, 1), padding: IntOrPair | str = (0, 0),
                            padding_mode: str = "zeros", dilation: IntOrPair = (1, 1),
                            bias: bool = True, seed: int = 0, step: int = 0) -> Explorer:
    """Walk the kernel over a small input one output cell at a time, with every number shown.

    Lesson 02. Inputs, weights and bias are small integers drawn with ``seed``; the value at each
    position comes from ``nn.Conv2d`` itself, and the written-out ``Σ w·x + b`` adds up to it.
    """
    values = {"height": height, "width": width, "channels": channels, "seed": seed,
              **window_values(kernel_size, stride, dilation), "bias": bool(bias), "step": step,
              **padding_values(padding, padding_mode)}
    return Explorer(WindowModel(), values, lang)
