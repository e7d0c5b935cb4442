"""Depthwise convolution on the maps as they are: the route :mod:`.depthwise` takes when a
map's rows are long (lesson 06).

Each kernel tap reads, for the output cells whose window it keeps inside the input, a
rectangle of the unpadded input: tap ``(i, j)`` moves output cell ``(y, x)`` to input cell
``(y + i*d_h - top, x + j*d_w - left)``, and output cells whose tap falls on the padding are
left out of that tap's multiply-add. So nothing is copied: no padded input, no "wide" grid of
outputs cut back to size (:class:`.depthwise._Flat`), and the taps sum straight into the
result. On long rows (56 cells and more) a tap's multiply-add over a rectangle runs about as
fast as over the flat route's run across rows, and the two copies the flat route makes are
worth most with few taps: a 3x3 kernel on 32 maps of 112x112 at batch 2 went from 2.2 ms to
1.4 ms, on 144 maps of 56x56 from 2.4 to 1.6 (``benchmarks/README.md``).

At a stride, output row ``y`` reads input rows from ``y*s_h``: every ``s_h``-th row, a
view's step, still nothing copied. Columns ``s_w`` apart cannot be read so (a multiply-add
over every other cell runs one number at a time), so the columns are summed at stride 1, on
the :func:`full_columns`, and every ``s_w``-th is kept: twice the multiply-adds at stride 2,
where the flat route cuts the input into ``s_h*s_w`` sub-images, a copy of cells two apart
that took longer than the sums it saves (``benchmarks/README.md``).

On rows of 28 to 55 cells at stride 1 the gradients take the rectangles too, and the forward
pass does on a large input (:class:`ShortRowKernels`, :data:`LARGE_INPUT`). Maps laid out
channels last (a model moved to ``torch.channels_last``) take the same rectangles at stride 1
(:mod:`.depthwise_maps_last`).

The taps that land on padding multiply only zeros, which add nothing, as long as the weights
are finite: an infinite or NaN weight times the padding's zeros is NaN, which the flat route
gives (as PyTorch's sums do in float64 and for dense layers), so such weights take it.
The gradients are the same rectangles run backwards, the output's gradient spread over the
full columns with zeros between at a stride; where the weight's gradient meets an infinity
or a NaN (or those zeros meet one in the input, or in the weight for the input's gradient)
it is taken channels last (:class:`.depthwise_last.ChannelsLastKernels`), which multiplies
exactly the cells PyTorch does.
"""
from __future__ import annotations

import functools
from typing import Callable

import torch

from . import cache
from . import depthwise as flat
from .autograd import Conf, in_float32
from .depthwise_last import ChannelsLastKernels
from .rectangles import span
from .threads import equal_size

#: Least input cells a row for this route (:func:`wide_rows`). Against the flat route, 3x3 at
#: batch 2 and 8 (time of this route / flat's, interleaved, several runs): 112x112 maps
#: 0.65-0.94, 56x56 0.77-0.89, 28x28 0.75-1.13 (192 channels), 0.99 (96).
MIN_ROW = 56
#: Most kernel taps for this route: each tap's rectangle is a little slower to sweep than the
#: flat route's run across rows, and the two copies saved are worth fewer taps the larger the
#: kernel. 5x5: 0.64-1.13 on 56x56, 0.80-1.01 on 112x112, 0.82-1.35 on 28x28; 7x7: 1.15-1.30.
MAX_TAPS = 9
#: Least input cells a row for the maps route's gradients (:func:`gradient_rows`), and for its
#: forward pass on an input of at least :data:`LARGE_INPUT` cells (:func:`wide_rows`).
MIN_GRADIENT_ROW = 28
#: Least input cells (2 MiB of float32) for the forward pass's rectangles on rows of
#: :data:`MIN_GRADIENT_ROW` to :data:`MIN_ROW` cells. On a smaller input the flat route's two
#: copies stay in the cache and its runs across rows beat rows this short. 3x3 on 28x28 maps,
#: ratio to F.conv2d, flat / rectangles, two or three runs: 40 channels at batch 8 (251k cells)
#: 2.07-2.40 / 2.35-2.60; 64 at batch 8 (401k) 2.21-2.31 / 2.50-2.62; 88 at batch 8 (552k)
#: 2.39-2.84 / 2.10-2.68; 96 at batch 8 (602k) 2.51-3.10 / 2.20-2.63; 192 at batch 8 (1.2M)
#: 0.84-1.85 / 0.55-1.39; 144-192 at batch 2 (226k-301k) mostly flat.
LARGE_INPUT = 2**19


