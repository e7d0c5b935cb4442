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

When a map has fewer output cells than channels (small maps, many channels: the last layers
of a MobileNet; at a stride, fewer than its channels times the sub-images), or a few times as
many when a whole sample fits in a block, the route lays the channels last instead
(:mod:`.depthwise_last`, :func:`.depthwise_last.channels_last`): the same taps, each a
multiply-add over the channels of every position. There stride and dilation are only the
steps of each tap's view of the padded input, so it cuts no sub-images.
On long rows with a 3x3 kernel (the first layers of a MobileNet) each tap reads a rectangle
of the maps as they are instead, at a stride every ``s_h``-th row of it, and the input is not
copied (:mod:`.depthwise_maps`), channels last too at stride 1.
:func:`route` chooses. Where the machine has a C compiler, the forward pass of a layer with one
output channel an input channel is one compiled loop instead (:mod:`.compiled`), which keeps each
output cell's sums in registers over all its taps, and so are both its gradients
(:mod:`.compiled_gradients`).

The maps are taken a block at a time (:func:`.cache.block_bytes`: what the threads' L2
caches hold), and every tap of a block is summed before the next: the block's cells are read
from the processor's cache, not from main memory, once per tap.
Zero padding is added in the same copy (the cells outside the input stay zero), so the input
is never copied whole just to pad it.
"""
from __future__ import annotations

import cmath
import functools

import torch

from . import cache, compiled, compiled_gradients
from .autograd import CONV, Conf, bilinear, in_float32
from .layout import laid_out_channels_last

Pair = tuple[int, int]


#: Fewest positions in a map's flat run (:attr:`_Flat.length`) for the weight's gradient to
#: take its sums a pair of maps at a time as matrix products (:func:`_pair_dots`). Nine taps'
#: sums alone on a 2-core machine, time pairs / a multiply then a sum: 1,024 maps with runs
#: of 61 1.54; 512 of 222 0.72; 512 of 838 0.40; 128 of 3,246 0.38; 32 of 12,766 0.35. In a
#: whole forward + backward pass, 5x5 layers on 28x28 and 56x56 maps (runs of 838-892) took
#: 0.83-0.87 of the time; 3x3 and 5x5 layers on 14x14 maps (runs of 222 and 248) 0.97-1.05,
#: noise.
MIN_PAIR_RUN = 128


def finite(t: torch.Tensor) -> bool:
    """No infinity or NaN in ``t``: its sum is finite. One pass, where
    ``torch.isfinite(t).all()`` made three; a sum that overflows says "not finite" too, and
    the caller then takes its exact path anyway."""
    return cmath.isfinite(t.sum().item())


def is_depthwise(weight: torch.Tensor, groups: int) -> bool:
    """Each group sees one input channel (``groups == C_in``), with several groups."""
    return groups > 1 and weight.shape[1] == 1


def _ranges(total: int, step: int) -> list[tuple[int, int]]:
    """``[(0, step), (step, 2*step), ..., (..., total)]``: blocks of at most ``step``."""
    return [(a, min(total, a + step)) for a in range(0, total, step)]


class _Flat:
    """Sizes of one call's flat polyphase layout, from its :class:`Conf` (the input is
    already padded). The ``N*C`` input maps are taken in blocks; a block of ``R`` maps is laid
    out as ``(s_h*s_w, R, Hq*Wq)``: each sub-image of each map, flattened."""

    def __init__(self, n: int, c_in: int, c_out: int, conf: Conf, element_size: int,
                 block_bytes: int):
        (self.s_h, self.s_w), (d_h, d_w) = conf.stride, conf.dilation
        self.dilation = (d_h, d_w)
        self.pad = conf.pad                                    # zeros added while copying
        top, bottom, left, right = conf.pad
        self.map_size = (conf.in_size[0] - top - bottom, conf.in_size[1] - left - right)
        self.n, self.c_in, self.m = n, c_in, c_out // max(c_in, 1)
        self.maps = n * c_in
        self.in_size, (self.k_h, self.k_w) = conf.in_size, conf.kernel
        self.out_size = conf.out_size
        self.h_q = -(-conf.in_size[0] // self.s_h)            # rows of each sub-image (ceil)
        self.w_q = -(-conf.in_size[1] // self.s_w)
        self.taps = []                 # (sub-image, row shift, column shift) per tap
        for i in range(self.k_h):
            for j in range(self.k_w):
                (a, p), (b, q) = divmod(i * d_h, self.s_h), divmod(j * d_w, self.s_w)
                self.taps.append((p * self.s_w + q, a, b))
        h_o, w_o = self.out_size
        self.length = max(0, (h_o - 1) * self.w_q + w_o)      # positions computed per map
        self.element_size, self.block_bytes = element_size, block_bytes
        map_bytes = self.h_q * self.w_q * (self.s_h * self.s_w + self.m) * element_size
        self.rows = max(1, min(self.maps, block_bytes // max(map_bytes, 1)))

    @property
    def copied(self) -> bool:
        """Whether a block is copied (into sub-images, or to add padding); else it is a view."""
        return (self.s_h, self.s_w) != (1, 1) or any(self.pad)

    @functools.cached_property
    def _pieces(self) -> list[tuple[int, int, slice, slice, slice, slice]]:
        """For each sub-image ``(p, q)``: the input map's cells it holds and where they go.

        Padded row ``Y = y + top`` belongs to sub-image ``Y % s_h`` at row ``Y // s_h``; the
        rows of one sub-image are every ``s_h``-th input row from the first that falls in it.
        """
        top, _, left, _ = self.pad
        pieces = []
        for p in range(self.s_h):
            y0 = (p - top) % self.s_h
            r0, rows = (y0 + top) // self.s_h, len(range(y0, self.map_size[0], self.s_h))
            for q in range(self.s_w):
                x0 = (q - left) % self.s_w
                c0, cols = (x0 + left) // self.s_w, len(range(x0, self.map_size[1], self.s_w))
                pieces.append((p, q, slice(y0, None, self.s_h), slice(x0, None, self.s_w),
                               slice(r0, r0 + rows), slice(c0, c0 + cols)))
        return pieces

    def blocks(self) -> list[tuple[int, int]]:
        """Ranges of input maps, each block at most :attr:`rows` maps."""
        return _ranges(self.maps, self.rows)

    def tap_cells(self, flat: torch.Tensor, dim: int = 1) -> list[torch.Tensor]:
        """The cells each tap reads, in tap order: ``flat[phase]`` (positions along its
        dimension ``dim``) narrowed to ``a*Wq + b ... a*Wq + b + length`` (views). A caller
        whose multiply-add broadcasts against the weights passes ``flat`` with that extra
        dimension already in it, once, rather than adding it to every tap's view.

        The taps of a sub-image are a grid of row and column shifts, so one strided view per
        sub-image holds them all and two ``unbind`` calls take them apart: an index per tap
        cost 6 µs, as much as the multiply-add of a 7x7 map's tap."""
        cells = {}
        for phase in sorted({tap[0] for tap in self.taps}):
            rows = 1 + max(a for p, a, _ in self.taps if p == phase)
            cols = 1 + max(b for p, _, b in self.taps if p == phase)
            base = flat[phase]
            size, step = list(base.shape), base.stride(dim)
            size[dim] = self.length
            grid = base.as_strided((rows, cols, *size), (self.w_q * step, step, *base.stride()),
                                   base.storage_offset())
            cells[phase] = [row.unbind(0) for row in grid.unbind(0)]
        return [cells[phase][a][b] for phase, a, b in self.taps]

    def phases(self, maps: torch.Tensor, buffer: torch.Tensor | None) -> torch.Tensor:
        """Input maps ``(R, h, w)`` as their padded, flattened sub-images
        ``(s_h*s_w, R, Hq*Wq)``: a view at stride 1 with no padding; else copied into
        ``buffer``, whose cells outside the input stay zero (the padding)."""
        rows = maps.shape[0]
        if not self.copied:
            return maps.reshape(1, rows, self.h_q * self.w_q)
        flat = buffer[:, :rows]
        grid = flat.view(self.s_h, self.s_w, rows, self.h_q, self.w_q)
        for p, q, ys, xs, rs, cs in self._pieces:
            grid[p, q, :, rs, cs] = maps[:, ys, xs]
        return flat

    def phase_buffer(self, like: torch.Tensor) -> torch.Tensor | None:
        """One block's sub-images, zeros where no input cell goes (None: no copy needed)."""
        if not self.copied:
            return None
        return like.new_zeros(self.s_h * self.s_w, self.rows, self.h_q * self.w_q)

    def unphase(self, flat: torch.Tensor, maps: torch.Tensor) -> None:
        """Write the input cells of flattened sub-images ``(s_h*s_w, R, Hq*Wq)`` back as maps
        ``(R, h, w)`` (the padding's cells are dropped)."""
        grid = flat.view(self.s_h, self.s_w, maps.shape[0], self.h_q, self.w_q)
        for p, q, ys, xs, rs, cs in self._pieces:
            maps[:, ys, xs] = grid[p, q, :, rs, cs]

    def wide_buffer(self, like: torch.Tensor, zeros: bool = False) -> torch.Tensor:
        """``(R, m, Ho*Wq)``: a block's outputs on the wide grid (``Wq`` columns a row)."""
        make = like.new_zeros if zeros else like.new_empty
        return make(self.rows, self.m, self.out_size[0] * self.w_q)

    def real_cells(self, wide: torch.Tensor) -> torch.Tensor:
        """The real output cells ``(R, m, Ho, Wo)`` of a wide block (a view)."""
        h_o, w_o = self.out_size
        return wide.view(wide.shape[0], self.m, h_o, self.w_q)[..., :w_o]

    def per_map(self, t: torch.Tensor) -> torch.Tensor:
        """A per-output-channel tensor ``(C*m, ...)`` repeated per sample: ``(N*C, m, ...)``."""
        t = t.reshape(1, self.c_in, self.m, -1)
        return t.expand(self.n, -1, -1, -1).reshape(self.maps, self.m, t.shape[-1])


