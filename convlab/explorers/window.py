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
from matplotlib.patches import Rectangle
from torch import nn

from ..conv.functional import pad_input
from ..conv.geometry import Geometry
from ..conv.validation import check_conv2d
from ..figures import style
from ..figures.drawing import (SMALL_SIZE, CellCanvas, draw_numbers, fit_titled, number,
                               outline, tint)
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .linked import linked_data, panel
from .controls import (IntOrPair, checkbox, disable, grid, int_slider, padding_arg, padding_controls,
                       padding_values, sync_padding, window_controls, window_values)
from .readout import Segment, error_lines, line, num, par
from .scene import Scene, tinted
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