def wide_rows(lay: flat._Flat) -> bool:
    """Whether a call reads its taps as rectangles of the maps as they are: at most
    :data:`MAX_TAPS` taps, on input rows of at least :data:`MIN_ROW` cells at any row stride
    and a column stride of at most 2 (the :func:`full_columns` make ``s_w`` times the
    multiply-adds; measured at 2), or of :data:`MIN_GRADIENT_ROW` on an input of
    :data:`LARGE_INPUT` cells at stride 1 (what was measured there). A rule on the layer's own
    sizes, no table."""
    (h, w) = lay.map_size
    large = lay.maps * h * w >= LARGE_INPUT
    return long_rows(lay) or (lay.k_h * lay.k_w <= MAX_TAPS and large and _short_rows(lay))


def long_rows(lay: flat._Flat) -> bool:
    """At most :data:`MAX_TAPS` taps on input rows of at least :data:`MIN_ROW` cells, at a
    column stride of at most 2: where this route's rectangles run at full speed on the maps
    as they are, with no copies."""
    return lay.k_h * lay.k_w <= MAX_TAPS and lay.map_size[1] >= MIN_ROW and lay.s_w <= 2


def _short_rows(lay: flat._Flat) -> bool:
    """Rows of at least :data:`MIN_GRADIENT_ROW` cells at stride 1."""
    return lay.map_size[1] >= MIN_GRADIENT_ROW and (lay.s_h, lay.s_w) == (1, 1)


def gradient_rows(lay: flat._Flat) -> bool:
    """Whether a call too short in its rows for :func:`wide_rows` takes
    :class:`ShortRowKernels`: at most :data:`MAX_TAPS` taps on rows of at least
    :data:`MIN_GRADIENT_ROW` cells, at stride 1 (measured there)."""
    return lay.k_h * lay.k_w <= MAX_TAPS and _short_rows(lay)


def full_columns(lay: flat._Flat) -> int:
    """Output columns computed at stride 1 along the rows: every column from the first output
    column to the last, ``(Wo - 1) * s_w + 1``; at a column stride the result keeps every
    ``s_w``-th (:meth:`MapKernels.conv`)."""
    return max(0, (lay.out_size[1] - 1) * lay.s_w + 1)


Rectangle = tuple[int, slice, slice, slice, slice]


@functools.lru_cache(maxsize=256)
def _rectangles(lay: flat._Flat) -> tuple[list[Rectangle], bool, list[Rectangle], bool]:
    """Each tap that reads any input cell as ``(tap, output rows, output columns, input
    rows, input columns)``, twice: first a tap whose rectangle holds every output cell, then
    first one whose rectangle holds every input cell, if one does (the middle tap of a 'same'
    convolution: it starts the sum, with no zeros written first); and whether one did.

    Output rows step ``s_h`` input rows (a view's step); output columns are the
    :func:`full_columns`, one input column apart."""
    top, _, left, _ = lay.pad
    (h, w), (h_o, _), (d_h, d_w) = lay.map_size, lay.out_size, lay.dilation
    w_f, s_h = full_columns(lay), lay.s_h
    step = s_h if s_h > 1 else None
    rects = []
    for t, (i, j) in enumerate((i, j) for i in range(lay.k_h) for j in range(lay.k_w)):
        # output cell (y, x) reads (y*s_h + i*d_h - top, x + j*d_w - left)
        rows, cols = span(h, h_o, i * d_h - top, s_h), span(w, w_f, j * d_w - left, 1)
        if rows and cols:
            (y0, y1, in_y), (x0, x1, in_x) = rows, cols
            rects.append((t, slice(y0, y1), slice(x0, x1),
                          slice(in_y, in_y + (y1 - y0 - 1) * s_h + 1, step),
                          slice(in_x, in_x + x1 - x0)))

    def first(whole: tuple[slice, slice], at: int) -> tuple[list[Rectangle], bool]:
        for n, rect in enumerate(rects):
            if rect[at:at + 2] == whole:
                return [rect, *rects[:n], *rects[n + 1:]], True
        return rects, False

    return (*first((slice(0, h_o), slice(0, w_f)), 1), *first((slice(0, h), slice(0, w)), 3))