def _flat(t: torch.Tensor, c_in: int, c_out: int, conf: Conf) -> _Flat:
    return _layout(t.shape[0], c_in, c_out, conf, t.element_size(), cache.block_bytes())


@functools.lru_cache(maxsize=256)
def _layout(n: int, c_in: int, c_out: int, conf: Conf, element_size: int,
            block_bytes: int) -> _Flat:
    """One layout per layer shape (and block size), made once: a network calls the same
    layers every step, and working out the sizes, taps and sub-image pieces took 40 µs a call,
    twice."""
    return _Flat(n, c_in, c_out, conf, element_size, block_bytes)


class DepthwiseKernels:
    """The depthwise route's three maps for :mod:`.autograd`, each a loop over kernel taps,
    one block of maps at a time."""

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        lay = _flat(x, x.shape[1], w.shape[0], conf)
        taps, length = lay.per_map(w), lay.length                 # (N*C, m, taps)
        bias = None if b is None else lay.per_map(b).unsqueeze(-1)  # (N*C, m, 1, 1)
        out = x.new_empty(lay.n, lay.c_in * lay.m, *lay.out_size)
        out_maps = out.view(lay.maps, lay.m, *lay.out_size)
        in_maps = x.reshape(lay.maps, *lay.map_size)
        wide, buffer = lay.wide_buffer(x), lay.phase_buffer(x)
        for start, stop in lay.blocks():
            flat = lay.phases(in_maps[start:stop], buffer)
            block, rows = wide[:stop - start, :, :length], slice(start, stop)
            weights = taps[rows].unsqueeze(-1).unbind(2)              # (R, m, 1) per tap
            # every output cell += cell x tap; (R, 1, positions) per tap
            for t, cells in enumerate(lay.tap_cells(flat.unsqueeze(2), dim=2)):
                if t > 0:
                    block.addcmul_(cells, weights[t])
                else:
                    torch.mul(cells, weights[0], out=block)
            real = lay.real_cells(wide[:stop - start])
            if bias is None:
                out_maps[rows].copy_(real)
            else:           # added as the cells are copied out: one value a map, where
                torch.add(real, bias[rows], out=out_maps[rows])   # addcmul took 4x a tap
        return out

    @staticmethod
    @in_float32
    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        if not finite(w):      # the cut-away columns' zeros times an infinite weight: NaN,
            from .depthwise_last import ChannelsLastKernels   # a product PyTorch never makes
            return ChannelsLastKernels.grad_input(g, w, conf)
        lay = _flat(g, conf.groups, w.shape[0], conf)
        taps, length = lay.per_map(w), lay.length
        g_maps = g.reshape(lay.maps, lay.m, *lay.out_size)
        grad_x = g.new_zeros(lay.n, lay.c_in, *lay.map_size)
        x_maps = grad_x.view(lay.maps, *lay.map_size)
        wide = lay.wide_buffer(g, zeros=True)     # the cut-away columns stay zero throughout
        buffer = lay.phase_buffer(g)
        for start, stop in lay.blocks():
            rows, count = slice(start, stop), stop - start
            lay.real_cells(wide[:count]).copy_(g_maps[rows])
            block = wide[:count, :, :length]
            if buffer is None:                     # stride 1: collect straight into grad_x
                flat = x_maps[rows].view(1, count, -1)
            else:
                flat = buffer[:, :count]
                flat.zero_()
            if lay.m == 1:                                            # (R, 1) per tap
                weights, block = taps[rows, 0].unsqueeze(-1).unbind(1), block[:, 0]
            else:                                                     # (R, m, 1) per tap
                weights = taps[rows].unsqueeze(-1).unbind(2)
            for t, cells in enumerate(lay.tap_cells(flat)):   # each cell collects grad x tap
                if lay.m == 1:
                    cells.addcmul_(block, weights[t])
                else:                                # summed over the m outputs
                    cells += (block * weights[t]).sum(1)
            if buffer is not None:
                lay.unphase(flat, x_maps[rows])
        return grad_x

    @staticmethod
    @in_float32
    def grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        lay = _flat(x, x.shape[1], g.shape[1], conf)
        length = lay.length
        in_maps = x.reshape(lay.maps, *lay.map_size)
        g_maps = g.reshape(lay.maps, lay.m, *lay.out_size)
        grad = x.new_empty(len(lay.taps), lay.maps, lay.m)
        wide, buffer = lay.wide_buffer(x, zeros=True), lay.phase_buffer(x)
        pairs = length >= MIN_PAIR_RUN
        product = None if pairs else lay.wide_buffer(x)[:, :, :length]
        for start, stop in lay.blocks():
            rows, count = slice(start, stop), stop - start
            lay.real_cells(wide[:count]).copy_(g_maps[rows])
            flat, block = lay.phases(in_maps[rows], buffer), wide[:count, :, :length]
            sums = grad[:, rows].unbind(0)
            # each tap: grad x its cells, (R, 1, positions)
            for t, cells in enumerate(lay.tap_cells(flat.unsqueeze(2), dim=2)):
                if pairs:
                    _pair_dots(block, cells, sums[t])
                else:
                    torch.sum(torch.mul(block, cells, out=product[:count]), -1, out=sums[t])
        grad = grad.view(len(lay.taps), lay.n, lay.c_in * lay.m).sum(1)
        if not finite(grad):   # the cut-away columns' zeros times an infinite input: NaN
            from .depthwise_last import ChannelsLastKernels
            return ChannelsLastKernels.grad_weight_last(x, g, conf)
        return grad.t().reshape(lay.c_in * lay.m, 1, lay.k_h, lay.k_w)


