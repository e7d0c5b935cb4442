"""The receptive-field explorer: which input cells one output cell of a small stack depends on.

Lesson 09. Up to four layers, each a convolution (``nn.Conv2d``), a max pooling
(``nn.MaxPool2d``) or an average pooling (``nn.AvgPool2d``) with its kernel, stride, padding and
dilation. For the chosen output cell the explorer asks autograd: the input cells where
``∂out[i, j] / ∂input`` is not zero are the ones it depends on. Beside them stand the numbers of
the recurrence (:func:`convlab.conv.geometry.receptive_fields`) and the region they predict.

Max pooling passes its gradient to the largest cell of each window only, so its gradient shows
the cells that matter *for this input*; the cells it *can* depend on come from the same stack
with each max replaced by a sum over the same windows (all layers are then linear with positive
weights, so no gradient cancels by accident).
"""
from __future__ import annotations

import dataclasses
import functools
import warnings

import ipywidgets as widgets
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..conv.geometry import ReceptiveField, receptive_fields
from ..figures import style
from ..i18n import text
from .base import Explorer, ExplorerModel, ExplorerState
from .controls import disable, dropdown, int_slider
from .linked import linked_data, panel, product_links, sentence
from .readout import error_lines, line
from .receptive_picture import ReceptivePainter, receptive_scene

__all__ = ["receptive_field_explorer"]

MAX_LAYERS = 4
KINDS = ("conv", "max", "avg")
LAYER_FIELDS = ("kind", "kernel", "stride", "padding", "dilation")


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """One layer of the stack: its kind and its (square) arguments."""

    kind: str                  # "conv", "max" or "avg"
    kernel: int
    stride: int
    padding: int
    dilation: int              # ignored by "avg": nn.AvgPool2d has no dilation

    def module(self) -> nn.Module:
        """The PyTorch layer: a one-channel convolution with all weights 1, or the pooling."""
        if self.kind == "conv":
            conv = nn.Conv2d(1, 1, self.kernel, stride=self.stride, padding=self.padding,
                             dilation=self.dilation, bias=False)
            nn.init.ones_(conv.weight)
            return conv
        if self.kind == "max":
            return nn.MaxPool2d(self.kernel, self.stride, self.padding, self.dilation)
        return nn.AvgPool2d(self.kernel, stride=self.stride, padding=self.padding)

    def layer(self) -> nn.Module:
        """:meth:`module`, built once per setting and shared (its weights never change and
        take no gradient): an update runs the stack three times, building it once."""
        return _layer(self)

    def axis(self) -> tuple[int, int, int, int]:
        """``(kernel, stride, padding, dilation)`` for :func:`receptive_fields`."""
        return (self.kernel, self.stride, self.padding, 1 if self.kind == "avg" else self.dilation)


@functools.lru_cache(maxsize=256)
def _layer(spec: LayerSpec) -> nn.Module:
    module = spec.module()
    module.requires_grad_(False)
    return module


@dataclasses.dataclass(frozen=True)
class ReceptiveParams:
    """The controls: input size, how many layers, each layer's arguments, the output cell."""

    size: int
    layers: int
    specs: tuple[LayerSpec, ...]
    row: int
    col: int


