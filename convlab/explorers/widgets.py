"""Slider explorers for every Conv2d parameter, in English or Korean (lessons 01-05).

Five explorers, each a function returning an :class:`Explorer` (an ``ipywidgets.VBox``):

- :func:`shape_explorer` (lessons 01, 02): every ``nn.Conv2d`` argument and the input shape; the
  output shape, the size formula with the numbers plugged in, weight/bias shapes, parameter and
  multiply-add counts, or the error PyTorch raises.
- :func:`sliding_window_explorer` (lesson 02): a small input with its numbers, the padding ring
  filled by ``padding_mode``, a Play control that walks the kernel over every output cell and
  writes out ``Σ w·x + b`` for it.
- :func:`groups_explorer` (lesson 03): which input channels feed which outputs, depthwise and
  depthwise separable convolutions compared with a standard one.
- :func:`channel_arithmetic_explorer` (lesson 05): per-channel ``x·m + a`` as a 1×1 convolution
  with ``groups=C``, beside broadcasting, checked with ``torch.allclose``.
- :func:`mnist_filter_explorer` (lesson 04): a digit, a kernel and its feature map.

Every number shown comes from PyTorch (``nn.Conv2d``/``F.conv2d``, on the ``meta`` device where
only shapes matter); formulas come from :mod:`convlab.geometry`. Labels come from
:mod:`convlab.strings`, pictures from :mod:`convlab.drawing`.

Each function also takes ``static``: True (or None with the environment variable
``CONVLAB_STATIC=1``, used for printed handouts) returns a matplotlib Figure of the picture and
the readout for the given values instead of a widget.
"""
from __future__ import annotations

import base64
import contextlib
import functools
import html
import io
import math
import os
import warnings
from collections.abc import Mapping
from typing import Any, Callable, Iterator, Sequence, Union

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import nn

from ..figures import drawing, style
from ..figures.fonts import font_context
from ..figures.plots import new_figure
from ..conv.functional import pad_input
from ..conv.geometry import PADDING_MODES, Geometry, geometry, pair
from ..i18n import check_lang, text
from ..conv.validation import check_conv2d

__all__ = [
    "Explorer", "KERNELS", "shape_explorer", "sliding_window_explorer", "groups_explorer",
    "channel_arithmetic_explorer", "mnist_filter_explorer", "run_conv2d",
]

#: Resolution of the pictures inside the widgets (static figures use matplotlib's default).
DPI = 80

IntOrPair = Union[int, Sequence[int]]
Segment = tuple[str, str]     # (text, space-separated roles: "input", "kernel", "code", "b", ...)
Line = list[Segment]


# --- hand-made kernels (lesson 04) -------------------------------------------------------------

class _KernelTable(Mapping):
    """Read-only name -> 3×3 kernel table that hands out copies.

    ``layer.weight.data = KERNELS["blur"]...`` then shares no memory with the table, so training
    a layer never changes the kernels other cells see.
    """

    def __init__(self, kernels: dict[str, list[list[float]]]):
        self._kernels = {name: torch.tensor(rows, dtype=torch.float32)
                         for name, rows in kernels.items()}

    def __getitem__(self, name: str) -> torch.Tensor:
        return self._kernels[name].clone()

    def __iter__(self) -> Iterator[str]:
        return iter(self._kernels)

    def __len__(self) -> int:
        return len(self._kernels)

    def __repr__(self) -> str:
        return f"KERNELS({', '.join(self._kernels)})"


KERNELS: Mapping[str, torch.Tensor] = _KernelTable({
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],      # responds to vertical edges
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],      # responds to horizontal edges
})


# --- asking PyTorch --------------------------------------------------------------------------

def run_conv2d(args: dict, input_shape: Sequence[int]
               ) -> tuple[nn.Conv2d | None, tuple[int, ...] | None, Exception | None]:
    """Build ``nn.Conv2d(**args)`` and call it on an input of ``input_shape``: PyTorch's verdict.

    Returns ``(layer, output shape, None)`` or ``(layer or None, None, the exception)``. Runs on
    the ``meta`` device (shapes only, no arithmetic), so even a huge layer answers at once. Meta
    tensors skip or reword a few checks, so when the meta call fails the call is repeated with
    real CPU tensors to get the very error a student would see.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. 'same' with an even kernel: a performance note
        try:
            layer = nn.Conv2d(**args, device="meta")
        except Exception as error:  # noqa: BLE001 - PyTorch's error is the result here
            return None, None, error
        try:
            return layer, tuple(layer(torch.empty(tuple(input_shape), device="meta")).shape), None
        except Exception:  # noqa: BLE001 - ask the CPU for the real message below
            pass
        layer = layer.to_empty(device="cpu")
        try:
            with torch.no_grad():
                return layer, tuple(layer(torch.zeros(tuple(input_shape))).shape), None
        except Exception as error:  # noqa: BLE001
            return layer, None, error


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    """Run PyTorch on one thread for the explorers' tiny tensors.

    Waking a second thread costs more than these convolutions do; on a busy or shared machine
    (Binder, a laptop running other work) a 16×16 convolution then takes tens of milliseconds
    instead of microseconds. The caller's setting is restored afterwards.
    """
    threads = torch.get_num_threads()
    if threads != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if threads != 1:
            torch.set_num_threads(threads)


def _count(*layers: nn.Module | None) -> tuple[int, int]:
    """(weight, bias) parameter counts of ``layers``, read from PyTorch's own tensors."""
    weights = sum(layer.weight.numel() for layer in layers if layer is not None)
    biases = sum(layer.bias.numel() for layer in layers
                 if layer is not None and layer.bias is not None)
    return int(weights), int(biases)


# --- readout text ----------------------------------------------------------------------------

_ROLE_CSS = {
    "input": f"color:{style.INPUT}", "kernel": f"color:{style.KERNEL}",
    "output": f"color:{style.OUTPUT}", "bias": f"color:{style.BIAS}",
    "padding": f"color:{style.PADDING}", "dropped": f"color:{style.DROPPED}",
    "error": f"color:{style.DROPPED}", "b": "font-weight:bold",
    "code": "font-family:var(--jp-code-font-family, monospace)",
}


