"""The shape explorer: every ``nn.Conv2d`` argument and the input shape, and PyTorch's verdict.

Lessons 01 and 02: the output shape, the size formula with the numbers plugged in, weight and
bias shapes, parameter and multiply-add counts, or the error PyTorch raises.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
from matplotlib.patches import Rectangle

from ..conv.geometry import Geometry, geometry
from ..figures import style
from ..figures.drawing import TITLE_SIZE, CellCanvas, fit_titled, tint
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .controls import (IntOrPair, check_groups_offered, checkbox, common_divisors, dropdown, grid,
                       int_slider, padding_arg, padding_controls, padding_values, sync_groups,
                       sync_padding, window_controls, window_values)
from .readout import error_lines, line, shape_text
from .scene import Scene
from .torch_calls import count_params, run_conv2d

__all__ = ["shape_explorer"]

SHAPE_LEGEND = [(style.INPUT, "input"), (style.PADDING, "padding"),
                (style.KERNEL, "shape.first_window"), (style.OUTPUT, "output"),
                (style.DROPPED, "dropped")]


@dataclasses.dataclass(frozen=True)
class ShapeParams:
    """The controls: the input ``(batch, channels, height, width)`` and every layer argument."""

    batch: int
    channels: int
    height: int
    width: int
    in_channels: int
    out_channels: int
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
    groups: int
    bias: bool


@dataclasses.dataclass(kw_only=True)
class ShapeState(ExplorerState):
    """What PyTorch made of the parameters (shapes and counts), and the formula's geometry."""

    input_shape: tuple[int, ...]
    args: dict
    out_shape: tuple[int, ...] | None = None
    weight_shape: tuple[int, ...] | None = None
    bias_shape: tuple[int, ...] | None = None
    params: int | None = None
    weight_params: int = 0
    bias_params: int = 0
    macs: int | None = None
    geometry: Geometry | None = None