def _pair_dots(block: torch.Tensor, cells: torch.Tensor, out: torch.Tensor) -> None:
    """``out[r, j]``, the sum of ``block[r, j] * cells[r, 0]``, for ``R`` maps' output gradient
    ``(R, m, L)`` and a tap's cells ``(R, 1, L)``: two maps at a time, as one small matrix
    product ``(2m, L) @ (L, 2)`` whose diagonal blocks are the sums (the other two products
    are thrown away). A multiply then a sum writes every product and reads it back; the
    matrix product reads each number once (:data:`MIN_PAIR_RUN` has the timings)."""
    count, m = block.shape[:2]
    even = count - count % 2
    if even:
        grads = block[:even].reshape(even // 2, 2 * m, block.shape[-1])
        taps = cells[:even, 0].unflatten(0, (even // 2, 2)).transpose(1, 2)
        both = torch.bmm(grads, taps).view(even // 2, 2, m, 2)
        out[:even] = both.diagonal(dim1=1, dim2=3).transpose(1, 2).reshape(even, m)
    if count > even:
        out[even:] = (block[even:] * cells[even:]).sum(-1)


def depthwise_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                     stride: Pair, dilation: Pair,
                     padding: tuple[Pair, Pair] = ((0, 0), (0, 0))) -> torch.Tensor:
    """Depthwise convolution of a batched input as a sum over kernel taps.

    Same result and gradients (every order, :mod:`.autograd`) as ``F.conv2d`` with
    ``groups=C_in`` and zero ``padding`` ``((top, bottom), (left, right))``, added while each
    block of maps is copied, not by a separate pass over the whole input. Extra memory: one
    block of about :func:`.cache.block_bytes` (maps on the wide grid and their sub-images when
    strided, channels-last samples with their padding and outputs, or input and output maps).
    """
    conf = Conf.padding_inside(x, weight, stride, dilation, x.shape[1], padding)
    kernels = route(x, _flat(x, x.shape[1], weight.shape[0], conf))
    if compiled.takes_depthwise(x, weight, conf):
        kernels = compiled_gradients.forward_of(kernels, "depthwise")
    return bilinear(CONV, x, weight, kernels, conf, bias)


def route(x: torch.Tensor, lay: _Flat) -> type[DepthwiseKernels]:
    """The kernels a call of this layout takes, by the layer's own sizes: for an input laid
    out channels last (no transposing copies), rectangles of its maps on long rows
    (:func:`.depthwise_maps_last.channels_last_rows`), else channels last; channels last too for
    maps with few cells a channel (:func:`.depthwise_last.channels_last`); rectangles
    of the maps as they are for long rows (:func:`.depthwise_maps.wide_rows`), for the
    gradients alone on shorter ones (:func:`.depthwise_maps.gradient_rows`); else the flat
    sums over taps."""
    from .depthwise_last import ChannelsLastKernels, channels_last
    from .depthwise_maps import MapKernels, ShortRowKernels, gradient_rows, wide_rows
    from .depthwise_maps_last import LastMapKernels, channels_last_rows
    if laid_out_channels_last(x):
        return LastMapKernels if channels_last_rows(lay) else ChannelsLastKernels
    if channels_last(lay):
        return ChannelsLastKernels
    if wide_rows(lay):
        return MapKernels
    return ShortRowKernels if gradient_rows(lay) else DepthwiseKernels
