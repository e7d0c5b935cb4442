"""im2col convolution with a bounded column buffer: the main path of ``conv2d_vectorized``.

The idea (lesson 06): every output cell is the dot product of the weight with one
kernel-sized window of the padded input. Stack the windows as the columns of a matrix
("im2col", image to columns; ``F.unfold`` builds the same matrix) and the whole convolution
is one matrix product per group:

    output (C_out/G, positions) = weight (C_out/G, C_in/G*kH*kW) @ columns (C_in/G*kH*kW, positions)

Two choices make it fast without changing a single number (timings: benchmarks/README.md):

- **The windows are a view.** :func:`windows` describes all of them with ``as_strided``; no
  element is copied until a tile of them is needed.
- **The copy is tiled.** The full column matrix is ``kH*kW`` times the input (a 3x3 kernel on
  a 256 MB input would need 2.3 GB). :func:`tiles` cuts the output into pieces whose columns
  fit ``max_buffer_bytes`` (16 MiB, so it stays in the processor's last-level cache), one
  buffer is reused for every piece, and one batched product per piece (``torch.bmm(out=...)``)
  writes every (sample, group) result straight into its place in the output. Writing a full
  column matrix to fresh memory is what makes ``F.unfold`` slow.

When a tile would hold fewer matrices than threads (one large sample, few output channels),
the forward pass cuts each sample's output rows into equal **pieces** (:func:`row_pieces`), so
that every thread multiplies whole matrices of its own (:mod:`.threads`).

Both gradients use the same tiles (:class:`Im2colKernels`, differentiated by
:mod:`.autograd`; the input's is :mod:`.col2im`), so training never holds a full column
matrix either. Under the same bound, layers with few output channels take :mod:`.kernel_rows`
and :mod:`.input_grad` instead, and wide 3x3 layers at stride 1 :mod:`.winograd`.
"""
from __future__ import annotations

import functools
from typing import Iterator

import torch

from . import (col2im, compiled, compiled_gradients, im2col_last, input_grad, kernel_rows,
               threads, winograd)
from .autograd import CONV, Conf, bilinear, in_float32
from .geometry import output_size
from .threads import row_pieces, tiles

#: Default bound on the column buffer in bytes. Measured on the 2-core benchmark machine: 2-4 MiB
#: is best with one thread, 16 MiB with two (fewer, larger products); see benchmarks/README.md.
MAX_BUFFER_BYTES = 16 * 1024 * 1024

#: Output channels per group (rows of a product) from which one matrix product runs about as
#: fast split across the threads as several side by side: below it the forward pass cuts
#: samples into row pieces (:func:`row_pieces`); from it a tile's samples may be one product
#: (:func:`samples_inside`). Measured on the 2-core benchmark machine, billions of
#: multiply-adds a second, one matrix against two to four of the same work in all: 32 rows 35
#: against 48-50, 64 rows 45 against 53-59, 128 rows 58 against 70, 256 rows 70 against 73-75.
ONE_MATRIX_ROWS = 256
#: Positions a sample per output channel of a group up to which a grouped forward product
#: takes a tile's samples at once (:func:`samples_inside`).
GROUP_WIDTH = 4

Pair = tuple[int, int]


def windows(x: torch.Tensor, kernel: Pair, stride: Pair, dilation: Pair, out_size: Pair,
            groups: int = 1) -> torch.Tensor:
    """Every kernel window of a padded input ``(N, C, H, W)``, as a view (no copy).

    The result has shape ``(N, groups, C/groups, kH, kW, H_out, W_out)``: element
    ``[n, g, c, i, j, oy, ox]`` is ``x[n, g*C/groups + c, oy*stride_h + i*dilation_h,
    ox*stride_w + j*dilation_w]``, the number that tap ``(i, j)`` multiplies for output cell
    ``(oy, ox)`` (lesson 02). Reshaped to ``(N, groups, C/groups*kH*kW, H_out*W_out)`` it is
    ``F.unfold``'s column matrix. Windows overlap, so the view shares elements: read it,
    never write into it.
    """
    n, c, _, _ = x.shape
    s_n, s_c, s_h, s_w = x.stride()
    per_group = c // groups
    return x.as_strided(
        (n, groups, per_group, kernel[0], kernel[1], out_size[0], out_size[1]),
        (s_n, s_c * per_group, s_c, s_h * dilation[0], s_w * dilation[1], s_h * stride[0],
         s_w * stride[1]))