def _line(*parts: str | Segment) -> Line:
    return [(p, "") if isinstance(p, str) else p for p in parts]


def lines_to_html(lines: Sequence[Line]) -> str:
    """The readout HTML: one ``<br>``-separated line each, coloured by role."""
    out = []
    for line in lines:
        segments = []
        for content, roles in line:
            css = ";".join(_ROLE_CSS[r] for r in roles.split())
            escaped = html.escape(content)
            segments.append(f'<span style="{css}">{escaped}</span>' if css else escaped)
        out.append("".join(segments))
    return ('<div class="convlab-readout" style="white-space:pre-wrap;line-height:1.5">'
            + "<br>".join(out) + "</div>")


def lines_to_text(lines: Sequence[Line]) -> list[str]:
    """The readout as plain text lines (for static figures and tests)."""
    return ["".join(content for content, _ in line) for line in lines]


def _num(value: float) -> str:
    return drawing.number(value)


def _par(value: float) -> str:
    """A number, in parentheses when negative (so ``2·(-1)`` reads unambiguously)."""
    s = _num(value)
    return f"({s})" if s.startswith("-") else s


def _shape(shape: Sequence[int] | None) -> str:
    if shape is None:
        return "-"
    return "(" + ", ".join(str(int(s)) for s in shape) + (",)" if len(shape) == 1 else ")")


def _error_lines(state: dict, lang: str) -> list[Line]:
    if state.get("error") is None:
        return []
    return [_line((text("error", lang) + ": ", "b error"),
                  (f"{state['error_type']}: {state['error']}", "code error"))]


# --- figures ---------------------------------------------------------------------------------

def static_figure(model: "_Model", state: dict, lang: str) -> Figure:
    """The explorer's picture with its readout as a caption, as a matplotlib Figure.

    Not tracked by pyplot (``viz.new_figure``): shown exactly once when returned from a cell, and
    never an open figure.
    """
    caption = drawing.wrap_lines(lines_to_text(model.describe(state, lang)))
    width, height = model.figsize
    extra = drawing.caption_height(caption)
    with font_context(lang):
        fig = new_figure((width, height + extra), layout=None)
        top, bottom = fig.subfigures(2, 1, height_ratios=[height, extra])
        model.painter(top, lang, static=True).update(state)
        drawing.draw_caption(bottom, caption)
    return fig


def _want_static(static: bool | None) -> bool:
    if static is None:
        return os.environ.get("CONVLAB_STATIC", "") == "1"
    return bool(static)


# --- the widget ------------------------------------------------------------------------------

class _Model:
    """What one explorer computes and draws; :class:`Explorer` turns it into widgets."""

    figsize: tuple[float, float] = (8.0, 3.0)
    help_key = ""
    legend: str | None = None      # key of drawing.LEGENDS shown under the picture

    def controls(self, values: dict, lang: str) -> tuple[dict[str, widgets.Widget], widgets.Widget]:
        """The controls (name -> widget, initial ``values``) and the box that lays them out."""
        raise NotImplementedError

    def sync(self, controls: dict[str, widgets.Widget], changed: str | None) -> None:
        """Make dependent controls agree after ``changed`` moved (None: at start)."""

    def bind(self, explorer: "Explorer") -> None:
        """Attach handlers that are not value changes (buttons)."""

    def compute(self, values: dict) -> dict:
        raise NotImplementedError

    def describe(self, state: dict, lang: str) -> list[Line]:
        raise NotImplementedError

    def painter(self, fig, lang: str, static: bool):
        """An object whose ``update(state)`` paints a state on ``fig`` (see convlab.drawing).

        Painters build their axes once and then replace only what is drawn, which keeps a
        redraw fast. ``static`` figures carry their colour legend themselves.
        """
        raise NotImplementedError

    def _canvas(self, fig, lang: str, static: bool, draw: Callable) -> drawing.CanvasPainter:
        legend = drawing.LEGENDS[self.legend] if static and self.legend else None
        return drawing.CanvasPainter(fig, lang, draw, legend)