class ShapeModel(ExplorerModel[ShapeParams, ShapeState]):
    params_type = ShapeParams
    figsize = (8.0, 2.6)
    help_key = "shape.help"
    legend = SHAPE_LEGEND

    def controls(self, values, lang):
        c = {
            "batch": int_slider("batch", lang, values["batch"], 1, 16),
            "channels": int_slider("channels", lang, values["channels"], 1, 64),
            "height": int_slider("height", lang, values["height"], 1, 64),
            "width": int_slider("width", lang, values["width"], 1, 64),
            "in_channels": int_slider("in_channels", lang, values["in_channels"], 1, 64),
            "out_channels": int_slider("out_channels", lang, values["out_channels"], 1, 128),
            **window_controls(values, lang, kernel=11, stride=6, dilation=5),
            **padding_controls(values, lang, 6),
            "groups": dropdown("groups", lang,
                                common_divisors(values["in_channels"], values["out_channels"]),
                                values["groups"]),
            "bias": checkbox("bias", lang, values["bias"]),
        }
        order = ["batch", "channels", "height", "width", "in_channels", "out_channels",
                 "kernel_h", "kernel_w", "stride_h", "stride_w", "padding_type", "padding_mode",
                 "padding_h", "padding_w", "dilation_h", "dilation_w", "groups", "bias"]
        return c, grid([c[name] for name in order])

    def sync(self, controls, changed):
        if changed == "in_channels":
            controls["channels"].value = controls["in_channels"].value
        if changed in (None, "in_channels", "out_channels"):
            sync_groups(controls)
        sync_padding(controls)

    def call(self, v):
        args = dict(in_channels=v.in_channels, out_channels=v.out_channels,
                    kernel_size=(v.kernel_h, v.kernel_w), stride=(v.stride_h, v.stride_w),
                    padding=padding_arg(v.padding_type, v.padding_h, v.padding_w),
                    dilation=(v.dilation_h, v.dilation_w), groups=v.groups,
                    bias=v.bias, padding_mode=v.padding_mode)
        return args, (v.batch, v.channels, v.height, v.width)

    def compute(self, v):
        args, input_shape = self.call(v)
        layer, out_shape, error = run_conv2d(args, input_shape)
        weights, biases = count_params(layer)
        state = ShapeState(
            input_shape=input_shape, args=args, out_shape=out_shape,
            weight_shape=tuple(layer.weight.shape) if layer is not None else None,
            bias_shape=(tuple(layer.bias.shape) if layer is not None and layer.bias is not None
                        else None),
            params=weights + biases if layer is not None else None,
            weight_params=weights, bias_params=biases,
            macs=(math.prod(out_shape) * math.prod(layer.weight.shape[1:])
                  if out_shape is not None else None))
        if error is not None:
            state.failed(error)
        padding = args["padding"]
        known = padding in ("same", "valid") if isinstance(padding, str) else True
        if known and min(args["stride"]) > 0:   # the formula divides by the stride
            state.geometry = geometry((v.height, v.width), args["kernel_size"],
                                         args["stride"], padding, args["dilation"])
        return state

    def describe(self, state, lang):
        lines = [line(text("shape.input", lang),
                       (shape_text(state.input_shape), "code input")),
                 line(text("shape.output", lang) + " ",
                       (shape_text(state.out_shape), "code output b"))]
        lines += error_lines(state.error, state.error_type, lang)
        geo: Geometry | None = state.geometry
        if geo is not None:
            names = (("H", "pad_top", "pad_bottom", "kH", "rows"),
                     ("W", "pad_left", "pad_right", "kW", "cols"))
            for axis, (size, before_name, after_name, k, which) in enumerate(names):
                before, after = geo.padding[axis]
                numerator = geo.padded_size[axis] - geo.effective_kernel[axis]
                stride, dilation, out = geo.stride[axis], geo.dilation[axis], geo.out_size[axis]
                lines.append(line((f"{size}_out = ⌊({size} + {before_name} + {after_name} - "
                                    f"dilation·({k} - 1) - 1) / stride⌋ + 1", "code")))
                lines.append(line(
                    (f"{' ' * len(size)}      = ⌊({geo.in_size[axis]} + {before} + {after} - "
                     f"{dilation}·({geo.kernel[axis]} - 1) - 1) / {stride}⌋ + 1"
                     f" = ⌊{numerator} / {stride}⌋ + 1 = {out - 1} + 1 = ", "code"),
                    (str(out), "code output b")))
                lines.append(line((f"{' ' * (len(size) + 6)}"
                                    + text(f"shape.{which}_unused", lang, n=geo.unused[axis]),
                                    "code dropped" if geo.unused[axis] else "code")))
        if state.weight_shape is not None:
            lines.append(line(text("shape.weight", lang) + " = ",
                               (shape_text(state.weight_shape), "code kernel")))
            lines.append(line(text("shape.bias", lang) + " = ",
                               (shape_text(state.bias_shape), "code bias")
                               if state.bias_shape else (text("none", lang), "bias")))
            product = "·".join(str(s) for s in state.weight_shape)
            bias_part = f" + {state.bias_params}" if state.bias_shape else ""
            lines.append(line(text("shape.params", lang) + ": ",
                               (f"{product}{bias_part} = {state.params:,}", "code")))
        if state.macs is not None:
            out = "·".join(str(s) for s in state.out_shape)
            per = "·".join(str(s) for s in state.weight_shape[1:])
            lines.append(line(text("shape.macs", lang) + ": ",
                               (f"({out}) · ({per}) = {state.macs:,}", "code")))
        return lines

    def painter(self, fig, lang, static):
        return self.canvas(fig, lang, static, draw_shape)

    def scene(self, state, lang, width, height):
        return shape_scene(state, lang, width, height)


def shape_explorer(lang: str = "en", *, batch: int = 1,
                   in_channels: int = 3, height: int = 32, width: int = 32,
                   out_channels: int = 8, kernel_size: IntOrPair = (3, 3),
                   stride: IntOrPair = (1, 1), padding: IntOrPair | str = (0, 0),
                   padding_mode: str = "zeros", dilation: IntOrPair = (1, 1), groups: int = 1,
                   bias: bool = True, channels: int | None = None) -> Explorer:
    """Every ``nn.Conv2d`` argument and the input ``(N, C, H, W)``, and what PyTorch makes of them.

    Lessons 01 and 02. ``channels`` is the input's C (default: ``in_channels``); set it
    differently to see PyTorch's channel-mismatch error. ``padding`` may be ``'same'``/``'valid'``.
    """
    check_groups_offered(in_channels, out_channels, groups)
    values = {"batch": batch, "channels": in_channels if channels is None else channels,
              "height": height, "width": width, "in_channels": in_channels,
              "out_channels": out_channels, **window_values(kernel_size, stride, dilation),
              "groups": groups, "bias": bool(bias), **padding_values(padding, padding_mode)}
    return Explorer(ShapeModel(), values, lang)