@dataclasses.dataclass(kw_only=True)
class ReceptiveState(ExplorerState):
    """PyTorch's shapes and gradients for one setting, and the recurrence's numbers."""

    size: int
    specs: tuple[LayerSpec, ...]
    shapes: list[tuple[int, int]] = dataclasses.field(default_factory=list)   # after each layer
    fields: list[ReceptiveField] = dataclasses.field(default_factory=list)   # the recurrence
    position: tuple[int, int] = (0, 0)
    grad: np.ndarray | None = None          # ∂out[i, j]/∂input through the real stack (H, W)
    # what each output cell can see: cell (r, c) sees input (i, j) iff rows[r, i] and cols[c, j]
    reach_rows: np.ndarray | None = None    # (Ho, H) bool
    reach_cols: np.ndarray | None = None    # (Wo, W) bool
    predicted: tuple[int, int, int, int] | None = None    # rows r0..r1, columns c0..c1 (formula)
    measured: tuple[int, int, int, int] | None = None     # the same, from the gradient

    @property
    def agrees(self) -> bool:
        return self.predicted == self.measured

    def cell_reach(self, row: int, col: int) -> np.ndarray:
        """``(H, W)`` bool: the input cells output cell (row, col) can see."""
        return np.outer(self.reach_rows[row], self.reach_cols[col])

    @property
    def reach(self) -> np.ndarray:
        """``(Ho·Wo, H, W)`` bool: what each output cell can see, row-major."""
        rows, cols = self.reach_rows, self.reach_cols
        full = rows[:, None, :, None] & cols[None, :, None, :]
        return full.reshape(rows.shape[0] * cols.shape[0], rows.shape[1], cols.shape[1])


def window_sum(x: torch.Tensor, spec: LayerSpec, out_hw: tuple[int, int]) -> torch.Tensor:
    """The sum over each window of ``nn.MaxPool2d(spec)``: its windows, none of its max.

    ``F.unfold`` lists the windows; extra zeros after the input give ``ceil_mode``-style last
    windows room, and the result is cut to the pooling's own output size ``out_hw``.
    """
    p, s = spec.padding, spec.stride
    padded = F.pad(x, (p, p + s, p, p + s))
    cols = F.unfold(padded, spec.kernel, dilation=spec.dilation, stride=s)
    rows = (padded.shape[-2] - spec.dilation * (spec.kernel - 1) - 1) // s + 1
    sums = cols.sum(dim=1).reshape(x.shape[0], 1, rows, -1)
    return sums[..., :out_hw[0], :out_hw[1]]