class Explorer(widgets.VBox):
    """An interactive explorer: controls, a picture that redraws in place, and a text readout.

    - ``controls``: name -> ipywidgets control (sliders, dropdowns, checkboxes, Play, buttons);
    - ``readout``: ``ipywidgets.HTML`` with the textual result, updated on every change;
    - ``output``: ``ipywidgets.Output`` holding the picture (fixed size: nothing jumps);
    - ``state``: the numbers last computed (e.g. ``out_shape``, ``value``, ``params``,
      ``error``), for tests to compare with PyTorch;
    - ``figure()``: a new static Figure of the current values (the caller may close it).

    A change redraws once, even when it moves other controls (e.g. ``groups`` options).
    """

    def __init__(self, model: _Model, values: dict, lang: str):
        self.model = model
        self.lang = check_lang(lang)
        self.state: dict = {}
        self.png: bytes = b""
        self._holding = False
        self._figure: Figure | None = None   # kept between redraws, never known to pyplot
        self._painter: Any = None
        self.controls, panel = model.controls(values, self.lang)
        width, height = (int(round(v * DPI)) for v in model.figsize)
        self.readout = widgets.HTML(layout=widgets.Layout(min_height="3em"))
        self.output = widgets.Output(layout=widgets.Layout(
            height=f"{height + 4}px", width=f"{width + 4}px", overflow="hidden"))
        help_box = widgets.HTML(f'<div style="max-width:{width}px">{text(model.help_key, lang)}'
                                "</div>")
        key = widgets.HTML(drawing.legend_html(drawing.LEGENDS[model.legend], lang)
                           if model.legend else "")
        super().__init__([help_box, panel, self.output, key, self.readout])
        # Stable hooks for the browser tests (and for anyone styling the course).
        self.add_class("convlab-explorer")
        self.readout.add_class("convlab-readout")
        self.output.add_class("convlab-output")
        for name, control in self.controls.items():
            if isinstance(control, widgets.ValueWidget) and not isinstance(control, widgets.Play):
                control.observe(functools.partial(self._changed, name), names="value")
        model.bind(self)
        self.apply()

    def values(self) -> dict:
        """The current value of every control (Play and buttons excluded)."""
        return {name: c.value for name, c in self.controls.items()
                if isinstance(c, widgets.ValueWidget) and not isinstance(c, widgets.Play)}

    @contextlib.contextmanager
    def _hold(self) -> Iterator[None]:
        held, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = held

    def _changed(self, name: str, change: dict) -> None:
        if not self._holding:
            self.apply(changed=name)

    def apply(self, action: Callable[[], None] | None = None, changed: str | None = None) -> None:
        """Run ``action`` (moving controls) and let dependent controls follow; redraw once."""
        with self._hold():
            if action is not None:
                action()
            self.model.sync(self.controls, changed)
        self.update()

    def set(self, **values: Any) -> None:
        """Move several controls, in the order given, as a student would; redraw once at the end.

        ``explorer.set(in_channels=8, out_channels=16, groups=8)``: each move lets dependent
        controls follow before the next (so ``groups`` is offered 8 by the time it is set).
        """
        unknown = [name for name in values if name not in self.values()]
        if unknown:
            raise ValueError(f"no control named {', '.join(map(repr, unknown))}; "
                             f"the controls are {', '.join(self.values())}")

        def move() -> None:
            for name, value in values.items():
                self.controls[name].value = value
                self.model.sync(self.controls, name)

        self.apply(move)

    def update(self) -> None:
        """Recompute the state from the controls, rewrite the readout, redraw the picture."""
        with _single_thread():
            self.state = self.model.compute(self.values())
        self.readout.value = lines_to_html(self.model.describe(self.state, self.lang))
        self.png = self._render()
        # Replace the output in one assignment: the old picture stays until the new one is there.
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": base64.b64encode(self.png).decode("ascii"),
                     "text/plain": f"<{type(self.model).__name__.strip('_')} picture>"},
            "metadata": {},
        },)

    def _render(self) -> bytes:
        """Paint the state on the explorer's own Agg figure and return it as PNG bytes."""
        with font_context(self.lang):
            if self._painter is None:
                self._figure = Figure(figsize=self.model.figsize, dpi=DPI)
                FigureCanvasAgg(self._figure)
                self._painter = self.model.painter(self._figure, self.lang, static=False)
            self._painter.update(self.state)
            buffer = io.BytesIO()
            # light compression: the PNG only travels to the browser, and encodes 3x faster
            self._figure.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
        return buffer.getvalue()

    def figure(self) -> Figure:
        """A static Figure of the current values: picture plus readout text."""
        return static_figure(self.model, self.state, self.lang)


def _explore(model: _Model, values: dict, lang: str, static: bool | None) -> Explorer | Figure:
    check_lang(lang)
    if _want_static(static):
        with _single_thread():
            state = model.compute(values)
        return static_figure(model, state, lang)
    return Explorer(model, values, lang)


# --- controls --------------------------------------------------------------------------------

def _style(lang: str) -> dict:
    return {"description_width": "150px" if lang == "ko" else "130px"}


def _layout() -> widgets.Layout:
    return widgets.Layout(width="370px")


def _int_slider(key: str, lang: str, value: int, lo: int, hi: int, **fmt: Any) -> widgets.IntSlider:
    """An IntSlider that updates on release; its range grows to hold an unusual start value."""
    return widgets.IntSlider(value=value, min=min(lo, value), max=max(hi, value),
                             description=text(key, lang, **fmt), continuous_update=False,
                             style=_style(lang), layout=_layout())


def _float_slider(key: str, lang: str, value: float, lo: float, hi: float, step: float,
                  **fmt: Any) -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=min(lo, value), max=max(hi, value), step=step,
                               description=text(key, lang, **fmt), continuous_update=False,
                               readout_format=".2f", style=_style(lang), layout=_layout())


def _dropdown(key: str, lang: str, options: list, value: Any) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=text(key, lang),
                            style=_style(lang), layout=_layout())


def _checkbox(key: str, lang: str, value: bool) -> widgets.Checkbox:
    return widgets.Checkbox(value=bool(value), description=text(key, lang), style=_style(lang),
                            layout=_layout())


def _grid(children: Sequence[widgets.Widget], columns: int = 2) -> widgets.GridBox:
    return widgets.GridBox(list(children), layout=widgets.Layout(
        grid_template_columns=f"repeat({columns}, 380px)", grid_gap="0px 8px"))


def _padding_controls(values: dict, lang: str, hi: int) -> dict[str, widgets.Widget]:
    options = [(text("padding_numbers", lang), "int"), ("'same'", "same"), ("'valid'", "valid")]
    return {
        "padding_type": _dropdown("padding_type", lang, options, values["padding_type"]),
        "padding_h": _int_slider("padding_h", lang, values["padding_h"], 0, hi),
        "padding_w": _int_slider("padding_w", lang, values["padding_w"], 0, hi),
        "padding_mode": _dropdown("padding_mode", lang,
                                  [(text(f"mode_{m}", lang), m) for m in PADDING_MODES],
                                  values["padding_mode"]),
    }


def _padding_values(padding: IntOrPair | str, padding_mode: str, widget: bool) -> dict:
    """Control values for ``padding`` (int, pair, 'same' or 'valid') and ``padding_mode``."""
    if widget and padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    if isinstance(padding, str):
        if widget and padding not in ("same", "valid"):
            raise ValueError(f"padding must be an int, a pair, 'same' or 'valid'; got {padding!r}")
        return {"padding_type": padding, "padding_h": 0, "padding_w": 0,
                "padding_mode": padding_mode}
    ph, pw = pair(padding, "padding")
    return {"padding_type": "int", "padding_h": ph, "padding_w": pw, "padding_mode": padding_mode}


def _padding_arg(values: dict) -> IntOrPair | str:
    kind = values["padding_type"]
    return (values["padding_h"], values["padding_w"]) if kind == "int" else kind


def _sync_padding(controls: dict) -> None:
    numbers = controls["padding_type"].value == "int"
    controls["padding_h"].disabled = not numbers
    controls["padding_w"].disabled = not numbers


def _common_divisors(a: int, b: int) -> list[int]:
    g = math.gcd(a, b)
    return [d for d in range(1, g + 1) if g % d == 0] if g > 0 else [1]