def equal_blocks(count: int, unit_bytes: int) -> list[tuple[int, int]]:
    """Equal ranges of ``count`` units (maps, or samples) of ``unit_bytes`` each, every range
    at most :func:`.cache.block_bytes` (one unit if a unit is larger)."""
    if not count:
        return []
    most = max(1, min(count, cache.block_bytes() // max(unit_bytes, 1)))
    return flat._ranges(count, equal_size(count, most))


def _blocks(lay: flat._Flat, element_size: int) -> list[tuple[int, int]]:
    """Equal ranges of maps whose input and output cells (with the full columns, at a column
    stride) take at most :func:`.cache.block_bytes`."""
    (h, w), (h_o, w_o) = lay.map_size, lay.out_size
    full = full_columns(lay) if lay.s_w > 1 else 0
    return equal_blocks(lay.maps, (h * w + lay.m * h_o * (w_o + full)) * element_size)


def _full(lay: flat._Flat, blocks: list[tuple[int, int]], like: torch.Tensor,
          zeros: bool = False) -> torch.Tensor | None:
    """At a column stride, a block's outputs on the :func:`full_columns` ``(R, m, Ho, Wf)``
    (None at column stride 1: the outputs themselves)."""
    if lay.s_w == 1:
        return None
    most = max((stop - start for start, stop in blocks), default=0)
    make = like.new_zeros if zeros else like.new_empty
    return make(most, lay.m, lay.out_size[0], full_columns(lay))


def _weight_grad(sums: Callable[[torch.Tensor, torch.Tensor, flat._Flat, list[Rectangle]],
                                torch.Tensor]) -> Callable[..., torch.Tensor]:
    """A route's weight gradient from ``sums(x, g, lay, rects)``, each tap's products of the
    output gradient with the cells the tap reaches, summed: ``(taps, C*m)``.

    The rectangles leave out the padding, whose zeros PyTorch multiplies by the output
    gradient (NaN where that is infinite or NaN), and at a column stride they add the zeros
    between the full columns times input cells that PyTorch does not multiply. So where the
    output gradient (no tap reads all of it) or the result (a tap that reads every output
    cell met every value of it) holds an infinity or a NaN, the gradient is taken channels
    last (:meth:`.depthwise_last.ChannelsLastKernels.grad_weight_last`), which multiplies
    exactly the cells PyTorch does."""
    def grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay = flat._flat(x, x.shape[1], g.shape[1], conf)
        rects, whole, _, _ = _rectangles(lay)
        if not whole and not flat.finite(g):
            return ChannelsLastKernels.grad_weight_last(x, g, conf)
        grad = sums(x, g, lay, rects)
        if (whole or lay.s_w > 1) and not flat.finite(grad):
            return ChannelsLastKernels.grad_weight_last(x, g, conf)
        return grad.t().reshape(lay.c_in * lay.m, 1, lay.k_h, lay.k_w)
    return staticmethod(in_float32(grad_weight))


def _map_sums(x: torch.Tensor, g: torch.Tensor, lay: flat._Flat,
              rects: list[Rectangle]) -> torch.Tensor:
    """:class:`MapKernels`' sums for :func:`_weight_grad`: per map and tap, then over the
    samples."""
    in_maps = x.reshape(lay.maps, 1, *lay.map_size)
    g_maps = g.reshape(lay.maps, lay.m, *lay.out_size)
    grad = x.new_zeros(lay.k_h * lay.k_w, lay.maps, lay.m)          # taps on padding only: 0
    blocks = _blocks(lay, x.element_size())
    full = _full(lay, blocks, x, zeros=True)              # the columns between stay zero
    most = max((stop - start for start, stop in blocks), default=0)
    product = x.new_empty(most * lay.m * lay.out_size[0] * full_columns(lay))
    for start, stop in blocks:
        maps, grads, sums = in_maps[start:stop], g_maps[start:stop], grad[:, start:stop]
        if full is not None:
            full[:stop - start, ..., ::lay.s_w] = grads
            grads = full[:stop - start]
        for t, ys, xs, in_ys, in_xs in rects:                       # each tap: g x its cells
            shape = (stop - start, lay.m, ys.stop - ys.start, xs.stop - xs.start)
            cells = product[:shape[0] * shape[1] * shape[2] * shape[3]].view(shape)
            torch.mul(grads[:, :, ys, xs], maps[:, :, in_ys, in_xs], out=cells)
            torch.sum(cells.flatten(2), -1, out=sums[t])            # a contiguous product
    return grad.view(lay.k_h * lay.k_w, lay.n, lay.c_in * lay.m).sum(1)


class MapKernels(flat.DepthwiseKernels):
    """The three maps as sums over rectangles of the maps (:func:`wide_rows`), at a column
    stride on the :func:`full_columns`."""

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        if not flat.finite(w):     # times the padding's zeros: NaN, which the flat route gives
            return flat.DepthwiseKernels.conv(x, w, b, conf)
        lay = flat._flat(x, x.shape[1], w.shape[0], conf)
        rects, starts, _, _ = _rectangles(lay)
        weights = lay.per_map(w).unsqueeze(-1).unsqueeze(-1)        # (N*C, m, taps, 1, 1)
        bias = None if b is None else lay.per_map(b).unsqueeze(-1)  # (N*C, m, 1, 1)
        out = x.new_empty(lay.n, lay.c_in * lay.m, *lay.out_size)
        out_maps = out.view(lay.maps, lay.m, *lay.out_size)
        in_maps = x.reshape(lay.maps, 1, *lay.map_size)
        blocks = _blocks(lay, x.element_size())
        full = _full(lay, blocks, x)
        for start, stop in blocks:
            block, maps = out_maps[start:stop], in_maps[start:stop]
            sums = block if full is None else full[:stop - start]
            taps = weights[start:stop].unbind(2)                     # (R, m, 1, 1) per tap
            if not starts:                     # no tap reaches every output: start from b or 0
                if bias is None:
                    sums.zero_()
                else:
                    sums.copy_(bias[start:stop].expand_as(sums))
            for n, (t, ys, xs, in_ys, in_xs) in enumerate(rects):
                cells = maps[:, :, in_ys, in_xs]
                if n or not starts:
                    sums[:, :, ys, xs].addcmul_(cells, taps[t])
                else:
                    torch.mul(cells, taps[t], out=sums)
            if full is not None:               # every s_w-th column
                block.copy_(sums[..., ::lay.s_w])
            if starts and bias is not None:  # a pass of its own: addcmul with a bias of one
                block += bias[start:stop]    # value a map ran 3-6x slower than a tap
        return out

    @staticmethod
    @in_float32
    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        if conf.stride[1] > 1 and not flat.finite(w):   # the full columns' zeros times inf
            return ChannelsLastKernels.grad_input(g, w, conf)
        lay = flat._flat(g, conf.groups, w.shape[0], conf)
        _, _, rects, starts = _rectangles(lay)
        weights = lay.per_map(w).unsqueeze(-1).unsqueeze(-1)        # (N*C, m, taps, 1, 1)
        grad_x = g.new_empty(lay.n, lay.c_in, *lay.map_size)
        x_maps = grad_x.view(lay.maps, 1, *lay.map_size)
        g_maps = g.reshape(lay.maps, lay.m, *lay.out_size)
        blocks = _blocks(lay, g.element_size())
        full = _full(lay, blocks, g, zeros=True)          # the columns between stay zero
        for start, stop in blocks:
            block, grads = x_maps[start:stop], g_maps[start:stop]
            if full is not None:                                     # every s_w-th column
                full[:stop - start, ..., ::lay.s_w] = grads
                grads = full[:stop - start]
            taps = weights[start:stop].unbind(2)                     # (R, m, 1, 1) per tap
            if not starts:
                block.zero_()
            for n, (t, ys, xs, in_ys, in_xs) in enumerate(rects):   # each cell collects g x tap
                cells, g_cells = block[:, :, in_ys, in_xs], grads[:, :, ys, xs]
                if lay.m > 1:                                        # summed over the m outputs
                    product = (g_cells * taps[t]).sum(1, keepdim=True)
                    cells.add_(product) if n or not starts else cells.copy_(product)
                elif n or not starts:
                    cells.addcmul_(g_cells, taps[t])
                else:
                    torch.mul(g_cells, taps[t], out=cells)
        return grad_x

    grad_weight = _weight_grad(_map_sums)


class ShortRowKernels(MapKernels):
    """On rows of 28 to 55 cells of a smaller input at stride 1 (:func:`gradient_rows`): the
    flat route's forward pass and the maps route's gradients. There the forward pass's
    rectangles lost to the flat route's runs across rows (3x3 on 28x28 at batch 2: 1.87-2.13
    times F.conv2d's time against 2.14-2.41; :data:`LARGE_INPUT`), while the gradients'
    rectangles, which skip the flat route's copies (the output gradient onto a wide grid, the
    input into a padded buffer), won or tied (forward + backward of those layers 2.06-3.25 ->
    1.56-2.34, ``benchmarks/README.md``). On 14x14 maps they lost (32 channels: 2.10 -> 2.29).
    """

    conv = staticmethod(flat.DepthwiseKernels.conv)
