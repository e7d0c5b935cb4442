"""Convolution as matrix products over shifted flat views: no column matrix at all (lesson 06).

The trick ("implicit GEMM"): lay the padded input out channel-major, ``(C, N*H*W)``, one row
per channel holding every sample's map end to end. Kernel tap ``(i, j)`` of a stride-1
convolution reads, for every output cell, the input cell ``i`` rows and ``j`` columns further
on, i.e. ``i*W + j`` places further along that row. So the cells one tap multiplies are the
same flat row *shifted*, a plain slice: a matrix the multiply routine reads in place, and

    output (C_out, N*H*W) = sum over taps of  weight[:, :, i, j] (C_out, C_in) @ shifted slice

Output positions near the right and bottom edges pick up cells of the next row or sample;
they are computed and thrown away (a few percent of the work on large maps).

A stride ``s`` is made stride 1 by **polyphase splitting**: the input is cut into ``s*s``
sub-images (even rows and even columns, even rows and odd columns, ...); tap ``(i, j)`` reads
one of them at a shift of ``(i//s, j//s)``. One copy of the input, and every read contiguous.

Two ways to add up the taps, picked by :func:`per_tap` from the layer's sizes:

- **per tap**: one matrix product per tap accumulated into the output; enough work per product
  when each group has many input channels (a ResNet 3x3 layer), and no buffer at all;
- **gathered**: copy the ``kH*kW*C_in/G`` shifted slices of a block of positions into one
  buffer (each a contiguous run, so the copy is fast) and multiply once; for few input
  channels (a 7x7 stem on RGB), where per-tap products would be too thin. The buffer is cut to
  ``max_bytes`` like :mod:`.im2col`'s.

``conv2d_vectorized`` takes this route when the columns of a single output row would not fit
im2col's buffer (:func:`row_exceeds_buffer`); on smaller layers, measured on the
benchmark machine, one large product over im2col's tiles was faster than a product per tap
(each tap's product rereads the whole output).

Both gradients use the same layout: the output gradient, spread onto the wide grid with zeros
where the thrown-away positions were, is correlated back the same way.
"""
from __future__ import annotations

import torch

from .autograd import CONV, Conf, bilinear, in_float32
from .geometry import output_size
from .im2col import MAX_BUFFER_BYTES

Pair = tuple[int, int]

#: Input channels per group from which one matrix product per tap is efficient (measured on
#: the 2-core benchmark machine: below this, gathering the taps into one product wins).
PER_TAP_MIN_CHANNELS = 32


def row_exceeds_buffer(x: torch.Tensor, weight: torch.Tensor, stride: Pair, dilation: Pair,
                       max_bytes: int = MAX_BUFFER_BYTES) -> bool:
    """Whether the columns of one output row would not fit ``max_bytes``: im2col would then
    cut rows into pieces and run many small products; this route needs no column buffer at
    all."""
    w_out = output_size(x.shape[3], weight.shape[3], stride[1], 0, dilation[1])
    window = x.shape[1] * weight.shape[2] * weight.shape[3] * x.element_size()
    return w_out * window > max_bytes