def reach_of_every_cell(x: torch.Tensor, specs: tuple[LayerSpec, ...],
                        shapes: list[tuple[int, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """For every output cell, the input cells with a nonzero gradient in the linear stack (max
    pooling as a sum over its windows), as ``(rows, cols)``: ``(Ho, H)`` and ``(Wo, W)`` bool,
    output cell (r, c) reaching input cell (i, j) exactly when ``rows[r, i]`` and ``cols[c, j]``.

    Every layer of that stack sums rows and columns apart with positive weights, so the stack
    is ``out = R · x · Cᵀ`` with R, C ≥ 0 and ``∂out[r, c]/∂x[i, j] = R[r, i] · C[c, j]``:
    nonzero exactly when both factors are. Backward from a whole output row r gives
    ``R[r, i]`` times the column sums of C, from a whole output column the same for C; so
    Ho + Wo backward passes (batched) measure what one per output cell would.
    """
    x = x.detach().clone().requires_grad_(True)
    y = x
    for spec, shape in zip(specs, shapes):
        y = window_sum(y, spec, shape) if spec.kind == "max" else spec.layer()(y)
    out_h, out_w = y.shape[-2:]
    seeds = torch.cat([torch.eye(out_h)[:, :, None].expand(out_h, out_h, out_w),
                       torch.eye(out_w)[:, None, :].expand(out_w, out_h, out_w)])
    (grads,) = torch.autograd.grad(y, x, seeds.reshape(-1, *y.shape), is_grads_batched=True)
    nonzero = grads[:, 0, 0] != 0                               # (Ho + Wo, H, W)
    return nonzero[:out_h].any(2), nonzero[out_h:].any(1)


def bounds(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """First and last row and column where ``mask`` is true, or None if it is empty."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])) if rows.size else None


class ReceptiveModel(ExplorerModel[ReceptiveParams, ReceptiveState]):
    params_type = ReceptiveParams
    figsize = (9.0, 4.0)
    help_key = "receptive.help"
    legend = [(style.INPUT, "receptive.key_grad"), (style.KERNEL, "receptive.key_formula"),
              (style.PADDING, "receptive.key_max"), (style.OUTPUT, "receptive.key_cell")]

    def controls(self, values, lang):
        c: dict[str, widgets.Widget] = {
            "size": int_slider("receptive.size", lang, values["size"], 4, 28),
            "layers": int_slider("receptive.layers", lang, values["layers"], 1, MAX_LAYERS),
        }
        kinds = [(text(f"receptive.kind_{k}", lang), k) for k in KINDS]
        columns = []
        for n in range(MAX_LAYERS):
            c[f"kind_{n}"] = dropdown("receptive.kind", lang, kinds, values[f"kind_{n}"])
            c[f"kernel_{n}"] = int_slider("kernel_size", lang, values[f"kernel_{n}"], 1, 7)
            c[f"stride_{n}"] = int_slider("receptive.stride", lang, values[f"stride_{n}"], 1, 4)
            c[f"padding_{n}"] = int_slider("receptive.padding", lang, values[f"padding_{n}"], 0, 3)
            c[f"dilation_{n}"] = int_slider("receptive.dilation", lang, values[f"dilation_{n}"],
                                            1, 4)
            for name in LAYER_FIELDS:
                c[f"{name}_{n}"].layout = widgets.Layout(width="300px")
                c[f"{name}_{n}"].style = {"description_width": "130px"}
            title = widgets.HTML(f"<b>{text('receptive.layer', lang, n=n + 1)}</b>")
            columns.append(widgets.VBox([title] + [c[f"{name}_{n}"] for name in LAYER_FIELDS]))
        c["row"] = int_slider("receptive.row", lang, values["row"], 0, max(values["row"], 0))
        c["col"] = int_slider("receptive.col", lang, values["col"], 0, max(values["col"], 0))
        layers = widgets.GridBox(columns, layout=widgets.Layout(
            grid_template_columns="repeat(2, 310px)", grid_gap="4px 12px"))
        return c, widgets.VBox([widgets.HBox([c["size"], c["layers"]]), layers,
                                widgets.HBox([c["row"], c["col"]])])

    def params(self, values):
        specs = tuple(LayerSpec(values[f"kind_{n}"], values[f"kernel_{n}"], values[f"stride_{n}"],
                                values[f"padding_{n}"], values[f"dilation_{n}"])
                      for n in range(MAX_LAYERS))
        return ReceptiveParams(size=values["size"], layers=values["layers"],
                               specs=specs[:values["layers"]], row=values["row"], col=values["col"])

    def sync(self, controls, changed):
        count = controls["layers"].value
        for n in range(MAX_LAYERS):
            off = "reason.layer_off" if n >= count else None
            for name in LAYER_FIELDS:
                disable(controls[f"{name}_{n}"], off, n=n + 1, count=count)
            if off is None and controls[f"kind_{n}"].value == "avg":
                disable(controls[f"dilation_{n}"], "reason.avg_dilation")
        if changed in ("row", "col"):
            return
        values = {name: w.value for name, w in controls.items()}
        shapes, error = self.shapes(self.params(values))
        out_h, out_w = shapes[-1] if error is None else (1, 1)
        controls["row"].max = max(out_h - 1, 0)
        controls["col"].max = max(out_w - 1, 0)
        disable(controls["row"], "reason.one_row" if out_h <= 1 else None)
        disable(controls["col"], "reason.one_col" if out_w <= 1 else None)

    @staticmethod
    def shapes(v: ReceptiveParams) -> tuple[list[tuple[int, int]], Exception | None]:
        """PyTorch's output size after each layer, or the error it raises."""
        shapes = []
        y = torch.zeros(1, 1, v.size, v.size)
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                for spec in v.specs:
                    y = spec.layer()(y)
                    shapes.append((int(y.shape[-2]), int(y.shape[-1])))
        except Exception as error:  # noqa: BLE001 - PyTorch's error is the result here
            return shapes, error
        return shapes, None

    def compute(self, v):
        state = ReceptiveState(size=v.size, specs=v.specs)
        shapes, error = self.shapes(v)
        state.update(shapes=shapes, fields=receptive_fields([s.axis() for s in v.specs]))
        if error is not None:
            state.failed(error)
            return state
        out_h, out_w = shapes[-1]
        row, col = min(v.row, out_h - 1), min(v.col, out_w - 1)
        x = torch.rand(1, 1, v.size, v.size, generator=torch.Generator().manual_seed(0)) + 0.5
        x.requires_grad_(True)
        y = x
        for spec in v.specs:
            y = spec.layer()(y)
        y[0, 0, row, col].backward()
        rows, cols = reach_of_every_cell(x, v.specs, shapes)
        field = state.fields[-1]
        (r0, r1), (c0, c1) = field.region(row, v.size), field.region(col, v.size)
        state.update(position=(row, col), grad=x.grad[0, 0].numpy(), reach_rows=rows.numpy(),
                     reach_cols=cols.numpy(),
                     predicted=(r0, r1, c0, c1) if r0 <= r1 and c0 <= c1 else None)
        state.update(measured=bounds(state.cell_reach(row, col)))
        return state

    def describe(self, state, lang):
        lines = error_lines(state.error, state.error_type, lang)
        for n, (spec, field) in enumerate(zip(state.specs, state.fields)):
            shape = state.shapes[n] if n < len(state.shapes) else None
            lines.append(line(
                (text("receptive.layer", lang, n=n + 1) + ": ", "b"),
                (layer_code(spec), "code"),
                "   " + (text("shape.out_plane", lang, h=shape[0], w=shape[1]) if shape else "-")
                + "   ",
                (text("receptive.numbers", lang, size=field.size, jump=field.jump,
                      start=field.start), "kernel")))
        if state.error is not None:
            return lines
        row, col = state.position
        lines.append(line((text("receptive.cell", lang, row=row, col=col), "output b")))
        lines.append(line((text("receptive.formula", lang) + ": ", "kernel"),
                          span_text(state.predicted, lang)))
        reach = state.cell_reach(row, col)
        lines.append(line((text("receptive.gradient", lang) + ": ", "input"),
                          span_text(state.measured, lang) + "  "
                          + text("receptive.count", lang, n=int(reach.sum()))))
        lines.append(line((text("receptive.agree" if state.agrees else "receptive.disagree", lang),
                           "b output" if state.agrees else "b error")))
        if any(spec.kind == "max" for spec in state.specs):
            lines.append(line(text("receptive.max_note", lang, n=int((state.grad != 0).sum()),
                                   m=int(reach.sum()))))
        return lines

    def painter(self, fig, lang, static):
        return ReceptivePainter(fig, lang, self.legend if static else None)

    def scene(self, state, lang, width, height):
        return receptive_scene(state, lang, width, height)

    def linked(self, state, lang):
        """Hover an output cell: the input cells it depends on light up (from the gradient).

        Sent by rows and columns (:func:`.linked.product_links`, :func:`.linked.sentence`):
        what an output cell sees is its row's input rows times its column's input columns,
        and its sentence is filled in by the browser. A few hundred bytes per setting instead
        of a pair and a sentence per output cell (up to 576 of them).
        """
        if state.error is not None:
            return None
        out_h, out_w = state.shapes[-1]
        size = state.size
        panels = [panel("input", text("input", lang), style.INPUT, size, size, None),
                  panel("output", text("output", lang), style.OUTPUT, out_h, out_w, None)]
        seen_rows = [np.flatnonzero(m).tolist() for m in state.reach_rows]
        seen_cols = [np.flatnonzero(m).tolist() for m in state.reach_cols]
        field = state.fields[-1]
        span, nothing = text("receptive.span", lang), text("receptive.nothing", lang)

        def ends(seen: list[list[int]]) -> tuple[list, list]:
            return [s[0] if s else None for s in seen], [s[-1] if s else None for s in seen]

        def predicted(count: int) -> tuple[list, list]:
            regions = [field.region(i, size) for i in range(count)]
            return ([a if a <= b else None for a, b in regions],
                    [b if a <= b else None for a, b in regions])

        (mr0, mr1), (mc0, mc1) = ends(seen_rows), ends(seen_cols)
        (pr0, pr1), (pc0, pc1) = predicted(out_h), predicted(out_w)
        sums = sentence(
            f"output[0, 0, {{row}}, {{col}}]: {text('receptive.gradient', lang)} {{measured}}; "
            f"{text('receptive.formula', lang)} {{predicted}}",
            parts={"measured": sentence(span, empty=nothing, rows={"r0": mr0, "r1": mr1},
                                        cols={"c0": mc0, "c1": mc1}),
                   "predicted": sentence(span, empty=nothing, rows={"r0": pr0, "r1": pr1},
                                         cols={"c0": pc0, "c1": pc1})})
        return linked_data(panels, 1, None, sums, text("linked.grid", lang),
                           text("receptive.hint", lang), text("linked.readers", lang),
                           products=[product_links(0, seen_rows, seen_cols)])


def layer_code(spec: LayerSpec) -> str:
    """The layer as a student would write it, arguments at their defaults left out."""
    name = {"conv": "nn.Conv2d(1, 1, ", "max": "nn.MaxPool2d(", "avg": "nn.AvgPool2d("}[spec.kind]
    parts = [str(spec.kernel)]
    default_stride = 1 if spec.kind == "conv" else spec.kernel
    if spec.stride != default_stride:
        parts.append(f"stride={spec.stride}")
    if spec.padding:
        parts.append(f"padding={spec.padding}")
    if spec.kind != "avg" and spec.dilation != 1:
        parts.append(f"dilation={spec.dilation}")
    return name + ", ".join(parts) + ")"


def span_text(span: tuple[int, int, int, int] | None, lang: str) -> str:
    if span is None:
        return text("receptive.nothing", lang)
    r0, r1, c0, c1 = span
    return text("receptive.span", lang, r0=r0, r1=r1, c0=c0, c1=c1)


def receptive_field_explorer(lang: str = "en", *, size: int = 16,
                             layers: list[dict] | tuple[dict, ...] = (
                                 {"kind": "conv", "kernel": 3}, {"kind": "conv", "kernel": 3}),
                             row: int | None = None, col: int | None = None) -> Explorer:
    """Pick an output cell of a stack of up to four layers and see the input it depends on.

    Lesson 09. ``layers``: dicts with ``kind`` ("conv", "max" or "avg") and any of ``kernel``,
    ``stride``, ``padding``, ``dilation`` (pooling's stride defaults to its kernel, as in
    PyTorch). The region comes from autograd, the numbers beside it from the recurrence of
    :func:`convlab.conv.geometry.receptive_fields`; bad settings show PyTorch's own error.
    """
    layers = list(layers)
    if not 1 <= len(layers) <= MAX_LAYERS:
        raise ValueError(f"between 1 and {MAX_LAYERS} layers, got {len(layers)}")
    values: dict = {"size": size, "layers": len(layers)}
    for n in range(MAX_LAYERS):
        given = dict(layers[n]) if n < len(layers) else {"kind": "conv", "kernel": 3}
        kind = given.get("kind", "conv")
        if set(given) - set(LAYER_FIELDS) or kind not in KINDS:
            raise ValueError(f"layer {n + 1}: {given!r}; use the keys {LAYER_FIELDS} and a kind "
                             f"from {KINDS}")
        kernel = int(given.get("kernel", 3))
        defaults = {"kernel": kernel, "stride": 1 if kind == "conv" else kernel, "padding": 0,
                    "dilation": 1}
        values.update({f"kind_{n}": kind, **{f"{name}_{n}": int(given.get(name, default))
                                             for name, default in defaults.items()}})
    model = ReceptiveModel()
    shapes, error = model.shapes(model.params({**values, "row": 0, "col": 0}))
    out_h, out_w = shapes[-1] if error is None else (1, 1)
    values.update(row=out_h // 2 if row is None else row, col=out_w // 2 if col is None else col)
    return Explorer(model, values, lang)