def _sync_groups(controls: dict) -> None:
    """Offer only the ``groups`` that divide both channel counts; keep the choice if still valid."""
    dropdown = controls["groups"]
    options = _common_divisors(controls["in_channels"].value, controls["out_channels"].value)
    current = dropdown.value
    if list(dropdown.options) != options:
        dropdown.options = options
    if current not in options:
        current = max(d for d in options if d <= max(current, 1))
    dropdown.value = current


def _check_groups_offered(in_channels: int, out_channels: int, groups: int) -> None:
    options = _common_divisors(in_channels, out_channels)
    if groups not in options:
        raise ValueError(
            f"groups={groups} is not offered: the groups menu lists the common divisors of "
            f"in_channels={in_channels} and out_channels={out_channels}: {options}. "
            "Pass static=True to see the error PyTorch raises for it.")


# --- 1. shape explorer -----------------------------------------------------------------------

class _ShapeModel(_Model):
    figsize = (8.0, 2.6)
    help_key = "shape.help"
    legend = "shape"

    def controls(self, values, lang):
        c = {
            "batch": _int_slider("batch", lang, values["batch"], 1, 16),
            "channels": _int_slider("channels", lang, values["channels"], 1, 64),
            "height": _int_slider("height", lang, values["height"], 1, 64),
            "width": _int_slider("width", lang, values["width"], 1, 64),
            "in_channels": _int_slider("in_channels", lang, values["in_channels"], 1, 64),
            "out_channels": _int_slider("out_channels", lang, values["out_channels"], 1, 128),
            "kernel_h": _int_slider("kernel_h", lang, values["kernel_h"], 1, 11),
            "kernel_w": _int_slider("kernel_w", lang, values["kernel_w"], 1, 11),
            "stride_h": _int_slider("stride_h", lang, values["stride_h"], 1, 6),
            "stride_w": _int_slider("stride_w", lang, values["stride_w"], 1, 6),
            **_padding_controls(values, lang, 6),
            "dilation_h": _int_slider("dilation_h", lang, values["dilation_h"], 1, 5),
            "dilation_w": _int_slider("dilation_w", lang, values["dilation_w"], 1, 5),
            "groups": _dropdown("groups", lang,
                                _common_divisors(values["in_channels"], values["out_channels"]),
                                values["groups"]),
            "bias": _checkbox("bias", lang, values["bias"]),
        }
        order = ["batch", "channels", "height", "width", "in_channels", "out_channels",
                 "kernel_h", "kernel_w", "stride_h", "stride_w", "padding_type", "padding_mode",
                 "padding_h", "padding_w", "dilation_h", "dilation_w", "groups", "bias"]
        return c, _grid([c[name] for name in order])

    def sync(self, controls, changed):
        if changed == "in_channels":
            controls["channels"].value = controls["in_channels"].value
        if changed in (None, "in_channels", "out_channels"):
            _sync_groups(controls)
        _sync_padding(controls)

    def compute(self, v):
        args = dict(in_channels=v["in_channels"], out_channels=v["out_channels"],
                    kernel_size=(v["kernel_h"], v["kernel_w"]),
                    stride=(v["stride_h"], v["stride_w"]), padding=_padding_arg(v),
                    dilation=(v["dilation_h"], v["dilation_w"]), groups=v["groups"],
                    bias=v["bias"], padding_mode=v["padding_mode"])
        input_shape = (v["batch"], v["channels"], v["height"], v["width"])
        layer, out_shape, error = run_conv2d(args, input_shape)
        weights, biases = _count(layer)
        state: dict[str, Any] = {
            "input_shape": input_shape, "args": args, "out_shape": out_shape,
            "weight_shape": tuple(layer.weight.shape) if layer is not None else None,
            "bias_shape": (tuple(layer.bias.shape) if layer is not None and layer.bias is not None
                           else None),
            "params": weights + biases if layer is not None else None,
            "weight_params": weights, "bias_params": biases,
            "macs": (math.prod(out_shape) * math.prod(layer.weight.shape[1:])
                     if out_shape is not None else None),
            "error": str(error) if error is not None else None,
            "error_type": type(error).__name__ if error is not None else None,
            "geometry": None,
        }
        padding = args["padding"]
        known = padding in ("same", "valid") if isinstance(padding, str) else True
        if known and min(args["stride"]) > 0:   # the formula divides by the stride
            state["geometry"] = geometry((v["height"], v["width"]), args["kernel_size"],
                                         args["stride"], padding, args["dilation"])
        return state

    def describe(self, state, lang):
        lines = [_line(text("shape.input", lang),
                       (_shape(state["input_shape"]), "code input")),
                 _line(text("shape.output", lang) + " ",
                       (_shape(state["out_shape"]), "code output b"))]
        lines += _error_lines(state, lang)
        geo: Geometry | None = state["geometry"]
        if geo is not None:
            names = (("H", "pad_top", "pad_bottom", "kH", "rows"),
                     ("W", "pad_left", "pad_right", "kW", "cols"))
            for axis, (size, before_name, after_name, k, which) in enumerate(names):
                before, after = geo.padding[axis]
                numerator = geo.padded_size[axis] - geo.effective_kernel[axis]
                stride, dilation, out = geo.stride[axis], geo.dilation[axis], geo.out_size[axis]
                lines.append(_line((f"{size}_out = ⌊({size} + {before_name} + {after_name} - "
                                    f"dilation·({k} - 1) - 1) / stride⌋ + 1", "code")))
                lines.append(_line(
                    (f"{' ' * len(size)}      = ⌊({geo.in_size[axis]} + {before} + {after} - "
                     f"{dilation}·({geo.kernel[axis]} - 1) - 1) / {stride}⌋ + 1"
                     f" = ⌊{numerator} / {stride}⌋ + 1 = {out - 1} + 1 = ", "code"),
                    (str(out), "code output b")))
                lines.append(_line((f"{' ' * (len(size) + 6)}"
                                    + text(f"shape.{which}_unused", lang, n=geo.unused[axis]),
                                    "code dropped" if geo.unused[axis] else "code")))
        if state["weight_shape"] is not None:
            lines.append(_line(text("shape.weight", lang) + " = ",
                               (_shape(state["weight_shape"]), "code kernel")))
            lines.append(_line(text("shape.bias", lang) + " = ",
                               (_shape(state["bias_shape"]), "code bias")
                               if state["bias_shape"] else (text("none", lang), "bias")))
            product = "·".join(str(s) for s in state["weight_shape"])
            bias_part = f" + {state['bias_params']}" if state["bias_shape"] else ""
            lines.append(_line(text("shape.params", lang) + ": ",
                               (f"{product}{bias_part} = {state['params']:,}", "code")))
        if state["macs"] is not None:
            out = "·".join(str(s) for s in state["out_shape"])
            per = "·".join(str(s) for s in state["weight_shape"][1:])
            lines.append(_line(text("shape.macs", lang) + ": ",
                               (f"({out}) · ({per}) = {state['macs']:,}", "code")))
        return lines

    def painter(self, fig, lang, static):
        return self._canvas(fig, lang, static, drawing.draw_shape)


