"""The transposed-convolution explorer: each input cell scatters a scaled copy of the kernel.

Lesson 08. One input cell at a time (a Play control visits them all), its copy of the kernel,
scaled by its value, lands on the canvas at ``(i·stride + ky·dilation, j·stride + kx·dilation)``
and adds to what is there; ``padding`` cells are cut from each side of the canvas and what is
left is the output, which PyTorch computes: ``nn.ConvTranspose2d`` checks and normalises the
arguments (on the meta device) and ``F.conv_transpose2d`` runs the call its forward makes. The readout names the
forward ``nn.Conv2d`` whose input gradient this is, and checks that gradient with autograd.
Hovering an input cell (in the browser) lights every output cell it writes.
"""
from __future__ import annotations

import dataclasses
import warnings

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..conv.geometry import TransposedGeometry, pair
from ..figures import style
from ..figures.drawing import number
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .controls import (IntOrPair, checkbox, disable, dropdown, grid, int_slider, sync_groups,
                       window_controls)
from .linked import linked_data, panel
from .readout import error_lines, line, num, par, shape_text
from .transposed_picture import draw_transposed, transposed_scene

__all__ = ["transposed_explorer"]

LEGEND = [(style.INPUT, "input"), (style.KERNEL, "kernel"), (style.PADDING, "transposed.cut"),
          (style.OUTPUT, "output")]


@dataclasses.dataclass(frozen=True)
class TransposedParams:
    """The controls: a small input, every ``nn.ConvTranspose2d`` argument, the cell shown."""

    height: int
    width: int
    in_channels: int
    out_channels: int
    seed: int
    kernel_h: int
    kernel_w: int
    stride_h: int
    stride_w: int
    padding_h: int
    padding_w: int
    output_padding_h: int
    output_padding_w: int
    dilation_h: int
    dilation_w: int
    groups: int
    bias: bool
    step: int                  # which input cell, in row-major order


@dataclasses.dataclass(kw_only=True)
class TransposedState(ExplorerState):
    """One setting's numbers: output channel 0 and the input channels of its group."""

    input: np.ndarray                              # (C, H, W): the channels output 0 sees
    kernel: np.ndarray                             # (C, kH, kW): weight[c, 0]
    bias: float | None
    geometry: TransposedGeometry | None = None
    canvas: np.ndarray | None = None               # after adding the cells up to ``step``
    output: np.ndarray | None = None               # (H_out, W_out), channel 0, from PyTorch
    out_shape: tuple[int, ...] | None = None
    step: int = 0
    cell: tuple[int, int] = (0, 0)
    targets: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    copy: np.ndarray | None = None                 # the current cell's scaled kernel
    forward: dict | None = None                    # the nn.Conv2d whose input gradient this is
    gradient_gap: float | None = None              # |autograd's gradient - this output|, max


