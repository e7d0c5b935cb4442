"""Depthwise convolution with the channels innermost: the route :mod:`.depthwise` takes when a
map has few output cells a channel (:func:`channels_last`; lesson 06).

The same sum over kernel taps as the flat route, laid out ``(samples, rows, columns,
channels)``: each tap is a multiply-add over the channels of every position, the longer
contiguous run on small maps with many channels (the last layers of a MobileNet). Stride and
dilation are only the steps of each tap's view, so no sub-images are cut. Each tap reads
its rectangle of the input as it is (:mod:`.rectangles`, as :mod:`.depthwise_maps` does):
on a 7x7 map a 5x5 kernel's padding holds 31 % of the padded sum's multiply-adds, and no
padded copy is zeroed. Sizes, blocks and the flat route's kernels come from
:mod:`.depthwise`; a block's buffers and their views are kept between calls
(:mod:`.workspace`).
"""
from __future__ import annotations

import math
from typing import Any

import torch

from . import depthwise as flat
from .autograd import Conf, in_float32
from .layout import laid_out_channels_last
from .rectangles import Span, padded_taps, rectangle_views, rectangles
from .threads import by_thread, channel_parts, equal_size
from .workspace import Blocks, fresh, lane_step


#: The weight's gradient of this route's layers is taken flat at stride 1 only when the flat
#: route's run per map (:attr:`.depthwise._Flat.length`) has at least :data:`MIN_FLAT_RUN`
#: positions and the layer has fewer than :data:`MAX_FLAT_WORK` multiply-adds; else channels
#: last, each tap's products running over one slice of the channels a thread. Above the work
#: bound channels last won on 7x7 and 14x14 maps (0.48-0.91 of the flat time). Under it, with
#: the buffers and views kept between calls (:mod:`.workspace`), channels last / flat, the
#: weight's gradient alone (2-core machine, 3x3 unless said): runs of 222-358 (14x14-18x18
#: maps, 184-1152 channels, batch 1-4, and 5x5 on 14x14) 0.54-0.91 but one 1.00; 438 (20x20)
#: 0.82-0.94; 622-1086 (24x24-32x32) 0.76-1.22, no clear winner, so those stay flat. Forward
#: + backward of the layers the bound moved, interleaved: 0.73-0.88.
MIN_FLAT_RUN = 512
MAX_FLAT_WORK = 2**21


#: Channels last also for maps of up to this many output cells a channel (and sub-image)
#: when one sample's channels-last cells fit in a block (:func:`channels_last`).
MOST_CELLS_A_CHANNEL = 8


def channels_last(lay: flat._Flat) -> bool:
    """Whether a call runs channels-last (:class:`ChannelsLastKernels`): when a map has fewer
    output cells than channels, a multiply-add over the channels of every cell is the longer
    contiguous run (a 7x7 map of 960 channels: 49 cells against 960 channels; that layer of
    mobilenet_v2 at batch 8 went from 3.97x F.conv2d's forward to 2.85x,
    ``benchmarks/README.md``). The flat route's run (:attr:`.depthwise._Flat.length`) also
    holds the ``kW - 1`` cells a row of its wide grid computes and throws away, which a 5x5
    kernel on a 14x14 map makes 248 for 196 cells: 240 channels there ran forward 4.24x ->
    3.10x F.conv2d's channels-last at batch 8, 3.97x -> 3.49x at batch 2, forward + backward
    1.70x -> 1.31x (when the rule compared the channels with the run, it chose flat).

    At a stride the flat route also cuts ``s_h*s_w`` sub-images, a slow copy of cells ``s``
    apart that channels-last does not need, so there the cells may be up to ``s_h*s_w`` times
    the channels (3x3, stride 2, 192 channels on 28x28: 196 cells against 768; forward 3.35x
    F.conv2d's → 2.27x, forward + backward 3.37x → 2.70x).

    With its views kept between calls (:mod:`.workspace`) channels last also beat the other
    routes on larger maps, up to :data:`MOST_CELLS_A_CHANNEL` cells a channel, as long as a
    block holds a whole sample. Over 83 random depthwise layers, channels last / the route
    taken, forward and forward + backward: with a sample in a block and up to 8 cells a
    channel 0.51-1.13 and 0.43-1.05 against the flat route (34 layers), 0.82-1.07 and
    0.77-1.05 against the maps routes (9); above 8, 0.70-1.14 and 0.74-1.42 (24); with a
    sample larger than a block, 0.78-3.59 and 0.67-2.92 (16: the taps then read from beyond
    the L2 caches). Not where the maps route reads long rows as they are
    (:func:`.depthwise_maps.long_rows`): there the two transposing copies cost more than the
    longer runs save (3x3 at stride 2 on 56x56 maps, forward 1.11-1.17 of the maps route's
    time; ``benchmarks/README.md``). A rule on the layer's own sizes, no table of shapes."""
    from .depthwise_maps import long_rows
    cells, channels = lay.out_size[0] * lay.out_size[1], lay.c_in * lay.s_h * lay.s_w
    if cells < channels:
        return True
    return (cells <= MOST_CELLS_A_CHANNEL * channels and not long_rows(lay)
            and _Last(lay, lay.element_size, padded=False).sample_bytes <= lay.block_bytes)


