"""Each depthwise tap's rectangle: the output cells whose window the tap keeps inside the
input map, and the input cells they read (lesson 06).

Tap ``(i, j)`` moves output cell ``(y, x)`` to input cell ``(y*s_h + i*d_h - top,
x*s_w + j*d_w - left)``. The output cells whose tap falls on the padding multiply only its
zeros, so a tap's multiply-add can leave them out: what is left is a rectangle of outputs,
reading a rectangle of the input a stride apart, with no padded copy of the input made.
:mod:`.depthwise_maps` reads them on maps as they are, :mod:`.depthwise_last` channels last.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .depthwise import _Flat

Span = tuple[int, int, int]


def span(size: int, out: int, shift: int, step: int) -> Span | None:
    """Along one axis, output cell ``o`` of ``out`` reads input cell ``o*step + shift``: the
    first and the end output cell whose input cell is one of the ``size`` real cells, and
    that first input cell; None when no output cell reads one."""
    first, end = max(0, -(shift // step)), min(out, (size - 1 - shift) // step + 1)
    return (first, end, first * step + shift) if first < end else None


@functools.lru_cache(maxsize=256)
def rectangles(lay: _Flat, backwards: bool) -> tuple[list[tuple[int, Span, Span]], bool]:
    """Each tap that reads a real input cell, as ``(tap, row span, column span)``
    (:func:`span`), and whether one of them holds every output cell (every input cell,
    ``backwards``); that one comes first, to start the sums with no zeros written first."""
    top, _, left, _ = lay.pad
    (h, w), (h_o, w_o), (d_h, d_w) = lay.map_size, lay.out_size, lay.dilation
    rects = []
    for t, (i, j) in enumerate((i, j) for i in range(lay.k_h) for j in range(lay.k_w)):
        rows, cols = span(h, h_o, i * d_h - top, lay.s_h), span(w, w_o, j * d_w - left, lay.s_w)
        if rows and cols:
            rects.append((t, rows, cols))

    def whole(axis: Span, size: int, out: int) -> bool:     # a step over 1 skips cells
        return axis[2] == 0 and axis[1] - axis[0] == size if backwards else axis[:2] == (0, out)

    for n, (_, rows, cols) in enumerate(rects):
        if whole(rows, h, h_o) and whole(cols, w, w_o):
            return [rects[n], *rects[:n], *rects[n + 1:]], True
    return rects, False


@functools.lru_cache(maxsize=256)
def padded_taps(lay: _Flat) -> list[tuple[int, Span, Span]]:
    """Every tap over the padded input, each reading all the output cells: ``(tap, row span,
    column span)`` in the padded input's cells, the padding's zeros included (what PyTorch
    multiplies, NaN where they meet an infinity; :func:`rectangles` leaves them out)."""
    (h_o, w_o), (d_h, d_w) = lay.out_size, lay.dilation
    return [(i * lay.k_w + j, (0, h_o, i * d_h), (0, w_o, j * d_w))
            for i in range(lay.k_h) for j in range(lay.k_w)]


def rectangle_views(outs: torch.Tensor, ins: torch.Tensor, rects: list[tuple[int, Span, Span]],
                    stride: tuple[int, int]) -> list[tuple[int, torch.Tensor, torch.Tensor]]:
    """For each tap's rectangle, its output cells of ``outs`` ``(..., Ho, Wo, C, m)`` and the
    input cells they read of ``ins`` ``(..., h, w, C, 1)``, a stride apart: one ``as_strided``
    view of each (slicing took four calls a tap, 5 µs, as long as a tap's multiply-add on a
    7x7 map)."""
    lead = outs.dim() - 4                                   # samples (and slices) in front
    o_steps, i_steps = outs.stride(), list(ins.stride())
    (o_h, o_w), (i_h, i_w) = o_steps[lead:lead + 2], i_steps[lead:lead + 2]
    i_steps[lead:lead + 2] = i_h * stride[0], i_w * stride[1]
    o_first, i_first = outs.storage_offset(), ins.storage_offset()
    front, o_back, i_back = outs.shape[:lead], outs.shape[lead + 2:], ins.shape[lead + 2:]
    views = []
    for t, (y0, y1, in_y), (x0, x1, in_x) in rects:
        count = (*front, y1 - y0, x1 - x0)
        cells = outs.as_strided((*count, *o_back), o_steps, o_first + y0 * o_h + x0 * o_w)
        reads = ins.as_strided((*count, *i_back), i_steps, i_first + in_y * i_h + in_x * i_w)
        views.append((t, cells, reads))
    return views


