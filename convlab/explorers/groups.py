"""The groups explorer: which input channels feed which outputs, and what that costs.

Lesson 03: the weight shape ``(out, in/groups, k, k)``, the connections of each group, and a
standard, a grouped and a depthwise separable block compared by parameters and multiply-adds.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

import numpy as np
from matplotlib.collections import LineCollection
import ipywidgets as widgets
from matplotlib.figure import FigureBase
from matplotlib.patches import Polygon, Rectangle

from ..figures import style
from ..figures.drawing import SMALL_SIZE, TITLE_SIZE, clear_artists, figure_legend, tint
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .linked import linked_data, panel
from .controls import (check_groups_offered, checkbox, disable, common_divisors, dropdown, grid,
                       int_slider, sync_groups)
from .readout import error_lines, line, shape_text
from .scene import Scene, tinted
from .torch_calls import count_params, meta_conv2d, run_conv2d

__all__ = ["groups_explorer"]

GROUPS_LEGEND = [(style.INPUT, "groups.inputs"), (style.OUTPUT, "groups.outputs"),
                 (style.KERNEL, "weights"), (style.BIAS, "bias_word")]


@dataclasses.dataclass(frozen=True)
class GroupsParams:
    """The controls: channel counts, ``groups``, the kernel size and ``bias``."""

    in_channels: int
    out_channels: int
    groups: int
    kernel_size: int
    bias: bool


@dataclasses.dataclass(kw_only=True)
class GroupsState(ExplorerState):
    """Connections, the weight shape and the three blocks' parameter and multiply-add counts."""

    in_channels: int
    out_channels: int
    groups: int
    kernel_size: int
    bias: bool
    connections: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (in, out)
    weight_shape: tuple[int, ...] | None = None
    params: int | None = None
    depthwise: bool = False
    multiplier: int | None = None      # out_channels / in_channels when depthwise
    compare: list[tuple[str, dict, int, int]] = dataclasses.field(default_factory=list)
    separable_parts: tuple[tuple[int, int], tuple[int, int]] | None = None
    macs: dict[str, int] = dataclasses.field(default_factory=dict)
    macs_parts: tuple[int, int] | None = None
    per_in: int = 0
    per_out: int = 0