def shape_explorer(lang: str = "en", *, static: bool | None = None, batch: int = 1,
                   in_channels: int = 3, height: int = 32, width: int = 32,
                   out_channels: int = 8, kernel_size: IntOrPair = (3, 3),
                   stride: IntOrPair = (1, 1), padding: IntOrPair | str = (0, 0),
                   padding_mode: str = "zeros", dilation: IntOrPair = (1, 1), groups: int = 1,
                   bias: bool = True, channels: int | None = None) -> Explorer | Figure:
    """Every ``nn.Conv2d`` argument and the input ``(N, C, H, W)``, and what PyTorch makes of them.

    Lessons 01 and 02. ``channels`` is the input's C (default: ``in_channels``); set it
    differently to see PyTorch's channel-mismatch error. ``padding`` may be ``'same'``/``'valid'``.
    """
    widget = not _want_static(static)
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = pair(stride, "stride")
    dh, dw = pair(dilation, "dilation")
    if widget:
        _check_groups_offered(in_channels, out_channels, groups)
    values = {"batch": batch, "channels": in_channels if channels is None else channels,
              "height": height, "width": width, "in_channels": in_channels,
              "out_channels": out_channels, "kernel_h": kh, "kernel_w": kw, "stride_h": sh,
              "stride_w": sw, "dilation_h": dh, "dilation_w": dw, "groups": groups,
              "bias": bool(bias), **_padding_values(padding, padding_mode, widget)}
    return _explore(_ShapeModel(), values, lang, static)


# --- 2. sliding-window explorer --------------------------------------------------------------

class _WindowModel(_Model):
    figsize = (9.0, 3.3)
    help_key = "window.help"
    legend = "window"

    def controls(self, values, lang):
        c = {
            "height": _int_slider("window.height", lang, values["height"], 1, 8),
            "width": _int_slider("window.width", lang, values["width"], 1, 8),
            "channels": _int_slider("window.channels", lang, values["channels"], 1, 3),
            "seed": _int_slider("seed", lang, values["seed"], 0, 99),
            "kernel_h": _int_slider("kernel_h", lang, values["kernel_h"], 1, 5),
            "kernel_w": _int_slider("kernel_w", lang, values["kernel_w"], 1, 5),
            "stride_h": _int_slider("stride_h", lang, values["stride_h"], 1, 4),
            "stride_w": _int_slider("stride_w", lang, values["stride_w"], 1, 4),
            **_padding_controls(values, lang, 3),
            "dilation_h": _int_slider("dilation_h", lang, values["dilation_h"], 1, 3),
            "dilation_w": _int_slider("dilation_w", lang, values["dilation_w"], 1, 3),
            "bias": _checkbox("bias", lang, values["bias"]),
            "step": _int_slider("window.step", lang, values["step"], 0, max(values["step"], 0)),
            "play": widgets.Play(value=values["step"], min=0, max=max(values["step"], 0),
                                 interval=900, description=text("window.step", lang)),
        }
        widgets.link((c["play"], "value"), (c["step"], "value"))
        widgets.link((c["play"], "max"), (c["step"], "max"))
        order = ["height", "width", "channels", "seed", "kernel_h", "kernel_w", "stride_h",
                 "stride_w", "padding_type", "padding_mode", "padding_h", "padding_w",
                 "dilation_h", "dilation_w", "bias"]
        steps = widgets.HBox([c["play"], c["step"]])
        return c, widgets.VBox([steps, _grid([c[name] for name in order])])

    def sync(self, controls, changed):
        _sync_padding(controls)
        if changed == "step":
            return
        values = {name: w.value for name, w in controls.items() if name not in ("play",)}
        layer_args = self._args(values)
        shape = (1, values["channels"], values["height"], values["width"])
        _, out_shape, _ = run_conv2d(layer_args, shape)
        count = out_shape[2] * out_shape[3] if out_shape is not None else 0
        step = controls["step"]
        step.max = max(count - 1, 0)          # also clamps the value, and Play's max (linked)
        step.disabled = count <= 1
        controls["play"].disabled = count <= 1

    @staticmethod
    def _args(v: dict) -> dict:
        return dict(in_channels=v["channels"], out_channels=1,
                    kernel_size=(v["kernel_h"], v["kernel_w"]),
                    stride=(v["stride_h"], v["stride_w"]), padding=_padding_arg(v),
                    dilation=(v["dilation_h"], v["dilation_w"]), bias=v["bias"],
                    padding_mode=v["padding_mode"])

    def compute(self, v):
        channels, kh, kw = v["channels"], v["kernel_h"], v["kernel_w"]
        generator = torch.Generator().manual_seed(int(v["seed"]))
        # small integers, so every sum can be checked by eye
        x = torch.randint(-2, 4, (1, channels, v["height"], v["width"]),
                          generator=generator).float()
        b = torch.randint(-2, 4, (1,), generator=generator).float()
        weight = torch.randint(-2, 4, (1, channels, kh, kw), generator=generator).float()
        args = self._args(v)
        state: dict[str, Any] = {
            "input": x[0].numpy(), "weight": weight[0].numpy(),
            "bias": float(b) if v["bias"] else None, "padded": None, "output": None,
            "geometry": None, "taps": [], "anchors": [], "step": 0, "position": None,
            "value": None, "terms": [], "sum": None, "out_shape": None, "count": 0,
            "error": None, "error_type": None, "padding_mode": v["padding_mode"],
        }
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
            state.update(error=str(error), error_type=type(error).__name__)
            return state
        bias = b if v["bias"] else None
        spec = check_conv2d(x, weight, bias, args["stride"], args["padding"], args["dilation"],
                            1, args["padding_mode"])
        geo = spec.geometry
        padded = pad_input(x, spec)[0]     # the values padding_mode puts in the ring (F.pad)
        out_h, out_w = y.shape[2], y.shape[3]
        count = out_h * out_w
        step = min(max(int(v["step"]), 0), count - 1)
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
        lines = _error_lines(state, lang)
        if state["error"] is not None:
            return lines
        row, col = state["position"]
        lines.append(_line(text("window.position", lang, step=state["step"],
                                last=state["count"] - 1, row=row, col=col)))
        parts: list[Segment] = [(text("window.sum" if state["bias"] is not None
                                      else "window.sum_nobias", lang) + " = ", "code b")]
        for k, (w, x) in enumerate(state["terms"]):
            if k:
                parts.append((" + ", "code"))
            parts += [(_par(w), "code kernel"), ("·", "code"), (_par(x), "code input")]
        if state["bias"] is not None:
            parts += [(" + ", "code"), (_par(state["bias"]), "code bias")]
        parts += [(" = ", "code"), (_num(state["sum"]), "code output b")]
        lines.append(_line(*parts))
        lines.append(_line(text("window.from_torch", lang),
                           (_num(state["value"]), "code output b")))
        geo = state["geometry"]
        if any(geo.unused):
            lines.append(_line((text("shape.rows_unused", lang, n=geo.unused[0]) + ", "
                                + text("shape.cols_unused", lang, n=geo.unused[1]), "dropped")))
        return lines

    def painter(self, fig, lang, static):
        return self._canvas(fig, lang, static, drawing.draw_sliding_window)


