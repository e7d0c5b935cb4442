"""Depthwise convolution on channels-last maps as they are: the rectangles of
:mod:`.depthwise_maps` at stride 1, for a model moved to ``torch.channels_last`` (lesson 06).

No copy into the default layout: each tap's weights are repeated along a row, laid out as a
channels-last row is, so that a multiply-add runs over whole rows of channels, not over one
cell's channels at a time (MobileNet's first depthwise layer, 32 channels of 112x112 at
batch 2: 1.46 ms forward and 8.9 ms forward + backward on the channels-last route, 1.17 and
6.8 here; ``benchmarks/README.md``). The output and the input's gradient are channels last,
as PyTorch's are; the weight's gradient takes :mod:`.depthwise_maps`' fall-backs for
infinities.
"""
from __future__ import annotations

import torch

from . import depthwise as flat
from . import depthwise_maps as map_route
from .autograd import Conf, in_float32
from .depthwise_last import ChannelsLastKernels


#: Most channels for :class:`LastMapKernels`: the channels-last route's multiply-adds run over
#: one cell's channels at a time, a short run with few channels, which rows of channels
#: lengthen; from about this many the run is long already and the rectangles' ragged edges
#: cost as much as they save. Forward + backward, time of this route / the channels-last
#: route's, 3x3 on 112x112 and 56x56 maps at batch 2 and 8 (interleaved with F.conv2d, and
#: in the zoo): 16 channels 0.75-0.86, 24 0.70-0.72, 32 0.77-0.86, 72 0.77-0.94; 144
#: 0.86-1.00 with its forward pass 0.92-1.20.
MAX_CHANNELS = 128


def channels_last_rows(lay: flat._Flat) -> bool:
    """Whether a channels-last call takes :class:`LastMapKernels`: long rows
    (:func:`.depthwise_maps.wide_rows`) at stride 1, fewer than :data:`MAX_CHANNELS` channels,
    one output channel per input channel."""
    return (map_route.wide_rows(lay) and (lay.s_h, lay.s_w) == (1, 1) and lay.m == 1
            and lay.c_in < MAX_CHANNELS)


def _tiled(w: torch.Tensor, lay: flat._Flat) -> list[torch.Tensor]:
    """Each tap's weights ``(1, C, 1, Wo)``, the same ``C`` numbers repeated along a row and
    laid out as a channels-last row is: with them a tap's multiply-add over a rectangle of
    channels-last maps runs along each whole row of channels, not along one cell's channels
    (32 numbers on MobileNet's first 112x112 layer) at a time."""
    taps, w_o = lay.k_h * lay.k_w, lay.out_size[1]
    rows = w.reshape(lay.c_in, taps).t().unsqueeze(1).expand(taps, w_o, lay.c_in).contiguous()
    return rows.permute(0, 2, 1).unsqueeze(1).unsqueeze(3).unbind(0)


def _last(t: torch.Tensor) -> torch.Tensor:
    return t.contiguous(memory_format=torch.channels_last)


def _sample_blocks(lay: flat._Flat, element_size: int) -> list[tuple[int, int]]:
    """Equal ranges of samples whose input and output cells take at most
    :func:`.cache.block_bytes`."""
    (h, w), (h_o, w_o) = lay.map_size, lay.out_size
    return map_route.equal_blocks(lay.n, (h * w + h_o * w_o) * lay.c_in * element_size)


def _last_sums(x: torch.Tensor, g: torch.Tensor, lay: flat._Flat,
               rects: list[map_route.Rectangle]) -> torch.Tensor:
    """:class:`LastMapKernels`' sums for :func:`.depthwise_maps._weight_grad`, over samples and
    cells at once for each tap."""
    x, g = _last(x), _last(g)
    grad = x.new_zeros(lay.k_h * lay.k_w, lay.c_in)                 # taps on padding only: 0
    sums = grad.unbind(0)
    blocks = _sample_blocks(lay, x.element_size())
    most = max((stop - start for start, stop in blocks), default=0)
    product = x.new_empty(most * lay.c_in * lay.out_size[0] * lay.out_size[1])
    for start, stop in blocks:
        maps, grads = x[start:stop], g[start:stop]
        for t, ys, xs, in_ys, in_xs in rects:                       # each tap: g x its cells
            shape = (stop - start, ys.stop - ys.start, xs.stop - xs.start, lay.c_in)
            cells = product[:shape[0] * shape[1] * shape[2] * shape[3]].view(shape)
            cells = cells.permute(0, 3, 1, 2)   # contiguous: a sum over a part of a larger
            torch.mul(grads[:, :, ys, xs], maps[:, :, in_ys, in_xs], out=cells)
            sums[t].add_(cells.sum((0, 2, 3)))  # product ran 15x slower
    return grad


def _tap_sums(into: torch.Tensor, reads: torch.Tensor, rects: list[map_route.Rectangle],
              starts: bool, weights: list[torch.Tensor], backwards: bool) -> None:
    """Every tap's rectangle of ``reads`` times its row of weights, summed into ``into``: the
    output's cells collect the input's (forward), or the input's cells collect the output
    gradient's (``backwards``). The first rectangle starts the sums when it holds all of
    ``into`` (``starts``); else ``into`` starts at zero."""
    if not starts:
        into.zero_()
    for n, (t, ys, xs, in_ys, in_xs) in enumerate(rects):
        (to_ys, to_xs), (from_ys, from_xs) = ((in_ys, in_xs), (ys, xs)) if backwards else \
            ((ys, xs), (in_ys, in_xs))
        cells, tap = reads[:, :, from_ys, from_xs], weights[t][..., :xs.stop - xs.start]
        if n or not starts:
            into[:, :, to_ys, to_xs].addcmul_(cells, tap)
        else:
            torch.mul(cells, tap, out=into[:, :, to_ys, to_xs])


class LastMapKernels(flat.DepthwiseKernels):
    """The rectangles of :class:`.depthwise_maps.MapKernels` on channels-last maps
    (:func:`channels_last_rows`): nothing copied, each tap's weights repeated along a row
    (:func:`_tiled`), the output and the input's gradient channels last as PyTorch's are."""

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        if not flat.finite(w):     # times the padding's zeros: NaN, which PyTorch gives
            return ChannelsLastKernels.conv(x, w, b, conf)
        lay, x = flat._flat(x, x.shape[1], w.shape[0], conf), _last(x)
        rects, starts, _, _ = map_route._rectangles(lay)
        weights = _tiled(w, lay)
        out = torch.empty((lay.n, lay.c_in, *lay.out_size), dtype=x.dtype, device=x.device,
                          memory_format=torch.channels_last)
        for start, stop in _sample_blocks(lay, x.element_size()):
            _tap_sums(out[start:stop], x[start:stop], rects, starts, weights, backwards=False)
            if b is not None:
                out[start:stop] += b.view(1, -1, 1, 1)
        return out

    @staticmethod
    @in_float32
    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay, g = flat._flat(g, conf.groups, w.shape[0], conf), _last(g)
        _, _, rects, starts = map_route._rectangles(lay)
        weights = _tiled(w, lay)
        grad_x = torch.empty((lay.n, lay.c_in, *lay.map_size), dtype=g.dtype, device=g.device,
                             memory_format=torch.channels_last)
        for start, stop in _sample_blocks(lay, g.element_size()):
            _tap_sums(grad_x[start:stop], g[start:stop], rects, starts, weights, backwards=True)
        return grad_x

    grad_weight = map_route._weight_grad(_last_sums)