def shape_cells(state: ShapeState) -> tuple[np.ndarray, np.ndarray, bool, bool, int]:
    """The picture's cells (both painters): the padded input plane's colours (padding grey,
    what the floor drops red, the first window's taps orange), the kernel's footprint with its
    dilation gaps, whether there is an output to draw, whether grid lines fit, the gap."""
    geo = state.geometry
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
    valid = out_h > 0 and out_w > 0 and state.out_shape is not None
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
    return colours, footprint, valid, lines, max(2, round(0.12 * max(wp, out_w)))


def draw_shape(ax, state: ShapeState, lang: str) -> None:
    """One channel of the padded input, the kernel footprint and the output plane, to scale.

    The first window's taps are orange (dilation gaps stay blue), the last window is dashed,
    padding grey, rows/columns the floor drops red (lesson 02).
    """
    geo = state.geometry
    if geo is None:
        ax.text(0.5, 0.5, text("error_short", lang), color=style.DROPPED, ha="center",
                transform=ax.transAxes, fontsize=11)
        return
    hp, wp = geo.padded_size
    out_h, out_w = geo.out_size
    kh, kw = geo.effective_kernel
    colours, footprint, valid, lines, gap = shape_cells(state)
    canvas = CellCanvas()
    canvas.block(0, 0, colours, style.INPUT, lines)
    x_kernel = wp + gap
    canvas.block(x_kernel, 0, footprint, style.KERNEL, lines)
    x_out = x_kernel + kw + gap
    titles = [(wp / 2 - 0.5, text("shape.plane", lang, h=hp, w=wp), style.INPUT)]
    # the kernel's title goes under it: above, it would run into the input's title
    ax.text(x_kernel + kw / 2 - 0.5, kh - 0.5 + 0.02 * max(hp, 10), text(
        "shape.kernel", lang, h=geo.kernel[0], w=geo.kernel[1]), ha="center", va="top",
        fontsize=TITLE_SIZE, color=style.KERNEL)
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
    fit_titled(ax, -0.6, right, max(hp, kh, out_h if valid else 1) - 0.4, titles)


def shape_scene(state: ShapeState, lang: str, width: int, height: int) -> dict:
    """:func:`draw_shape`'s picture as a scene the browser draws (the live view)."""
    scene = Scene()
    geo = state.geometry
    if geo is None:
        scene.text(0, 0, text("error_short", lang), colour=style.DROPPED, size=13, fit=True)
        return scene.layout(width, height)
    hp, wp = geo.padded_size
    out_h, out_w = geo.out_size
    kh, kw = geo.effective_kernel
    colours, footprint, valid, lines, gap = shape_cells(state)
    scene.grid(0, 0, colours, border=style.INPUT, lines=lines, name="input")
    scene.text(wp / 2, 0, text("shape.plane", lang, h=hp, w=wp), colour=style.INPUT,
               baseline="bottom", dy=-4)
    x_kernel = wp + gap
    scene.grid(x_kernel, 0, footprint, border=style.KERNEL, lines=lines, name="kernel")
    scene.text(x_kernel + kw / 2, kh, text("shape.kernel", lang, h=geo.kernel[0],
                                             w=geo.kernel[1]),
               colour=style.KERNEL, baseline="top", dy=4)
    x_out = x_kernel + kw + gap
    if valid:
        out = np.empty((out_h, out_w, 3))
        out[:] = tint(style.OUTPUT, 0.35)
        out[0, 0] = tint(style.OUTPUT, 0.9)
        scene.grid(x_out, 0, out, border=style.OUTPUT, lines=lines, name="output")
        sh, sw = geo.stride
        scene.rect((out_w - 1) * sw, (out_h - 1) * sh, kw, kh, stroke=style.KERNEL, dash=True)
        scene.text(x_out + out_w / 2, 0, text("shape.out_plane", lang, h=out_h, w=out_w),
                   colour=style.OUTPUT, baseline="bottom", dy=-4)
    else:
        scene.text(x_out, hp / 2, text("error_short", lang), colour=style.DROPPED,
                   anchor="start", fit=True)
        scene.rect(x_out, 0, max(8, wp // 2), 1)
    return scene.layout(width, height, top=20, bottom=22)