class TransposedModel(ExplorerModel[TransposedParams, TransposedState]):
    params_type = TransposedParams
    figsize = (9.0, 3.4)
    help_key = "transposed.help"
    legend = LEGEND

    def controls(self, values, lang):
        c = {
            "height": int_slider("window.height", lang, values["height"], 1, 4),
            "width": int_slider("window.width", lang, values["width"], 1, 4),
            "in_channels": int_slider("in_channels", lang, values["in_channels"], 1, 2),
            "out_channels": int_slider("out_channels", lang, values["out_channels"], 1, 2),
            "seed": int_slider("seed", lang, values["seed"], 0, 99),
            **window_controls(values, lang, kernel=4, stride=3, dilation=3),
            "padding_h": int_slider("padding_h", lang, values["padding_h"], 0, 3),
            "padding_w": int_slider("padding_w", lang, values["padding_w"], 0, 3),
            "output_padding_h": int_slider("transposed.output_padding_h", lang,
                                           values["output_padding_h"], 0, 3),
            "output_padding_w": int_slider("transposed.output_padding_w", lang,
                                           values["output_padding_w"], 0, 3),
            "groups": dropdown("groups", lang, [1, 2], values["groups"]),
            "bias": checkbox("bias", lang, values["bias"]),
            "step": int_slider("transposed.step", lang, values["step"], 0, max(values["step"], 0)),
            "play": widgets.Play(value=values["step"], min=0, max=max(values["step"], 0),
                                 interval=900, description=text("transposed.step", lang)),
        }
        widgets.link((c["play"], "value"), (c["step"], "value"))
        widgets.link((c["play"], "max"), (c["step"], "max"))
        order = ["height", "width", "in_channels", "out_channels", "kernel_h", "kernel_w",
                 "stride_h", "stride_w", "padding_h", "padding_w", "output_padding_h",
                 "output_padding_w", "dilation_h", "dilation_w", "groups", "bias", "seed"]
        return c, widgets.VBox([widgets.HBox([c["play"], c["step"]]),
                                grid([c[name] for name in order])])

    def sync(self, controls, changed):
        sync_groups(controls)
        cells = controls["height"].value * controls["width"].value
        controls["step"].max = max(cells - 1, 0)      # also clamps the value, and Play's max
        for name in ("step", "play"):
            disable(controls[name], "transposed.one_cell" if cells <= 1 else None)

    @staticmethod
    def args(v: TransposedParams) -> dict:
        """The ``nn.ConvTranspose2d`` arguments the controls stand for."""
        return dict(in_channels=v.in_channels, out_channels=v.out_channels,
                    kernel_size=(v.kernel_h, v.kernel_w), stride=(v.stride_h, v.stride_w),
                    padding=(v.padding_h, v.padding_w),
                    output_padding=(v.output_padding_h, v.output_padding_w), groups=v.groups,
                    bias=v.bias, dilation=(v.dilation_h, v.dilation_w))

    def compute(self, v):
        gen = torch.Generator().manual_seed(int(v.seed))
        # small integers in float64: exact sums, and PyTorch's own CPU kernel answers a call
        # this small at once (float32 would go through oneDNN and its thread pool)
        x = torch.randint(-2, 4, (1, v.in_channels, v.height, v.width), generator=gen).double()
        weight = torch.randint(-2, 4, (v.in_channels, max(v.out_channels // v.groups, 1),
                                       v.kernel_h, v.kernel_w), generator=gen).double()
        b = torch.randint(-2, 4, (v.out_channels,), generator=gen).double()
        sees = max(v.in_channels // v.groups, 1)          # input channels of group 0
        state = TransposedState(input=x[0, :sees].numpy(), kernel=weight[:sees, 0].numpy(),
                                bias=float(b[0]) if v.bias else None)
        args = self.args(v)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # the constructor's checks on the meta device (no initialisation to wait for),
                # then the very call its forward makes, on these numbers
                layer = nn.ConvTranspose2d(**args, device="meta")
                y = F.conv_transpose2d(x, weight, b if v.bias else None, layer.stride,
                                       layer.padding, layer.output_padding, layer.groups,
                                       layer.dilation)
        except Exception as error:  # noqa: BLE001 - PyTorch's error is what we show
            try:     # worded as the layer itself words it for a student's float32 input
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    nn.ConvTranspose2d(**args)(x.float())
            except Exception as theirs:  # noqa: BLE001
                error = theirs
            state.failed(error)
            return state
        geo = TransposedGeometry((v.height, v.width), (v.kernel_h, v.kernel_w), args["stride"],
                                 args["padding"], args["output_padding"], args["dilation"])
        step = min(max(int(v.step), 0), v.height * v.width - 1)
        canvas = np.zeros(geo.full_size)
        for k in range(step + 1):             # the cells added so far, each its scaled copy
            i, j = divmod(k, v.width)
            copy = np.einsum("c,ckl->kl", state.input[:, i, j], state.kernel)
            for (r, q), value in zip(geo.targets(i, j), copy.ravel()):
                canvas[r, q] += value
        state.update(geometry=geo, canvas=canvas, output=y[0, 0].detach().numpy(),
                     out_shape=tuple(y.shape), step=step, cell=divmod(step, v.width),
                     targets=geo.targets(*divmod(step, v.width)), copy=copy,
                     forward=self.forward_args(v),
                     gradient_gap=self.gradient_gap(v, x, weight, b if v.bias else None, y))
        return state

    @staticmethod
    def forward_args(v: TransposedParams) -> dict:
        """The ``nn.Conv2d`` with the same weight whose input gradient this layer computes."""
        return dict(in_channels=v.out_channels, out_channels=v.in_channels,
                    kernel_size=(v.kernel_h, v.kernel_w), stride=(v.stride_h, v.stride_w),
                    padding=(v.padding_h, v.padding_w), dilation=(v.dilation_h, v.dilation_w),
                    groups=v.groups, bias=False)

    def gradient_gap(self, v: TransposedParams, x: torch.Tensor, weight: torch.Tensor,
                     bias: torch.Tensor | None, y: torch.Tensor) -> float:
        """Largest gap between autograd's input gradient of that ``Conv2d`` (upstream: this
        layer's input; zeros where the forward output is longer) and this output minus bias."""
        a = self.forward_args(v)
        z = torch.zeros(y.shape, dtype=y.dtype, requires_grad=True)
        out = F.conv2d(z, weight, None, a["stride"], a["padding"], a["dilation"], v.groups)
        upstream = torch.zeros_like(out)
        upstream[..., :x.shape[2], :x.shape[3]] = x
        (grad,) = torch.autograd.grad(out, z, upstream)
        plain = y if bias is None else y - bias.view(1, -1, 1, 1)
        return float((grad - plain.detach()).abs().max())

    def describe(self, state, lang):
        lines = error_lines(state.error, state.error_type, lang)
        if state.error is not None:
            return lines
        (i, j), copy = state.cell, state.copy
        lines.append(line(text("transposed.cell", lang, i=i, j=j,
                               rows=f"{state.targets[0][0]}…{state.targets[-1][0]}",
                               cols=f"{state.targets[0][1]}…{state.targets[-1][1]}"),
                          ("[" + ", ".join(num(c) for c in copy.ravel()) + "]", "code kernel")))
        lines.append(line(text("transposed.shape", lang),
                          (shape_text(state.out_shape), "code output b")))
        f = state.forward
        lines.append(line(text("transposed.forward", lang),
                          (f"nn.Conv2d({f['in_channels']}, {f['out_channels']}, "
                           f"kernel_size={f['kernel_size']}, stride={f['stride']}, "
                           f"padding={f['padding']}, dilation={f['dilation']}, "
                           f"groups={f['groups']})", "code"),
                          text("transposed.gap", lang, gap=num(state.gradient_gap))))
        return lines

    def painter(self, fig, lang, static):
        return self.canvas(fig, lang, static, draw_transposed)

    def scene(self, state, lang, width, height):
        return transposed_scene(state, lang, width, height)

    def linked(self, state, lang):
        """Each output cell and the input cells and kernel taps that write into it."""
        if state.error is not None:
            return None
        geo, x, w, y = state.geometry, state.input, state.kernel, state.output
        channels, height, width = x.shape
        kh, kw = geo.kernel
        panels = [panel(f"input{c}", text("window.input_c", lang, c=c), style.INPUT, height,
                        width, [number(v) for v in x[c].ravel()]) for c in range(channels)]
        panels += [panel(f"kernel{c}", text("kernel", lang), style.KERNEL, kh, kw,
                         [number(v) for v in w[c].ravel()]) for c in range(channels)]
        ho, wo = y.shape
        panels.append(panel("output", text("output", lang), style.OUTPUT, ho, wo,
                            [number(v) for v in y.ravel()]))
        (top, left) = geo.padding
        writers: dict[tuple[int, int], list] = {}
        for i in range(height):
            for j in range(width):
                for t, (r, q) in enumerate(geo.targets(i, j)):
                    if top <= r < top + ho and left <= q < left + wo:
                        writers.setdefault((r - top, q - left), []).append((i, j, t))
        links, sums = [], []
        for r in range(ho):
            for q in range(wo):
                found = writers.get((r, q), [])
                links.append([(c, i * width + j) for c in range(channels) for i, j, _ in found]
                             + [(channels + c, t) for c in range(channels) for _, _, t in found])
                terms = [f"{par(x[c, i, j])}·{par(w[c].ravel()[t])}"
                         for c in range(channels) for i, j, t in found]
                if state.bias is not None:
                    terms.append(number(state.bias))
                sums.append(f"output[0, 0, {r}, {q}] = {' + '.join(terms) or '0'} = "
                            f"{num(y[r, q])}")
        return linked_data(panels, 2 * channels, links, sums, text("linked.grid", lang),
                           text("transposed.linked_hint", lang),
                           text("transposed.writers", lang))


def transposed_explorer(lang: str = "en", *, height: int = 2, width: int = 2,
                        in_channels: int = 1, out_channels: int = 1,
                        kernel_size: IntOrPair = (3, 3), stride: IntOrPair = (2, 2),
                        padding: IntOrPair = (0, 0), output_padding: IntOrPair = (0, 0),
                        dilation: IntOrPair = (1, 1),
                        groups: int = 1, bias: bool = False, seed: int = 2,
                        step: int = 0) -> Explorer:
    """Scatter a scaled kernel from each input cell, as ``nn.ConvTranspose2d`` does (lesson 08).

    Inputs and weights are small integers drawn with ``seed``; the output comes from PyTorch
    (the call ``nn.ConvTranspose2d``'s forward makes), and the canvas built copy by copy adds up
    to it. Settings PyTorch refuses show the error the layer gives on a float32 input.
    """
    kh, kw = pair(kernel_size, "kernel_size")
    values = {"height": height, "width": width, "in_channels": in_channels,
              "out_channels": out_channels, "seed": seed, "kernel_h": kh, "kernel_w": kw,
              "groups": groups, "bias": bool(bias), "step": step}
    for name, value in (("stride", stride), ("padding", padding),
                        ("output_padding", output_padding), ("dilation", dilation)):
        values[f"{name}_h"], values[f"{name}_w"] = pair(value, name)
    return Explorer(TransposedModel(), values, lang)