class Plan:
    """Sizes and tiles of one call, shared by the forward pass and both gradients.

    ``x`` and ``weight`` give only shapes and the element size (a meta tensor will do).
    """

    def __init__(self, x: torch.Tensor, weight: torch.Tensor, stride: Pair, dilation: Pair,
                 groups: int, max_bytes: int):
        self.n, _, height, width = x.shape
        self.c_out, c_in_group, k_h, k_w = weight.shape
        self.kernel, self.stride, self.dilation, self.groups = (k_h, k_w), stride, dilation, groups
        self.in_size = (height, width)
        self.out_group = self.c_out // groups
        self.out_size = (output_size(height, k_h, stride[0], 0, dilation[0]),
                         output_size(width, k_w, stride[1], 0, dilation[1]))
        self.k = c_in_group * k_h * k_w                          # numbers in one window
        self.tiles = list(tiles(self.n, *self.out_size, groups * self.k * x.element_size(),
                                max_bytes, groups))
        self.largest = max((_length(s, self.n) * _length(r, self.out_size[0])
                            * _length(c, self.out_size[1]) for s, r, c in self.tiles), default=0)
        self.pieces = (row_pieces(self.n, *self.out_size, groups * self.k * x.element_size(),
                                  max_bytes, groups, self.out_group * self.k,
                                  torch.get_num_threads())
                       if self.out_group < ONE_MATRIX_ROWS else None)

    def columns_buffer(self, like: torch.Tensor) -> torch.Tensor:
        """One flat buffer for the largest tile's columns, reused by every tile."""
        return like.new_empty(self.largest * self.groups * self.k)

    def kernels(self, weight: torch.Tensor, samples: int) -> torch.Tensor:
        """The weight as ``(samples*G, C_out/G, K)`` matrices, one per (sample, group)."""
        w = weight.reshape(1, self.groups, self.out_group, self.k)
        return w.expand(samples, -1, -1, -1).reshape(samples * self.groups, self.out_group,
                                                     self.k)


def _length(s: slice, size: int) -> int:
    return len(range(size)[s])