class _Last:
    """One call's channels-last layout: a block of ``B`` samples as ``(B, h, w, C)`` (or
    padded, ``(B, Hp, Wp, C)``), each cell's channels innermost, and outputs as
    ``(B, Ho, Wo, C, m)``.

    Tap ``(i, j)`` reads, for output cell ``(y, x)``, the padded cell ``(y*s_h + i*d_h,
    x*s_w + j*d_w)``: for every output cell at once, one strided view of the block. Stride and
    dilation are only the view's steps, so no sub-images are cut: the input is copied once,
    with its padding, where the flat route copies it into ``s_h*s_w`` sub-images (cells two
    apart, a slow copy: a stride-2 layer of 576 channels on a 14x14 map went from 3.87x
    F.conv2d's forward to 2.59x, ``benchmarks/README.md``). Sizes are
    :class:`.depthwise._Flat`'s; the blocks hold as many samples as the caches do of what
    a call keeps: its input cells, padded or not, and ``outputs`` buffers the output's size
    (the weight's gradient keeps the output gradient and the products)."""

    def __init__(self, lay: flat._Flat, element_size: int, padded: bool = True,
                 outputs: int = 1):
        self.lay = lay
        (h, w), (h_o, w_o) = lay.in_size if padded else lay.map_size, lay.out_size
        numbers = (h * w * lane_step(lay.c_in, element_size)      # a block's buffers, a sample
                   + outputs * h_o * w_o * lane_step(lay.c_in * lay.m, element_size))
        self.sample_bytes = numbers * element_size
        most = max(1, min(lay.n, lay.block_bytes // max(self.sample_bytes, 1)))
        self.rows = equal_size(lay.n, most)             # equal blocks

    def blocks(self) -> list[tuple[int, int]]:
        """Ranges of samples, each block at most :attr:`rows` samples."""
        return flat._ranges(self.lay.n, self.rows)

    def _shape(self, size: tuple[int, int], numbers: int, parts: int) -> tuple[int, ...]:
        """A block of ``size`` cells of ``numbers`` each, ``(B, H, W, numbers)``, or in
        ``parts`` slices of the channels (:func:`.threads.by_thread`), ``(P, B, H, W,
        numbers/P)``."""
        if not parts:
            return (self.rows, *size, numbers)
        return (parts, self.rows, *size, numbers // parts)

    def cells(self, parts: int = 0) -> tuple[int, ...]:
        """A block's input cells without padding, ``(B, h, w, C)``: the forward pass's copy of
        the input, or where the input's gradient collects."""
        return self._shape(self.lay.map_size, self.lay.c_in, parts)

    def frame(self, parts: int = 0) -> tuple[int, ...]:
        """A block of padded samples, ``(B, Hp, Wp, C)``, whose padding :meth:`zero_frame`
        zeroes."""
        return self._shape(self.lay.in_size, self.lay.c_in, parts)

    def zero_frame(self, block: torch.Tensor) -> None:
        """Zero the padding's cells of a :meth:`frame`, leaving the interior for every block's
        copy to overwrite (zeroing whole blocks of 7x7 and 14x14 maps of hundreds of channels
        at batch 8 took 27-67 us a call, the frame's four strips about 20)."""
        (h_p, w_p), (top, bottom, left, right) = self.lay.in_size, self.lay.pad
        for rows, cols in ((slice(0, top), slice(None)), (slice(h_p - bottom, h_p), slice(None)),
                           (slice(None), slice(0, left)), (slice(None), slice(w_p - right, w_p))):
            block[..., rows, cols, :].zero_()

    def outputs(self, parts: int = 0) -> tuple[int, ...]:
        """A block's output cells, ``(B, Ho, Wo, C*m)``, seen as ``(..., C, m)`` by
        :meth:`split`."""
        return self._shape(self.lay.out_size, self.lay.c_in * self.lay.m, parts)

    def weights(self) -> tuple[int, ...]:
        """The weights, ``(taps, C*m)``: each tap's row one multiply-add's operand."""
        return (len(self.lay.taps), self.lay.c_in * self.lay.m)

    def split(self, t: torch.Tensor) -> torch.Tensor:
        """Output cells ``(..., C*m)`` as ``(..., C, m)``."""
        return t.unflatten(-1, (t.shape[-1] // self.lay.m, self.lay.m))

    def cells_last(self, t: torch.Tensor) -> torch.Tensor:
        """A block of outputs (or their gradient) ``(B, C*m, Ho, Wo)`` as ``(B, Ho, Wo, C, m)``
        (a view)."""
        lay = self.lay
        return t.reshape(t.shape[0], lay.c_in, lay.m, *lay.out_size).permute(0, 3, 4, 1, 2)

    def interior(self, block: torch.Tensor, padded: bool = True) -> torch.Tensor:
        """The input cells of a block ``(..., Hp, Wp, C')`` (``(..., h, w, C')`` if not
        ``padded``), as ``(..., C', h, w)`` (a view)."""
        top, _, left, _ = self.lay.pad if padded else (0, 0, 0, 0)
        h, w = self.lay.map_size
        return block[..., top:top + h, left:left + w, :].movedim(-1, -3)


def _tap_major(w: torch.Tensor, lay: flat._Flat,
               into: torch.Tensor | None = None) -> torch.Tensor:
    """Weights ``(C*m, 1, kH, kW)`` as ``(taps, C, m)``: each tap's weights contiguous, so
    that its multiply-add runs over the channels at full speed. Copied ``into`` a block's
    buffer (:meth:`_Last.weights`, whose taps' views are kept) when given."""
    taps = w.reshape(lay.c_in, lay.m, -1).permute(2, 0, 1)
    return taps.contiguous() if into is None else into.copy_(taps)


def _rectangle_sums(views: list[tuple[int, torch.Tensor, torch.Tensor]],
                    weights: list[torch.Tensor], lay: flat._Flat, starts: bool,
                    bias: torch.Tensor | None, backwards: bool = False) -> None:
    """Each tap's rectangle of channels-last cells times its weights, summed (``views`` from
    :func:`.rectangles.rectangle_views`, output cells and the input cells they read): the
    output's cells collect the input's (forward), or the input's cells collect the output
    gradient's (``backwards``), summed over the ``m`` outputs. The first rectangle starts the
    sums (``starts``; with ``bias`` added), else they hold their start."""
    for n, (t, cells, inputs) in enumerate(views):
        if backwards:
            if lay.m > 1:
                inputs += (cells * weights[t]).sum(-1, keepdim=True)
            elif n or not starts:
                inputs.addcmul_(cells, weights[t])
            else:
                torch.mul(cells, weights[t], out=inputs)
        elif n or not starts:
            cells.addcmul_(inputs, weights[t])
        elif bias is None:
            torch.mul(inputs, weights[t], out=cells)
        else:
            torch.addcmul(bias, inputs, weights[t], out=cells)


def _start(block: torch.Tensor, starts: bool, bias: torch.Tensor | None) -> None:
    """Set a block's output cells to what the taps add to: nothing when the first rectangle
    starts the sums, else the bias or zero."""
    if not starts and bias is None:
        block.zero_()
    elif not starts:
        block.copy_(bias.expand_as(block))


def _weight_sums(x: torch.Tensor, g: torch.Tensor, lay: flat._Flat,
                 padded: bool) -> torch.Tensor:
    """Each tap's products of the output gradient with the input cells it reads, summed:
    ``(taps, C, m)``. Over the tap's rectangle of the input as it is (:func:`.rectangles.
    rectangles`), or, ``padded``, over every cell of the padded input, the padding's zeros
    included (:func:`.rectangles.padded_taps`). The blocks hold one slice of the channels a
    thread, outermost (:func:`.threads.by_thread`), copied so: each thread multiplies and
    sums the numbers it copied."""
    last = _Last(lay, x.element_size(), padded=padded, outputs=2)
    rects = padded_taps(lay) if padded else rectangles(lay, backwards=False)[0]
    parts = channel_parts(lay.c_in)
    taps, stride = len(lay.taps), (lay.s_h, lay.s_w)
    every = len(rects) == taps                         # the first block writes every sum
    grad = (x.new_empty if lay.n and every else x.new_zeros)(taps, lay.c_in, lay.m)
    sums = by_thread(grad, parts, 1).unbind(1)                     # (P, C/P, m) a tap

    def views(buffers: list[torch.Tensor], count: int) -> tuple[Any, ...]:
        inputs, grads, products = buffers[0][:, :count], last.split(buffers[1][:, :count]), \
            buffers[2]
        return last.interior(inputs, padded), grads.permute(0, 1, 4, 5, 2, 3), [
            (t, g_cells, x_cells, products[:g_cells.numel()].view(g_cells.shape))
            for t, g_cells, x_cells in rectangle_views(grads, inputs.unsqueeze(-1), rects,
                                                       stride)]

    cells = last.frame(parts) if padded else last.cells(parts)
    outputs = last.outputs(parts)
    blocks = Blocks(x, ("weight", lay, last.rows, parts),
                    [cells, outputs, (math.prod(outputs),)], views, keep=not padded)
    if padded:
        last.zero_frame(blocks.buffers[0])
    for start, stop in last.blocks():
        interior, grads, tap_views = blocks[stop - start]
        interior.copy_(by_thread(x[start:stop], parts, 1))
        grads.copy_(by_thread(g[start:stop], parts, 1).unflatten(2, (-1, lay.m)))
        for t, g_cells, x_cells, product in tap_views:
            torch.mul(g_cells, x_cells, out=product)
            if start:
                sums[t].add_(product.sum((1, 2, 3)))
            else:
                torch.sum(product, (1, 2, 3), out=sums[t])
    return grad


class ChannelsLastKernels(flat.DepthwiseKernels):
    """The depthwise route channels-last (:func:`channels_last`): the same sums over taps as
    :class:`.depthwise.DepthwiseKernels`, each multiply-add running over the channels.

    The forward pass sums each tap's rectangle (:func:`.rectangles.rectangles`) unless a
    weight is infinite or NaN (then every tap over the padded input,
    :func:`.rectangles.padded_taps`). The input's gradient runs channels-last
    too: each tap adds the output gradient times its weight into its rectangle of the input's
    cells (30-50 % faster than flat on the layers this route takes). Rectangles against the
    padded blocks they replaced, 22 layers of 3x3 and 5x5 kernels on 7x7-28x28 maps: the
    forward pass 0.81-1.01 of the time, forward + backward 0.89-1.07 (``benchmarks/README.md``).
    The weight's gradient runs channels-last at a stride, where the flat route would cut
    sub-images, and on maps whose flat run is shorter than :data:`MIN_FLAT_RUN` positions: over
    the rectangles too, unless the output gradient holds an infinity or a NaN, which PyTorch
    multiplies by the padding's zeros (:meth:`grad_weight_last`).

    A block's buffers and their views are kept between calls (:mod:`.workspace`), but for an
    input laid out channels last, which the taps read where it lies, and for the padded
    fallbacks."""

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        lay = flat._flat(x, x.shape[1], w.shape[0], conf)
        padded = not flat.finite(w)     # times the padding's zeros: NaN, which PyTorch gives
        last = _Last(lay, x.element_size(), padded=padded)
        rects, starts = (padded_taps(lay), True) if padded else rectangles(lay, backwards=False)
        shape, stride = (lay.n, lay.c_in * lay.m, *lay.out_size), (lay.s_h, lay.s_w)
        bias = None if b is None else b.reshape(lay.c_in, lay.m)
        cells = last.frame() if padded else last.cells()
        if laid_out_channels_last(x):            # the taps sum straight into the result
            out = torch.empty(shape, dtype=x.dtype, device=x.device,
                              memory_format=torch.channels_last)
            cells_out = last.split(out.permute(0, 2, 3, 1))
            frame, weights = fresh(x, cells) if padded else None, _tap_major(w, lay).unbind(0)
            if frame is not None:
                last.zero_frame(frame)
            for start, stop in last.blocks():
                block = cells_out[start:stop]
                if frame is None:                # the input read where it lies
                    reads = x[start:stop].permute(0, 2, 3, 1)
                else:
                    reads = frame[:stop - start]
                    last.interior(reads).copy_(x[start:stop])
                _start(block, starts, bias)
                _rectangle_sums(rectangle_views(block, reads.unsqueeze(-1), rects, stride),
                                weights, lay, starts, bias)
            return out

        def views(buffers: list[torch.Tensor], count: int) -> tuple[Any, ...]:
            reads, block, taps = buffers[0][:count], last.split(buffers[1][:count]), \
                last.split(buffers[2])
            return (last.interior(reads, padded), block, block.permute(0, 3, 4, 1, 2),
                    rectangle_views(block, reads.unsqueeze(-1), rects, stride), taps,
                    taps.unbind(0))

        out = x.new_empty(shape)
        blocks = Blocks(x, ("conv", lay, last.rows), [cells, last.outputs(), last.weights()],
                        views, keep=not padded)
        if padded:
            last.zero_frame(blocks.buffers[0])
        *_, taps, weights = blocks[last.rows]
        _tap_major(w, lay, into=taps)
        for start, stop in last.blocks():
            interior, block, back, tap_views, _, _ = blocks[stop - start]
            interior.copy_(x[start:stop])
            _start(block, starts, bias)
            _rectangle_sums(tap_views, weights, lay, starts, bias)
            out.view(lay.n, lay.c_in, lay.m, *lay.out_size)[start:stop].copy_(back)
        return out

    @staticmethod
    @in_float32
    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay = flat._flat(g, conf.groups, w.shape[0], conf)
        last, (rects, starts) = _Last(lay, g.element_size(), padded=False), \
            rectangles(lay, backwards=True)
        starts, stride = starts and lay.m == 1, (lay.s_h, lay.s_w)
        shape = (lay.n, lay.c_in, *lay.map_size)
        if laid_out_channels_last(g):            # as PyTorch's: summed straight into it
            weights = _tap_major(w, lay).unbind(0)                  # (C, m) per tap
            grad_x = torch.empty(shape, dtype=g.dtype, device=g.device,
                                 memory_format=torch.channels_last)
            for start, stop in last.blocks():
                block = grad_x[start:stop].permute(0, 2, 3, 1)
                if not starts:
                    block.zero_()
                grads = last.cells_last(g[start:stop])             # (B, Ho, Wo, C, m)
                _rectangle_sums(rectangle_views(grads, block.unsqueeze(-1), rects, stride),
                                weights, lay, starts, None, backwards=True)
            return grad_x

        def views(buffers: list[torch.Tensor], count: int) -> tuple[Any, ...]:
            block, grads, taps = buffers[0][:count], last.split(buffers[1][:count]), \
                last.split(buffers[2])
            return (block, grads, block.permute(0, 3, 1, 2),
                    rectangle_views(grads, block.unsqueeze(-1), rects, stride), taps,
                    taps.unbind(0))

        grad_x = g.new_empty(shape)
        blocks = Blocks(g, ("input", lay, last.rows), [last.cells(), last.outputs(),
                                                       last.weights()], views)
        *_, taps, weights = blocks[last.rows]
        _tap_major(w, lay, into=taps)
        for start, stop in last.blocks():
            block, grads, back, tap_views, _, _ = blocks[stop - start]
            if not starts:
                block.zero_()
            grads.copy_(last.cells_last(g[start:stop]))
            _rectangle_sums(tap_views, weights, lay, starts, None, backwards=True)
            grad_x[start:stop].copy_(back)
        return grad_x

    @staticmethod
    @in_float32
    def grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay = flat._flat(x, x.shape[1], g.shape[1], conf)
        work = lay.n * lay.c_in * lay.m * lay.out_size[0] * lay.out_size[1] * len(lay.taps)
        if ((lay.s_h, lay.s_w) == (1, 1) and not laid_out_channels_last(x)
                and lay.length >= MIN_FLAT_RUN and work < MAX_FLAT_WORK):
            return flat.DepthwiseKernels.grad_weight(x, g, conf)
        _, whole = rectangles(lay, backwards=False)
        if not whole and not flat.finite(g):   # the padding's zeros times it: NaN in PyTorch
            return ChannelsLastKernels.grad_weight_last(x, g, conf)
        grad = _weight_sums(x, g, lay, padded=False)
        if whole and not flat.finite(grad):    # met every output's gradient: look closer
            return ChannelsLastKernels.grad_weight_last(x, g, conf)
        return grad.permute(1, 2, 0).reshape(lay.c_in * lay.m, 1, lay.k_h, lay.k_w)

    @staticmethod
    @in_float32
    def grad_weight_last(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        """The weight's gradient channels last, at any stride: each tap's products of the
        output gradient with the padded input's cells it reads, and no others (the other
        routes' exact answer when an infinity is about; :func:`_weight_sums`)."""
        lay = flat._flat(x, x.shape[1], g.shape[1], conf)
        grad = _weight_sums(x, g, lay, padded=True)
        return grad.permute(1, 2, 0).reshape(lay.c_in * lay.m, 1, lay.k_h, lay.k_w)