def sliding_window_explorer(lang: str = "en", *, static: bool | None = None, height: int = 5,
                            width: int = 5, channels: int = 1, kernel_size: IntOrPair = (3, 3),
                            stride: IntOrPair = (1, 1), padding: IntOrPair | str = (0, 0),
                            padding_mode: str = "zeros", dilation: IntOrPair = (1, 1),
                            bias: bool = True, seed: int = 0, step: int = 0) -> Explorer | Figure:
    """Walk the kernel over a small input one output cell at a time, with every number shown.

    Lesson 02. Inputs, weights and bias are small integers drawn with ``seed``; the value at each
    position comes from ``nn.Conv2d`` itself, and the written-out ``Σ w·x + b`` adds up to it.
    """
    widget = not _want_static(static)
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = pair(stride, "stride")
    dh, dw = pair(dilation, "dilation")
    values = {"height": height, "width": width, "channels": channels, "seed": seed,
              "kernel_h": kh, "kernel_w": kw, "stride_h": sh, "stride_w": sw,
              "dilation_h": dh, "dilation_w": dw, "bias": bool(bias), "step": step,
              **_padding_values(padding, padding_mode, widget)}
    return _explore(_WindowModel(), values, lang, static)


# --- 3. groups explorer ----------------------------------------------------------------------