def tile_matrices(tensor: torch.Tensor, samples: slice, rows: slice, cols: slice,
                  groups: int) -> torch.Tensor:
    """``(T*G, C/G, R*W)`` view of one tile of an ``(N, C, H_out, W_out)`` tensor (no copy)."""
    block = tensor[samples, :, rows, cols]
    t, c, r, w = block.shape
    return block.view(t * groups, c // groups, r * w)


def forward_tiles(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                  plan: Plan) -> torch.Tensor:
    """The forward pass, one tile of output positions at a time (lesson 06).

    Each tile's windows are copied from the strided view into one reused buffer (im2col for
    that tile only), multiplied by the kernels with one ``bmm`` per (sample, group) pair, and
    written straight into their place in the output; the bias is added at the end. With
    :func:`samples_inside` the tile's samples are one product per group, copied to their place
    after (3x3 512 -> 512 on 7x7 at batch 8: 1.61 -> 1.21x F.conv2d, measured interleaved).
    """
    g, k = plan.groups, plan.k
    win = windows(x, plan.kernel, plan.stride, plan.dilation, plan.out_size, g)  # all, as a view
    out = x.new_empty(plan.n, plan.c_out, *plan.out_size)
    if plan.pieces is not None:
        forward_pieces(win, weight, out, plan)
        return out if bias is None else out.add_(bias.view(1, -1, 1, 1))
    buffer, results = plan.columns_buffer(x), None
    for samples, rows, cols in plan.tiles:
        block = win[samples, ..., rows, cols]                    # (T, G, C/G, kH, kW, R, W)
        t, r, w = block.shape[0], block.shape[5], block.shape[6]
        if samples_inside(plan, r * w, grouped=True):            # one product per group
            columns = _columns_samples_inside(buffer, block)
            results = x.new_empty(plan.largest * plan.c_out) if results is None else results
            product = results[:plan.c_out * t * r * w].view(g, plan.out_group, t * r * w)
            torch.bmm(weight.reshape(g, plan.out_group, k), columns.view(g, k, t * r * w),
                      out=product)
            out[samples, :, rows, cols].copy_(product.view(plan.c_out, t, r, w).transpose(0, 1))
            continue
        columns = buffer[:block.numel()].view(block.shape).copy_(block)   # im2col, one tile
        torch.bmm(plan.kernels(weight, t), columns.view(t * g, k, r * w),  # (sample, group)
                  out=tile_matrices(out, samples, rows, cols, g))          # pairs at once
    return out if bias is None else out.add_(bias.view(1, -1, 1, 1))


def forward_pieces(win: torch.Tensor, weight: torch.Tensor, out: torch.Tensor,
                   plan: Plan) -> None:
    """The forward product by row pieces (:func:`row_pieces`): each product's pieces are copied
    into one buffer, multiplied as separate matrices, and each result copied to its rows."""
    g, k, width = plan.groups, plan.k, plan.out_size[1]
    r, products = plan.pieces
    most = max(len(product) for product in products)
    columns_all = win.new_empty(most * g * k * r * width)
    results_all = win.new_empty(most * plan.c_out * r * width)
    kernels = plan.kernels(weight, most)
    for product in products:
        m = len(product)
        columns = columns_all[:m * g * k * r * width].view(m, *win.shape[1:5], r, width)
        for piece, (sample, y) in zip(columns, product):
            piece.copy_(win[sample, ..., y:y + r, :])
        results = results_all[:m * plan.c_out * r * width].view(m * g, plan.out_group, r * width)
        torch.bmm(kernels[:m * g], columns.view(m * g, k, r * width), out=results)
        for piece, (sample, y) in zip(results.view(m, plan.c_out, r, width), product):
            out[sample, :, y:y + r].copy_(piece)


def _columns_samples_inside(buffer: torch.Tensor, block: torch.Tensor) -> torch.Tensor:
    """A tile's windows ``(T, G, C/G, kH, kW, R, W)`` copied as ``(G, C/G, kH, kW, T, R, W)``."""
    inside = block.permute(1, 2, 3, 4, 0, 5, 6)
    return buffer[:block.numel()].view(inside.shape).copy_(inside)


def samples_inside(plan: Plan, positions: int, grouped: bool = False) -> bool:
    """Whether a tile's samples go inside one product (``positions``: a sample's in the tile):
    when a product has at least :data:`ONE_MATRIX_ROWS` rows and more than twice as many as a
    sample has positions. A product per sample is then thin, and for the weight's gradient
    writes a weight-sized result per sample, summed afterwards. With ``grouped`` (forward pass,
    weight's gradient) also with a group a thread and at most :data:`GROUP_WIDTH` positions a
    sample per row: 3x3 1024 in 32 groups on 7x7 at batch 8 3.16 -> 2.28x F.conv2d forward and
    2.02 -> 1.61 weight's gradient, 512 in 2 groups 1.64 -> 1.20 forward; wider it lost (96 in
    3 groups on 16x16 1.53 -> 1.73, weight's gradient 1.59 -> 2.11), as did col2im's."""
    many = plan.groups >= torch.get_num_threads() and positions <= GROUP_WIDTH * plan.out_group
    return plan.out_group >= max(ONE_MATRIX_ROWS, 2 * positions + 1) or (grouped and many)


def weight_grad_tiles(x: torch.Tensor, grad_out: torch.Tensor, plan: Plan) -> torch.Tensor:
    """The weight's gradient: the sum over tiles of ``D @ X^T`` (``X``: the tile's columns).

    With :func:`samples_inside` the tile's columns are laid out samples inside, so that one
    product runs over all its positions (3x3 512 -> 512 on 7x7 at batch 8: 40 -> 17 ms,
    F.conv2d's weight gradient 20 ms, measured interleaved).
    """
    g = plan.groups
    grad_out = grad_out.contiguous()
    win = windows(x, plan.kernel, plan.stride, plan.dilation, plan.out_size, g)
    grad_w = x.new_zeros(g, plan.out_group, plan.k)
    buffer = plan.columns_buffer(x)
    for samples, rows, cols in plan.tiles:
        block = win[samples, ..., rows, cols]
        t, r, w = block.shape[0], block.shape[5], block.shape[6]
        grads = tile_matrices(grad_out, samples, rows, cols, g)           # (T*G, C_out/G, R*W)
        if samples_inside(plan, r * w, grouped=True):
            columns = _columns_samples_inside(buffer, block)
            grads = grads.view(t, g, plan.out_group, r * w).permute(1, 2, 0, 3)
            grad_w.baddbmm_(grads.reshape(g, plan.out_group, t * r * w),
                            columns.view(g, plan.k, t * r * w).transpose(1, 2))
            continue
        columns = buffer[:block.numel()].view(block.shape).copy_(block)
        grad_w += torch.bmm(grads, columns.view(t * g, plan.k, r * w).transpose(1, 2)
                            ).view(t, g, plan.out_group, plan.k).sum(0)
    return grad_w.view(plan.c_out, plan.k // (plan.kernel[0] * plan.kernel[1]), *plan.kernel)


def _plan(n: int, c_in: int, c_out: int, conf: Conf, dtype: torch.dtype) -> Plan:
    """The plan of one call described by its :class:`Conf`, made once per layer: a network
    calls the same layers every step, and a plan took about 30 us to make, three times a
    training step. Everything it is made from is its key, the thread count and the sizes it
    is tuned by included."""
    return _plan_of(n, c_in, c_out, conf, dtype, conf.max_bytes or MAX_BUFFER_BYTES,
                    torch.get_num_threads(),
                    (ONE_MATRIX_ROWS, threads.PIECE_POSITIONS, threads.PIECE_WORK))


@functools.lru_cache(maxsize=256)
def _plan_of(n: int, c_in: int, c_out: int, conf: Conf, dtype: torch.dtype, bound: int,
             thread_count: int, tuning: tuple[int, int, int]) -> Plan:
    meta = lambda *shape: torch.empty(shape, dtype=dtype, device="meta")  # noqa: E731
    return Plan(meta(n, c_in, *conf.in_size), meta(c_out, c_in // conf.groups, *conf.kernel),
                conf.stride, conf.dilation, conf.groups, bound)


class Im2colKernels:
    """The im2col route's three maps for :mod:`.autograd` (float16/bfloat16 run in float32)."""

    @staticmethod
    @in_float32
    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor:
        bound = conf.max_bytes or MAX_BUFFER_BYTES
        # Winograd's route first, channels last too: where it applies it beat the
        # channels-last columns (benchmarks/README.md); those pad as they lay the input out
        if winograd.applies((*x.shape[:2], *conf.in_size), w.shape, conf, x.dtype):
            return winograd.forward(conf.padded(x), w, b, conf)
        if im2col_last.applies(x, w, conf):
            return im2col_last.forward(x, w, b, conf, bound)
        x = conf.padded(x)
        if kernel_rows.applies(x, w.shape[0], conf.kernel, conf.stride, conf.dilation,
                               conf.groups, bound):
            return kernel_rows.forward(x, w, b, conf.stride, conf.dilation, conf.groups, bound)
        return forward_tiles(x, w, b, _plan(x.shape[0], x.shape[1], w.shape[0], conf, x.dtype))

    @staticmethod
    @in_float32
    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        if input_grad.applies(w, conf, g.shape[0], g.dtype):     # as a convolution
            return input_grad.input_grad(g, w, conf)
        plan = _plan(g.shape[0], w.shape[1] * conf.groups, w.shape[0], conf, g.dtype)
        return col2im.input_grad(g, w, plan, conf)

    @staticmethod
    @in_float32
    def grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        weight, x = (g.shape[1], x.shape[1] // conf.groups, *conf.kernel), conf.padded(x)
        if winograd.applies(x.shape, weight, conf, x.dtype, large_maps=False):
            return winograd.weight_grad(x, g, conf)
        bound = conf.max_bytes or MAX_BUFFER_BYTES
        if kernel_rows.applies(x, g.shape[1], conf.kernel, conf.stride, conf.dilation,
                               conf.groups, bound):
            return kernel_rows.weight_grad(x, g, conf.kernel, conf.stride, conf.dilation,
                                           conf.groups, bound)
        return weight_grad_tiles(x, g, _plan(x.shape[0], x.shape[1], g.shape[1], conf, x.dtype))


def im2col_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                  stride: Pair, dilation: Pair, groups: int,
                  max_buffer_bytes: int = MAX_BUFFER_BYTES,
                  padding: tuple[Pair, Pair] = ((0, 0), (0, 0))) -> torch.Tensor:
    """Conv2d of a batched input ``(N, C, H, W)`` by tiled im2col.

    Same result and gradients (of every order, :mod:`.autograd`) as ``F.conv2d(x, weight,
    bias, stride, padding, dilation, groups)`` with zero ``padding`` ``((top, bottom), (left,
    right))``, added by the route, whose input gradient then covers only the input's cells; the
    column buffer never exceeds ``max_buffer_bytes`` (or one window). Lesson 06 derives it.
    Where a C compiler is found, a layer whose windows hold few numbers, or whose groups hold
    more output channels than a vector (short of the largest products), runs by the compiled
    loops instead (:func:`.compiled.takes_direct`), most of its gradients too.
    """
    conf = Conf.padding_inside(x, weight, stride, dilation, groups, padding, max_buffer_bytes)
    kernels = Im2colKernels
    if compiled.takes_direct(x, weight, conf):    # one compiled loop, sums in registers
        kernels = compiled_gradients.forward_of(Im2colKernels, "direct")
    return bilinear(CONV, x, weight, kernels, conf, bias)