class GroupsModel(ExplorerModel[GroupsParams, GroupsState]):
    params_type = GroupsParams
    figsize = (8.0, 3.4)
    help_key = "groups.help"
    legend = GROUPS_LEGEND

    def controls(self, values, lang):
        c = {
            "in_channels": int_slider("in_channels", lang, values["in_channels"], 1, 16),
            "out_channels": int_slider("out_channels", lang, values["out_channels"], 1, 32),
            "groups": dropdown("groups", lang,
                                common_divisors(values["in_channels"], values["out_channels"]),
                                values["groups"]),
            "kernel_size": int_slider("kernel_size", lang, values["kernel_size"], 1, 7),
            "bias": checkbox("bias", lang, values["bias"]),
            "depthwise": widgets.Button(description=text("groups.depthwise_button", lang),
                                        layout=widgets.Layout(width="200px")),
        }
        order = ["in_channels", "out_channels", "groups", "kernel_size", "bias", "depthwise"]
        return c, grid([c[name] for name in order])

    def sync(self, controls, changed):
        if changed in (None, "in_channels", "out_channels"):
            sync_groups(controls)
        cin, cout = controls["in_channels"].value, controls["out_channels"].value
        depthwise = controls["groups"].value == cin and cout % cin == 0
        disable(controls["depthwise"], "reason.already_depthwise" if depthwise else None)

    def bind(self, explorer):
        controls = explorer.controls

        def make_depthwise() -> None:
            cin, out = controls["in_channels"].value, controls["out_channels"]
            k = max(1, min(out.value // cin, out.max // cin))
            out.value = k * cin
            sync_groups(controls)
            controls["groups"].value = cin

        controls["depthwise"].on_click(lambda _button: explorer.apply(make_depthwise))

    def call(self, v):
        """On an 8×8 input: the layer's shape story is in its channels, not its size."""
        return (dict(in_channels=v.in_channels, out_channels=v.out_channels,
                     kernel_size=v.kernel_size, groups=v.groups, bias=v.bias),
                (1, v.in_channels, 8, 8))

    def compute(self, v):
        cin, cout, groups, k, bias = (v.in_channels, v.out_channels, v.groups,
                                      v.kernel_size, v.bias)
        state = GroupsState(in_channels=cin, out_channels=cout, groups=groups, kernel_size=k,
                            bias=bias)
        layer, _, error = run_conv2d(dict(in_channels=cin, out_channels=cout, kernel_size=k,
                                          groups=groups, bias=bias), (1, cin, k, k))
        if error is not None:
            state.failed(error)
            return state
        make = functools.partial(meta_conv2d, bias=bias)
        standard = count_params(make(cin, cout, k))
        this = count_params(layer)
        depthwise, pointwise = make(cin, cin, k, groups=cin), make(cin, cout, 1)
        separable = count_params(depthwise, pointwise)
        per_in, per_out = cin // groups, cout // groups
        state.update(
            weight_shape=tuple(layer.weight.shape), params=sum(this),
            connections=[(i, j) for j in range(cout)
                         for i in range((j // per_out) * per_in, (j // per_out + 1) * per_in)],
            depthwise=groups == cin, multiplier=cout // cin if groups == cin else None,
            compare=[("standard", {}, *standard), ("this", {"g": groups}, *this),
                     ("separable", {}, *separable)],
            separable_parts=(count_params(depthwise), count_params(pointwise)),
            # each weight is used once per output position: multiply-adds = weight count
            macs={"standard": standard[0], "this": this[0], "separable": separable[0]},
            macs_parts=(depthwise.weight.numel(), pointwise.weight.numel()),
            per_in=per_in, per_out=per_out)
        return state

    def describe(self, state, lang):
        lines = error_lines(state.error, state.error_type, lang)
        if state.error is not None:
            return lines
        cin, cout, g, k = (state.in_channels, state.out_channels, state.groups,
                           state.kernel_size)
        lines.append(line(text("groups.weight", lang) + " = ",
                           (f"({cout}, {cin}/{g}, {k}, {k}) = ", "code"),
                           (shape_text(state.weight_shape), "code kernel b")))
        lines.append(line(text("groups.sees", lang, n=state.per_in, i=state.per_in,
                                o=state.per_out)))
        if state.depthwise:
            lines.append(line((text("groups.is_depthwise", lang, c=cin,
                                     k=state.multiplier), "b")))
        else:
            lines.append(line(text("groups.not_depthwise", lang, c=cin)))
        lines.append(line((text("groups.compare", lang) + " - " + text("groups.col_params", lang)
                            + " / " + text("groups.col_macs", lang), "b")))
        for key, fmt, weights, biases in state.compare:
            label = text(f"groups.{key}", lang, **fmt)
            params = f"{weights + biases:,}"
            macs = f"{state.macs[key]:,}"
            if key == "separable":
                (dw_w, dw_b), (pw_w, pw_b) = state.separable_parts
                label += " = " + text("groups.separable_parts", lang, k=k, c=cin, o=cout)
                params = f"{dw_w + dw_b:,} + {pw_w + pw_b:,} = {params}"
                macs = f"{state.macs_parts[0]:,} + {state.macs_parts[1]:,} = {macs}"
            lines.append(line(f"  {label}: ", (f"{params} / {macs}", "code")))
        return lines

    def painter(self, fig, lang, static):
        return GroupsPainter(fig, lang, GROUPS_LEGEND if static else None)

    def scene(self, state, lang, width, height):
        return groups_scene(state, lang, width, height)

    def linked(self, state, lang):
        """Which input channels each output channel reads, for the browser's hover view."""
        if state.error is not None:
            return None
        cin, cout = state.in_channels, state.out_channels
        panels = [panel("inputs", text("groups.inputs", lang), style.INPUT, cin, 1,
                        [str(i) for i in range(cin)]),
                  panel("outputs", text("groups.outputs", lang), style.OUTPUT, cout, 1,
                        [str(o) for o in range(cout)])]
        links: list[list[tuple[int, int]]] = [[] for _ in range(cout)]
        for i, o in state.connections:
            links[o].append((0, i))
        sums = [text("linked.group_reads", lang, o=o, g=o // state.per_out,
                     ins=", ".join(str(i) for _, i in links[o])) for o in range(cout)]
        return linked_data(panels, 1, links, sums, text("linked.grid", lang),
                           text("linked.hint", lang), text("linked.readers", lang))


def groups_explorer(lang: str = "en", *, in_channels: int = 4,
                    out_channels: int = 8, groups: int = 2, kernel_size: int = 3,
                    bias: bool = True) -> Explorer:
    """Connectivity, weight shape and parameter counts for ``groups`` (lesson 03).

    The "make it depthwise" button sets ``groups = in_channels`` and ``out_channels`` to a
    multiple of ``in_channels``; the comparison shows the depthwise separable block (depthwise
    k×k then pointwise 1×1) beside a standard convolution.
    """
    check_groups_offered(in_channels, out_channels, groups)
    values = {"in_channels": in_channels, "out_channels": out_channels, "groups": groups,
              "kernel_size": int(kernel_size), "bias": bool(bias)}
    return Explorer(GroupsModel(), values, lang)


class GroupsPainter:
    """Which input channels feed which output channels, and parameter counts as bars (lesson 03).

    Both axes are built once; each update redraws only their contents.
    """

    def __init__(self, fig: FigureBase, lang: str,
                 legend: Sequence[tuple[str, str]] | None = None):
        self.lang = lang
        low = 0.1 if legend else 0.0
        self.ax = fig.add_axes((0.02, 0.04 + low, 0.46, 0.84 - low))
        self.ax.set_axis_off()
        self.bx = fig.add_axes((0.56, 0.1 + low, 0.36, 0.74 - low))
        self.bx.set_axis_off()   # no tick machinery (slow to draw): labels written by hand
        if legend:
            figure_legend(fig, legend, lang)

    def update(self, state: GroupsState) -> None:
        ax, bx, lang = self.ax, self.bx, self.lang
        clear_artists(ax)
        clear_artists(bx)
        cin, cout, groups = state.in_channels, state.out_channels, state.groups
        ys_in = 1 - (np.arange(cin) + 0.5) / cin
        ys_out = 1 - (np.arange(cout) + 0.5) / cout
        ax.set_xlim(-0.32, 1.18)
        ax.set_ylim(-0.02, 1.08)
        if state.error is None and groups > 0:
            per_in, per_out = cin // groups, cout // groups
            for g in range(groups):
                i_top, i_bot = 1 - g * per_in / cin, 1 - (g + 1) * per_in / cin
                o_top, o_bot = 1 - g * per_out / cout, 1 - (g + 1) * per_out / cout
                shade = "#ececec" if g % 2 == 0 else "#f8f8f8"
                ax.add_artist(Polygon([(0, i_top), (1, o_top), (1, o_bot), (0, i_bot)],
                                     closed=True, facecolor=shade, edgecolor="none"))
                if groups <= 8:   # left of the inputs, where no line crosses
                    ax.text(-0.06, (i_top + i_bot) / 2, text("groups.group", lang, g=g),
                            ha="right", va="center", fontsize=SMALL_SIZE, color="#555555")
        segments = [[(0, ys_in[i]), (1, ys_out[j])] for i, j in state.connections or []]
        if segments:
            alpha = 0.7 if len(segments) <= 64 else 0.35
            ax.add_collection(LineCollection(segments, colors=style.KERNEL, linewidths=0.9,
                                             alpha=alpha))
        size = max(12.0, 60.0 - 1.6 * max(cin, cout))
        ax.scatter(np.zeros(cin), ys_in, s=size, marker="s", color=style.INPUT, zorder=3)
        ax.scatter(np.ones(cout), ys_out, s=size, marker="s", color=style.OUTPUT, zorder=3)
        ax.text(0, 1.03, text("groups.inputs", lang) + f" ({cin})", ha="center", fontsize=8.5,
                color=style.INPUT)
        ax.text(1, 1.03, text("groups.outputs", lang) + f" ({cout})", ha="center", fontsize=8.5,
                color=style.OUTPUT)
        if state.error is not None:
            ax.text(0.5, 0.5, text("error_short", lang), ha="center", color=style.DROPPED)
            return

        bars = [(text(f"groups.{key}", lang, **fmt), w, b) for key, fmt, w, b in state.compare]
        weights = np.array([w for _, w, _ in bars], float)
        biases = np.array([b for _, _, b in bars], float)
        pos = np.arange(len(bars))[::-1]
        for p, wt, bi in zip(pos, weights, biases):   # plain rectangles: cheaper than barh
            bx.add_artist(Rectangle((0, p - 0.3), wt, 0.6, facecolor=tint(style.KERNEL, 0.8)))
            if bi:
                bx.add_artist(Rectangle((wt, p - 0.3), bi, 0.6, facecolor=style.BIAS))
        total = weights + biases
        for p, t, (label, _, _) in zip(pos, total, bars):
            bx.text(t, p, f" {int(t):,}", va="center", fontsize=SMALL_SIZE)
            bx.text(0, p + 0.42, label, va="bottom", ha="left", fontsize=SMALL_SIZE)
        bx.axvline(0, color="#555555", linewidth=0.8)
        bx.set_xlim(0, total.max() * 1.3 if total.max() > 0 else 1)
        bx.set_ylim(-0.5, len(bars) - 0.1)
        # a plain text, not set_title: a title re-measures the axes' tight box on every draw
        bx.text(0.5, 1.02, text("groups.params_axis", lang), fontsize=TITLE_SIZE, ha="center",
                va="bottom", transform=bx.transAxes)


def groups_scene(state: GroupsState, lang: str, width: int, height: int) -> dict:
    """:class:`GroupsPainter`'s picture as a scene the browser draws (the live view), laid out
    in pixels: the connections of each group, and the three blocks' parameters as bars."""
    scene = Scene()
    cin, cout, groups = state.in_channels, state.out_channels, state.groups
    top, bottom, x_in, x_out = 26.0, height - 8.0, 0.17 * width, 0.42 * width
    span = bottom - top
    ys_in = top + (np.arange(cin) + 0.5) / cin * span
    ys_out = top + (np.arange(cout) + 0.5) / cout * span
    scene.rect(0, 0, width, height)          # the picture is laid out in pixels
    if state.error is None and groups > 0:
        per_in, per_out = cin // groups, cout // groups
        for g in range(groups):
            i_top, i_bot = top + g * per_in / cin * span, top + (g + 1) * per_in / cin * span
            o_top, o_bot = top + g * per_out / cout * span, top + (g + 1) * per_out / cout * span
            scene.poly([(x_in, i_top), (x_out, o_top), (x_out, o_bot), (x_in, i_bot)],
                       "#ececec" if g % 2 == 0 else "#f8f8f8")
            if groups <= 8:
                scene.text(x_in - 10, (i_top + i_bot) / 2, text("groups.group", lang, g=g),
                           colour="#555555", anchor="end")
    opacity = 0.7 if len(state.connections) <= 64 else 0.35
    for i, j in state.connections:
        scene.line([(x_in, ys_in[i]), (x_out, ys_out[j])], style.KERNEL, 1.2, opacity)
    side = max(4.0, min(12.0, 0.8 * span / max(cin, cout)))
    for xs, ys, colour in ((x_in, ys_in, style.INPUT), (x_out, ys_out, style.OUTPUT)):
        for y in ys:
            scene.rect(xs - side / 2, y - side / 2, side, side, fill=colour, width=0)
    scene.text(x_in, top, text("groups.inputs", lang) + f" ({cin})", colour=style.INPUT,
               baseline="bottom", dy=-6)
    scene.text(x_out, top, text("groups.outputs", lang) + f" ({cout})", colour=style.OUTPUT,
               baseline="bottom", dy=-6)
    if state.error is not None:
        scene.text((x_in + x_out) / 2, height / 2, text("error_short", lang),
                   colour=style.DROPPED)
        return scene.layout(width, height, left=0, right=0)
    x_bar, bar_width = 0.55 * width, 0.3 * width
    scene.text(x_bar + bar_width / 2, top, text("groups.params_axis", lang), baseline="bottom",
               dy=-6, size=12)
    totals = [w + b for _, _, w, b in state.compare]
    most = max(max(totals), 1)
    row = span / len(state.compare)
    for k, (key, fmt, weights, biases) in enumerate(state.compare):
        y = top + k * row + 0.45 * row
        length_w, length_b = bar_width * weights / most, bar_width * biases / most
        scene.text(x_bar, y - 4, text(f"groups.{key}", lang, **fmt), anchor="start",
                   baseline="bottom")
        scene.rect(x_bar, y, length_w, 0.3 * row, fill=tinted(style.KERNEL, 0.8), width=0)
        if biases:
            scene.rect(x_bar + length_w, y, length_b, 0.3 * row, fill=style.BIAS, width=0)
        scene.text(x_bar + length_w + length_b + 4, y + 0.15 * row, f"{weights + biases:,}",
                   anchor="start")
    scene.line([(x_bar, top), (x_bar, bottom)], "#555555", 0.8)
    return scene.layout(width, height, left=0, right=0)
