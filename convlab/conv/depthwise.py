"""Depthwise convolution as a sum over kernel taps of shifted flat slices (lesson 06).

When every group has one input channel (``groups == C_in``, lesson 03) the im2col product
would have one row per group and ``kH*kW`` columns, far too thin for a matrix-multiply
routine. Instead, for each kernel tap, multiply the cells that tap reads by that tap's
per-channel weight and add: ``kH*kW`` multiply-adds over the whole tensor.

How the cells are read decides the speed. Each map is flattened: with ``W`` columns, tap
``(i, j)`` reads, for output cell ``(y, x)``, the cell ``i*W + j`` places after cell
``y*W + x``. So one tap's cells for every output position of a map are one *slice* of the
flattened map, and a multiply-add runs over the whole map at once (61 neighbouring numbers on
a 7x7 map with padding 1), not over one short row of it (7). Output positions in the last
``kW - 1`` columns of each row read across the row's end; they are computed on a "wide" grid
of ``W`` columns and cut away at the end.

A stride ``s`` is made stride 1 by **polyphase splitting**, as in :mod:`.shifted`: the map is
cut into ``s*s`` sub-images (even rows and even columns, even rows and odd columns, ...) by one
copy, and tap ``(i, j)`` reads sub-image ``(i % s, j % s)`` shifted by ``(i // s, j // s)``.

Input channel ``c`` feeds output channels ``c*m ... c*m + m-1`` (``m``: the channel
multiplier), broadcast along the middle axis of ``(N*C, m, positions)``. The gradients are the
same loop over taps run backwards, and :mod:`.autograd` differentiates them again.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .autograd import CONV, Conf, bilinear, in_float32
from .geometry import output_size

Pair = tuple[int, int]


def is_depthwise(weight: torch.Tensor, groups: int) -> bool:
    """Each group sees one input channel (``groups == C_in``), with several groups."""
    return groups > 1 and weight.shape[1] == 1


class _Flat:
    """Sizes of one call's flat polyphase layout ``(s_h*s_w, N*C, Hq*Wq)``, from its
    :class:`Conf` (the input is already padded)."""

    def __init__(self, n: int, c_in: int, c_out: int, conf: Conf):
        (self.s_h, self.s_w), (d_h, d_w) = conf.stride, conf.dilation
        self.n, self.c_in, self.m = n, c_in, c_out // max(c_in, 1)
        self.in_size, (self.k_h, self.k_w) = conf.in_size, conf.kernel
        self.out_size = (output_size(conf.in_size[0], self.k_h, self.s_h, 0, d_h),
                         output_size(conf.in_size[1], self.k_w, self.s_w, 0, d_w))
        self.h_q = -(-conf.in_size[0] // self.s_h)            # rows of each sub-image (ceil)
        self.w_q = -(-conf.in_size[1] // self.s_w)
        self.taps = []                                         # (sub-image, shift) per tap
        for i in range(self.k_h):
            for j in range(self.k_w):
                (a, p), (b, q) = divmod(i * d_h, self.s_h), divmod(j * d_w, self.s_w)
                self.taps.append((p * self.s_w + q, a * self.w_q + b))
        h_o, w_o = self.out_size
        self.length = max(0, (h_o - 1) * self.w_q + w_o)      # positions computed per map

    def phases(self, x: torch.Tensor) -> torch.Tensor:
        """The input's sub-images, each map flattened: ``(s_h*s_w, N*C, Hq*Wq)``."""
        rows = self.n * self.c_in
        if self.s_h == self.s_w == 1:
            return x.reshape(1, rows, self.h_q * self.w_q)
        height, width = self.in_size
        x = F.pad(x, (0, self.w_q * self.s_w - width, 0, self.h_q * self.s_h - height))
        return (x.reshape(rows, self.h_q, self.s_h, self.w_q, self.s_w).permute(2, 4, 0, 1, 3)
                .reshape(self.s_h * self.s_w, rows, self.h_q * self.w_q))

    def from_phases(self, flat: torch.Tensor) -> torch.Tensor:
        """The inverse of :meth:`phases`, for the input's gradient: ``(N, C, H, W)``."""
        height, width = self.in_size
        grid = (flat.view(self.s_h, self.s_w, self.n, self.c_in, self.h_q, self.w_q)
                .permute(2, 3, 4, 0, 5, 1)
                .reshape(self.n, self.c_in, self.h_q * self.s_h, self.w_q * self.s_w))
        return grid[:, :, :height, :width].contiguous()

    def weights(self, w: torch.Tensor) -> torch.Tensor:
        """``(N*C, m, taps)``: each map's per-tap weights (the weight repeated per sample)."""
        taps = w.reshape(1, self.c_in, self.m, self.k_h * self.k_w)
        return taps.expand(self.n, -1, -1, -1).reshape(self.n * self.c_in, self.m,
                                                        self.k_h * self.k_w)

    def spread(self, grad_out: torch.Tensor) -> torch.Tensor:
        """An output gradient on the wide grid, zeros in the cut-away columns:
        ``(N*C, m, positions)``."""
        wide = F.pad(grad_out, (0, self.w_q - self.out_size[1]))
        return wide.reshape(self.n * self.c_in, self.m, self.out_size[0] * self.w_q)[:, :, :self.length]

    def gather(self, wide: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """The real output cells of the wide grid ``(N*C, m, Ho*Wq)``, plus the bias."""
        h_o, w_o = self.out_size
        cells = wide.view(self.n, self.c_in * self.m, h_o, self.w_q)[..., :w_o]
        if bias is None:
            return cells.contiguous()
        return torch.add(cells, bias.view(1, -1, 1, 1))


def _flat(t: torch.Tensor, c_in: int, c_out: int, conf: Conf) -> _Flat:
    return _Flat(t.shape[0], c_in, c_out, conf)


class DepthwiseKernels:
    """The depthwise route's three maps for :mod:`.autograd`, each a loop over kernel taps."""

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        lay = _flat(x, x.shape[1], w.shape[0], conf)
        flat, taps, length = lay.phases(x), lay.weights(w), lay.length
        wide = x.new_empty(lay.n * lay.c_in, lay.m, lay.out_size[0] * lay.w_q)
        out = wide[:, :, :length]
        for t, (phase, shift) in enumerate(lay.taps):   # every output cell += its cell x tap
            cells = flat[phase, :, None, shift:shift + length]     # (N*C, 1, positions)
            if t == 0:
                torch.mul(cells, taps[:, :, :1], out=out)
            else:
                out.addcmul_(cells, taps[:, :, t:t + 1])
        return lay.gather(wide, b)

    @staticmethod
    @in_float32
    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay = _flat(g, conf.groups, w.shape[0], conf)
        wide, taps, length = lay.spread(g), lay.weights(w), lay.length
        flat = g.new_zeros(lay.s_h * lay.s_w, lay.n * lay.c_in, lay.h_q * lay.w_q)
        for t, (phase, shift) in enumerate(lay.taps):   # each cell collects grad x tap
            cells = flat[phase, :, shift:shift + length]
            if lay.m == 1:
                cells.addcmul_(wide[:, 0], taps[:, :, t])
            else:                                        # summed over the m outputs
                cells += (wide * taps[:, :, t:t + 1]).sum(1)
        return lay.from_phases(flat)

    @staticmethod
    @in_float32
    def grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay = _flat(x, x.shape[1], g.shape[1], conf)
        flat, wide, length = lay.phases(x), lay.spread(g), lay.length
        grad = x.new_empty(len(lay.taps), lay.n, lay.c_in, lay.m)
        product = torch.empty_like(wide)
        for t, (phase, shift) in enumerate(lay.taps):   # each tap collects grad x its cells
            cells = flat[phase, :, None, shift:shift + length]
            torch.mul(wide, cells, out=product)
            torch.sum(product, -1, out=grad[t].view(lay.n * lay.c_in, lay.m))
        return grad.sum(1).permute(1, 2, 0).reshape(lay.c_in * lay.m, 1, lay.k_h, lay.k_w)


def depthwise_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                     stride: Pair, dilation: Pair) -> torch.Tensor:
    """Depthwise convolution of an already padded, batched input as a sum over kernel taps.

    Same result and gradients (every order, :mod:`.autograd`) as ``F.conv2d(x, weight, bias,
    stride, 0, dilation, groups=C_in)``. Extra memory: one copy of the input (its sub-images)
    when strided, and the output on its wide grid.
    """
    conf = Conf(tuple(stride), tuple(dilation), x.shape[1], tuple(x.shape[2:]),
                tuple(weight.shape[2:]))
    return bilinear(CONV, x, weight, DepthwiseKernels, conf, bias)