class _Layout:
    """Sizes of the polyphase, channel-major layout of one call (from its :class:`Conf`)."""

    def __init__(self, n: int, c_in: int, c_out: int, conf: Conf):
        (self.s_h, self.s_w), (d_h, d_w) = conf.stride, conf.dilation
        self.n, self.c_in, self.c_out, self.groups = n, c_in, c_out, conf.groups
        self.in_size, (self.k_h, self.k_w) = conf.in_size, conf.kernel
        self.out_size = conf.out_size
        self.h_q = -(-conf.in_size[0] // self.s_h)           # rows of each phase (ceil)
        self.w_q = -(-conf.in_size[1] // self.s_w)
        self.size = n * self.h_q * self.w_q                   # positions of the wide grid
        self.taps = []                                        # (phase, flat shift) per tap
        for i in range(self.k_h):
            for j in range(self.k_w):
                (a, p), (b, q) = divmod(i * d_h, self.s_h), divmod(j * d_w, self.s_w)
                self.taps.append((p * self.s_w + q, a * self.w_q + b))
        self.length = max(0, self.size - max(shift for _, shift in self.taps))  # computed

    def phases(self, x: torch.Tensor) -> torch.Tensor:
        """``(s_h*s_w, G, C/G, N*Hq*Wq)``: the input's polyphase sub-images, channel-major."""
        if self.s_h == self.s_w == 1:
            flat = x.transpose(0, 1).contiguous()
        else:
            flat = x.new_zeros(self.s_h * self.s_w, self.c_in, self.n, self.h_q, self.w_q)
            for p in range(self.s_h):
                for q in range(self.s_w):
                    sub = x[:, :, p::self.s_h, q::self.s_w].transpose(0, 1)
                    flat[p * self.s_w + q, :, :, :sub.shape[2], :sub.shape[3]] = sub
        return flat.view(self.s_h * self.s_w, self.groups, self.c_in // self.groups, self.size)

    def from_phases(self, flat: torch.Tensor) -> torch.Tensor:
        """The inverse of :meth:`phases` for a gradient: ``(N, C, H, W)``."""
        grid = flat.view(self.s_h * self.s_w, self.c_in, self.n, self.h_q, self.w_q)
        if self.s_h == self.s_w == 1:
            return grid[0].transpose(0, 1).contiguous()
        out = flat.new_empty(self.n, self.c_in, *self.in_size)
        for p in range(self.s_h):
            for q in range(self.s_w):
                target = out[:, :, p::self.s_h, q::self.s_w]
                target.copy_(grid[p * self.s_w + q, :, :, :target.shape[2],
                                  :target.shape[3]].transpose(0, 1))
        return out

    def spread(self, grad_out: torch.Tensor) -> torch.Tensor:
        """An output gradient ``(N, C_out, Ho, Wo)`` on the wide grid, zeros elsewhere:
        ``(G, C_out/G, N*Hq*Wq)``."""
        wide = grad_out.new_zeros(self.c_out, self.n, self.h_q, self.w_q)
        wide[:, :, :self.out_size[0], :self.out_size[1]] = grad_out.transpose(0, 1)
        return wide.view(self.groups, self.c_out // self.groups, self.size)

    def gather(self, wide: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        """The real output cells of the wide grid ``(G, C_out/G, N*Hq*Wq)`` as ``(N, C_out,
        Ho, Wo)``, plus the bias."""
        h_o, w_o = self.out_size
        cells = wide.view(self.c_out, self.n, self.h_q, self.w_q)[:, :, :h_o, :w_o]
        out = wide.new_empty(self.n, self.c_out, h_o, w_o)
        if bias is None:
            return out.copy_(cells.transpose(0, 1))
        return torch.add(cells.transpose(0, 1), bias.view(1, -1, 1, 1), out=out)

    def weight_taps(self, w: torch.Tensor) -> torch.Tensor:
        """``(G, C_out/G, taps*C_in/G)``: the weight with the tap index outermost per row."""
        g = self.groups
        return (w.reshape(g, self.c_out // g, self.c_in // g, self.k_h * self.k_w)
                .transpose(2, 3).reshape(g, self.c_out // g, -1))

    def gathered(self, flat: torch.Tensor, start: int, stop: int,
                 buffer: torch.Tensor) -> torch.Tensor:
        """``(G, taps*C/G, stop-start)``: every tap's shifted slice of positions ``start:stop``,
        copied into ``buffer`` (each slice a contiguous run of the flat rows)."""
        g, c_group = self.groups, self.c_in // self.groups
        cols = buffer[:g * len(self.taps) * c_group * (stop - start)].view(
            g, len(self.taps), c_group, stop - start)
        for t, (phase, shift) in enumerate(self.taps):
            cols[:, t] = flat[phase, :, :, shift + start:shift + stop]
        return cols.view(g, -1, stop - start)

    def blocks(self, max_bytes: int, element_size: int) -> list[tuple[int, int]]:
        """Ranges of positions whose gathered taps fit ``max_bytes``."""
        per_position = len(self.taps) * self.c_in * element_size
        step = max(1, max_bytes // per_position)
        return [(a, min(self.length, a + step)) for a in range(0, self.length, step)]


def per_tap(c_in_group: int) -> bool:
    """One product per tap when each has at least :data:`PER_TAP_MIN_CHANNELS` rows to sum."""
    return c_in_group >= PER_TAP_MIN_CHANNELS


def _layout(x_or_g: torch.Tensor, c_in: int, c_out: int, conf: Conf) -> _Layout:
    return _Layout(x_or_g.shape[0], c_in, c_out, conf)


class ShiftedKernels:
    """The shifted-view route's three maps for :mod:`.autograd`."""

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        lay = _layout(x, x.shape[1], w.shape[0], conf)
        flat, length = lay.phases(x), lay.length
        wide = x.new_empty(lay.groups, lay.c_out // lay.groups, lay.size)
        if per_tap(w.shape[1]):
            taps = lay.weight_taps(w).view(lay.groups, -1, len(lay.taps), w.shape[1])
            for t, (phase, shift) in enumerate(lay.taps):
                cells = flat[phase, :, :, shift:shift + length]
                if t == 0:
                    torch.bmm(taps[:, :, 0], cells, out=wide[:, :, :length])
                else:
                    wide[:, :, :length].baddbmm_(taps[:, :, t], cells)
        else:
            weight = lay.weight_taps(w)
            blocks = lay.blocks(conf.max_bytes or MAX_BUFFER_BYTES, x.element_size())
            buffer = x.new_empty(weight.numel() // lay.c_out * lay.groups
                                 * max((stop - start for start, stop in blocks), default=0))
            for start, stop in blocks:
                cols = lay.gathered(flat, start, stop, buffer)
                torch.bmm(weight, cols, out=wide[:, :, start:stop])
        return lay.gather(wide, b)

    @staticmethod
    @in_float32
    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay = _layout(g, w.shape[1] * conf.groups, w.shape[0], conf)
        wide, length = lay.spread(g), lay.length
        flat = g.new_zeros(lay.s_h * lay.s_w, lay.groups, w.shape[1], lay.size)
        weight = lay.weight_taps(w)
        if per_tap(w.shape[1]):
            taps = weight.view(lay.groups, -1, len(lay.taps), w.shape[1]).transpose(1, 3)
            for t, (phase, shift) in enumerate(lay.taps):
                flat[phase, :, :, shift:shift + length].baddbmm_(taps[:, :, t],
                                                                 wide[:, :, :length])
        else:
            for start, stop in lay.blocks(conf.max_bytes or MAX_BUFFER_BYTES, g.element_size()):
                cols = torch.bmm(weight.transpose(1, 2), wide[:, :, start:stop]).view(
                    lay.groups, len(lay.taps), w.shape[1], stop - start)
                for t, (phase, shift) in enumerate(lay.taps):
                    flat[phase, :, :, shift + start:shift + stop] += cols[:, t]
        return lay.from_phases(flat)

    @staticmethod
    @in_float32
    def grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        c_in_group = x.shape[1] // conf.groups
        lay = _layout(x, x.shape[1], g.shape[1], conf)
        flat, wide, length = lay.phases(x), lay.spread(g), lay.length
        grad = x.new_empty(lay.groups, lay.c_out // lay.groups, len(lay.taps), c_in_group)
        if per_tap(c_in_group):
            for t, (phase, shift) in enumerate(lay.taps):
                grad[:, :, t] = torch.bmm(wide[:, :, :length],
                                          flat[phase, :, :, shift:shift + length].transpose(1, 2))
        else:
            grad.zero_()
            blocks = lay.blocks(conf.max_bytes or MAX_BUFFER_BYTES, x.element_size())
            buffer = x.new_empty(len(lay.taps) * x.shape[1]
                                 * max((stop - start for start, stop in blocks), default=0))
            for start, stop in blocks:
                cols = lay.gathered(flat, start, stop, buffer)
                grad += torch.bmm(wide[:, :, start:stop], cols.transpose(1, 2)).view(grad.shape)
        return grad.permute(0, 1, 3, 2).reshape(lay.c_out, c_in_group, lay.k_h, lay.k_w)


def shifted_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                   stride: Pair, dilation: Pair, groups: int, max_buffer_bytes: int = 0
                   ) -> torch.Tensor:
    """Conv2d of an already padded, batched input by products over shifted flat views.

    Same result and gradients (every order, :mod:`.autograd`) as ``F.conv2d(x, weight, bias,
    stride, 0, dilation, groups)``. Extra memory: one channel-major copy of the input and one
    of the output, plus (few channels per group) a gathered buffer of at most
    ``max_buffer_bytes``.
    """
    conf = Conf(tuple(stride), tuple(dilation), groups, tuple(x.shape[2:]),
                tuple(weight.shape[2:]), max_buffer_bytes)
    return bilinear(CONV, x, weight, ShiftedKernels, conf, bias)