class _GroupsModel(_Model):
    figsize = (8.0, 3.4)
    help_key = "groups.help"
    legend = "groups"

    def controls(self, values, lang):
        c = {
            "in_channels": _int_slider("in_channels", lang, values["in_channels"], 1, 16),
            "out_channels": _int_slider("out_channels", lang, values["out_channels"], 1, 32),
            "groups": _dropdown("groups", lang,
                                _common_divisors(values["in_channels"], values["out_channels"]),
                                values["groups"]),
            "kernel_size": _int_slider("kernel_size", lang, values["kernel_size"], 1, 7),
            "bias": _checkbox("bias", lang, values["bias"]),
            "depthwise": widgets.Button(description=text("groups.depthwise_button", lang),
                                        layout=widgets.Layout(width="200px")),
        }
        order = ["in_channels", "out_channels", "groups", "kernel_size", "bias", "depthwise"]
        return c, _grid([c[name] for name in order])

    def sync(self, controls, changed):
        if changed in (None, "in_channels", "out_channels"):
            _sync_groups(controls)

    def bind(self, explorer):
        controls = explorer.controls

        def make_depthwise() -> None:
            cin, out = controls["in_channels"].value, controls["out_channels"]
            k = max(1, min(out.value // cin, out.max // cin))
            out.value = k * cin
            _sync_groups(controls)
            controls["groups"].value = cin

        controls["depthwise"].on_click(lambda _button: explorer.apply(make_depthwise))

    def compute(self, v):
        cin, cout, groups, k, bias = (v["in_channels"], v["out_channels"], v["groups"],
                                      v["kernel_size"], v["bias"])
        state: dict[str, Any] = {"in_channels": cin, "out_channels": cout, "groups": groups,
                                 "kernel_size": k, "bias": bias, "error": None,
                                 "error_type": None, "connections": []}
        layer, _, error = run_conv2d(dict(in_channels=cin, out_channels=cout, kernel_size=k,
                                          groups=groups, bias=bias), (1, cin, k, k))
        if error is not None:
            state.update(error=str(error), error_type=type(error).__name__)
            return state
        make = functools.partial(nn.Conv2d, bias=bias, device="meta")
        standard = _count(make(cin, cout, k))
        this = _count(layer)
        depthwise, pointwise = make(cin, cin, k, groups=cin), make(cin, cout, 1)
        separable = _count(depthwise, pointwise)
        per_in, per_out = cin // groups, cout // groups
        state.update(
            weight_shape=tuple(layer.weight.shape), params=sum(this),
            connections=[(i, j) for j in range(cout)
                         for i in range((j // per_out) * per_in, (j // per_out + 1) * per_in)],
            depthwise=groups == cin, multiplier=cout // cin if groups == cin else None,
            compare=[("standard", {}, *standard), ("this", {"g": groups}, *this),
                     ("separable", {}, *separable)],
            separable_parts=(_count(depthwise), _count(pointwise)),
            # each weight is used once per output position: multiply-adds = weight count
            macs={"standard": standard[0], "this": this[0], "separable": separable[0]},
            macs_parts=(depthwise.weight.numel(), pointwise.weight.numel()),
            per_in=per_in, per_out=per_out)
        return state

    def describe(self, state, lang):
        lines = _error_lines(state, lang)
        if state["error"] is not None:
            return lines
        cin, cout, g, k = (state["in_channels"], state["out_channels"], state["groups"],
                           state["kernel_size"])
        lines.append(_line(text("groups.weight", lang) + " = ",
                           (f"({cout}, {cin}/{g}, {k}, {k}) = ", "code"),
                           (_shape(state["weight_shape"]), "code kernel b")))
        lines.append(_line(text("groups.sees", lang, n=state["per_in"], i=state["per_in"],
                                o=state["per_out"])))
        if state["depthwise"]:
            lines.append(_line((text("groups.is_depthwise", lang, c=cin,
                                     k=state["multiplier"]), "b")))
        else:
            lines.append(_line(text("groups.not_depthwise", lang, c=cin)))
        lines.append(_line((text("groups.compare", lang) + " - " + text("groups.col_params", lang)
                            + " / " + text("groups.col_macs", lang), "b")))
        for key, fmt, weights, biases in state["compare"]:
            label = text(f"groups.{key}", lang, **fmt)
            params = f"{weights + biases:,}"
            macs = f"{state['macs'][key]:,}"
            if key == "separable":
                (dw_w, dw_b), (pw_w, pw_b) = state["separable_parts"]
                label += " = " + text("groups.separable_parts", lang, k=k, c=cin, o=cout)
                params = f"{dw_w + dw_b:,} + {pw_w + pw_b:,} = {params}"
                macs = f"{state['macs_parts'][0]:,} + {state['macs_parts'][1]:,} = {macs}"
            lines.append(_line(f"  {label}: ", (f"{params} / {macs}", "code")))
        return lines

    def painter(self, fig, lang, static):
        return drawing.GroupsPainter(fig, lang, drawing.LEGENDS["groups"] if static else None)


def groups_explorer(lang: str = "en", *, static: bool | None = None, in_channels: int = 4,
                    out_channels: int = 8, groups: int = 2, kernel_size: int = 3,
                    bias: bool = True) -> Explorer | Figure:
    """Connectivity, weight shape and parameter counts for ``groups`` (lesson 03).

    The "make it depthwise" button sets ``groups = in_channels`` and ``out_channels`` to a
    multiple of ``in_channels``; the comparison shows the depthwise separable block (depthwise
    k×k then pointwise 1×1) beside a standard convolution.
    """
    if not _want_static(static):
        _check_groups_offered(in_channels, out_channels, groups)
    values = {"in_channels": in_channels, "out_channels": out_channels, "groups": groups,
              "kernel_size": int(kernel_size), "bias": bool(bias)}
    return _explore(_GroupsModel(), values, lang, static)


# --- 4. channel arithmetic explorer ----------------------------------------------------------

class _ArithmeticModel(_Model):
    figsize = (8.0, 3.4)
    help_key = "arith.help"
    size = 16     # image height and width, as in the seed post's torch.rand(2, 5, 16, 16)

    def __init__(self, channels: int):
        self.channels = channels

    def controls(self, values, lang):
        c: dict[str, widgets.Widget] = {}
        rows = []
        for k in range(self.channels):
            c[f"mul_{k}"] = _float_slider("arith.mul", lang, values[f"mul_{k}"], -3, 3, 0.25, c=k)
            c[f"add_{k}"] = _float_slider("arith.add", lang, values[f"add_{k}"], -3, 3, 0.25, c=k)
            rows += [c[f"mul_{k}"], c[f"add_{k}"]]
        c["seed"] = _int_slider("seed", lang, values["seed"], 0, 99)
        return c, _grid(rows + [c["seed"]])

    def compute(self, v):
        n = self.channels
        mul = torch.tensor([float(v[f"mul_{k}"]) for k in range(n)])
        add = torch.tensor([float(v[f"add_{k}"]) for k in range(n)])
        generator = torch.Generator().manual_seed(int(v["seed"]))
        x = torch.rand(1, n, self.size, self.size, generator=generator)
        conv = nn.Conv2d(n, n, kernel_size=1, groups=n, bias=True)
        with torch.no_grad():
            conv.weight.copy_(mul.reshape(n, 1, 1, 1))
            conv.bias.copy_(add)
            conv_out = conv(x)
        broadcast = x * mul.reshape(1, n, 1, 1) + add.reshape(1, n, 1, 1)
        return {
            "channels": n, "mul": mul.tolist(), "add": add.tolist(),
            "weight": conv.weight.detach().reshape(n).tolist(), "bias": conv.bias.detach().tolist(),
            "weight_shape": tuple(conv.weight.shape),
            "allclose": bool(torch.allclose(conv_out, broadcast)),
            "allclose_atol": bool(torch.allclose(conv_out, broadcast, atol=1e-6)),
            "max_diff": float((conv_out - broadcast).abs().max()),
            "image": x[0].numpy(), "conv_out": conv_out[0].detach().numpy(),
            "broadcast_out": broadcast[0].numpy(),
        }

    def describe(self, state, lang):
        weights = ", ".join(_num(w) for w in state["weight"])
        biases = ", ".join(_num(b) for b in state["bias"])
        note = [] if state["allclose"] else [
            _line(text("arith.rounding", lang, diff=f"{state['max_diff']:.1e}")),
            _line("torch.allclose(conv(X), X·m + a, atol=1e-6) = ",
                  (str(state["allclose_atol"]), "code b output" if state["allclose_atol"]
                   else "code b error"))]
        return [
            _line(text("arith.weight", lang) + " = ", (f"[{weights}]", "code kernel")),
            _line(text("arith.bias", lang) + " = ", (f"[{biases}]", "code bias")),
            _line(text("arith.allclose", lang) + " = ",
                  (str(state["allclose"]),
                   "code b output" if state["allclose"] else "code b error"),
                  f"   ({text('arith.maxdiff', lang)}: {state['max_diff']:.2e})"),
            *note,
        ]

    def painter(self, fig, lang, static):
        return drawing.ArithmeticPainter(fig, lang, self.channels, self.size)


def channel_arithmetic_explorer(lang: str = "en", *, static: bool | None = None,
                                mul_vals: Sequence[float] = (1.0, 2.0, 3.0),
                                add_vals: Sequence[float] = (3.0, 2.0, 1.0),
                                seed: int = 0) -> Explorer | Figure:
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
    return _explore(_ArithmeticModel(len(mul_vals)), values, lang, static)


# --- 5. MNIST filter explorer ----------------------------------------------------------------

def _image_at(images: Any, index: int) -> tuple[torch.Tensor, int | None]:
    """Image ``index`` of a dataset or tensor as ``(1, 1, H, W)`` float, and its label if known."""
    item, label = images[index], None
    if isinstance(item, (tuple, list)):
        item, label = item[0], (item[1] if len(item) > 1 else None)
        if isinstance(label, torch.Tensor):
            label = label.item()
        label = int(label) if label is not None else None
    x = item if isinstance(item, torch.Tensor) else torch.from_numpy(np.array(item))
    x = x.detach().cpu()
    x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[0] != 1:
        raise ValueError("expected grayscale images: each item (1, H, W) or (H, W), or a tensor "
                         f"(N, 1, H, W); item {index} has shape {tuple(x.shape)}")
    return x[None], label


class _FilterModel(_Model):
    figsize = (8.0, 2.9)
    help_key = "mnist.help"

    def __init__(self, images: Any, layer: nn.Conv2d | None):
        self.images, self.layer = images, layer
        self.names = [*KERNELS, "random"] + (["layer"] if layer is not None else [])

    def controls(self, values, lang):
        c = {
            "index": _int_slider("mnist.index", lang, values["index"], 0, len(self.images) - 1),
            "kernel": _dropdown("mnist.kernel", lang,
                                [(text(f"mnist.k_{n}", lang), n) for n in self.names],
                                values["kernel"]),
            "seed": _int_slider("seed", lang, values["seed"], 0, 99),
        }
        if self.layer is not None:
            c["filter"] = _int_slider("mnist.filter", lang, values["filter"], 0,
                                      self.layer.out_channels - 1)
        return c, _grid(list(c.values()))

    def sync(self, controls, changed):
        controls["seed"].disabled = controls["kernel"].value != "random"
        if "filter" in controls:
            controls["filter"].disabled = controls["kernel"].value != "layer"

    def compute(self, v):
        image, label = _image_at(self.images, v["index"])
        name = v["kernel"]
        state: dict[str, Any] = {"index": v["index"], "label": label, "kernel_name": name,
                                 "filter": None}
        with torch.no_grad():
            if name == "layer":
                f = int(v["filter"])
                weight = self.layer.weight
                out = self.layer(image.to(weight.device, weight.dtype))
                kernel, fmap = weight[f, 0], out[0, f]
                state.update(filter=f, computed=f"layer(image)[0, {f}]")
            else:
                if name == "random":
                    generator = torch.Generator().manual_seed(int(v["seed"]))
                    kernel = torch.randn(3, 3, generator=generator)
                else:
                    kernel = KERNELS[name]
                fmap = F.conv2d(image, kernel.reshape(1, 1, 3, 3), padding=1)[0, 0]
                state["computed"] = "F.conv2d(image, kernel.reshape(1, 1, 3, 3), padding=1)"
        state.update(image=image[0, 0].numpy(), kernel=kernel.detach().cpu().double().numpy(),
                     feature_map=fmap.detach().cpu().double().numpy(),
                     fmap_shape=tuple(fmap.shape))
        return state

    def describe(self, state, lang):
        fmap = state["feature_map"]
        rows = ["[" + ", ".join(_num(w) for w in row) + "]" for row in state["kernel"]]
        return [
            _line(text("mnist.kernel_title", lang, name=drawing.kernel_label(state, lang)) + " = ",
                  ("[" + ", ".join(rows) + "]", "code kernel")),
            _line(text("mnist.computed", lang) + ": ", (state["computed"], "code"), " → ",
                  (_shape(state["fmap_shape"]), "code output")),
            _line(text("mnist.range", lang, lo=f"{fmap.min():.3g}", hi=f"{fmap.max():.3g}")),
        ]

    def painter(self, fig, lang, static):
        return drawing.FilterPainter(fig, lang)


def mnist_filter_explorer(images: Any, lang: str = "en", *, static: bool | None = None,
                          kernel: str = "sobel_x", layer: nn.Conv2d | None = None,
                          index: int = 0, seed: int = 0, filter: int = 0) -> Explorer | Figure:
    """Pick a digit and a kernel and see the feature map, with the kernel's numbers (lesson 04).

    ``images``: a dataset of ``(image, label)`` (e.g. torchvision's MNIST, PIL or tensor images)
    or a tensor ``(N, 1, H, W)``/``(N, H, W)``. ``kernel``: one of :data:`KERNELS`, ``"random"``
    (``torch.randn(3, 3)`` with ``seed``) or ``"layer"`` (filter ``filter`` of ``layer``, an
    ``nn.Conv2d`` with ``in_channels=1``).
    """
    if len(images) == 0:
        raise ValueError("images is empty")
    if layer is not None:
        if not isinstance(layer, nn.Conv2d) or layer.in_channels != 1:
            raise ValueError("layer must be an nn.Conv2d with in_channels=1 (one grayscale "
                             f"channel), got {layer!r}")
    model = _FilterModel(images, layer)
    if kernel not in model.names:
        hint = " (pass layer= to use 'layer')" if kernel == "layer" else ""
        raise ValueError(f"kernel must be one of {model.names}, got {kernel!r}{hint}")
    if not 0 <= index < len(images):
        raise ValueError(f"index must be between 0 and {len(images) - 1}, got {index}")
    if layer is not None and not 0 <= filter < layer.out_channels:
        raise ValueError(f"filter must be between 0 and {layer.out_channels - 1}, got {filter}")
    values = {"index": index, "kernel": kernel, "seed": seed, "filter": filter}
    return _explore(model, values, lang, static)
