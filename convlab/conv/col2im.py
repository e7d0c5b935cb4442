"""col2im: the im2col route's input gradient, each tap's columns added back onto the cells
its windows read (lesson 06).

The product ``weight^T @ output gradient`` gives, for every window, what each of its cells
receives; windows overlap, so a cell's gradient is the sum over the taps that read it. One
add a tap does that sum, tile by tile in :mod:`.im2col`'s tiles.

At a stride ``s`` a tap's cells are every ``s``-th cell of the gradient: the add touches every
cache line of it to change a quarter of the numbers (stride 2). With long enough output rows
(:data:`PHASE_ROW`) the gradient is kept as its ``s_h*s_w`` phases instead, the sub-images of
every ``s``-th row and column, as :mod:`.depthwise` splits its input: each tap's cells are then
one rectangle of one phase, read in runs, and the phases are interleaved once at the end, in
the copy that drops the padding (:func:`_unphased`).
"""
from __future__ import annotations

import torch

from . import im2col
from .autograd import Conf

#: Fewest positions in an output row for a strided layer's col2im to add into the input
#: gradient's phases (:func:`phased`). Input gradient alone, time phases / strided adds, on a
#: 2-core machine at batch 8 unless said: rows of 56 and 112 (3x3 32 in 2 groups and 48 in 6
#: on 112x112, 32 in 2 at batch 2; the 7x7 and 3x3 stems on 224x224) 0.79-0.92; rows of 28
#: (64 in 4 groups, 104 in 13, 256 in 32, 128 in 1, on 56x56; 256 in 32 at batch 2)
#: 0.80-0.90; rows of 14 (28x28 maps) 0.98-1.12; rows of 7 (14x14 maps) 1.01-1.21, where the
#: phases' rows and the copy out of them are short.
PHASE_ROW = 28


def input_grad(grad_out: torch.Tensor, weight: torch.Tensor, plan: im2col.Plan,
               conf: Conf) -> torch.Tensor:
    """The unpadded input's gradient (:func:`input_grad_tiles`), out of the phases where
    :func:`phased`."""
    if phased(plan):
        return _unphased(input_grad_tiles(grad_out, weight, plan), plan, conf.pad)
    return conf.interior(input_grad_tiles(grad_out, weight, plan))


def input_grad_tiles(grad_out: torch.Tensor, weight: torch.Tensor,
                     plan: im2col.Plan) -> torch.Tensor:
    """The padded input's gradient, tile by tile: ``W^T @ D`` per tile (``D``: its output
    gradient), added back onto the cells each window came from, one add per tap; where
    :func:`phased`, as the padded gradient's phases.

    With :func:`.im2col.samples_inside` the tile's samples are one product (3x3 512 -> 512 on
    7x7 at batch 8: 1.80 -> 1.26x F.conv2d's input gradient, measured interleaved).
    """
    g, phases = plan.groups, phased(plan)
    grad_out = grad_out.contiguous()
    if phases:
        grad_x = grad_out.new_zeros(plan.n, g * weight.shape[1], *plan.stride,
                                    *(-(-size // step) for size, step in
                                      zip(plan.in_size, plan.stride)))
    else:
        grad_x = grad_out.new_zeros(plan.n, g * weight.shape[1], *plan.in_size)
        grad_win = im2col.windows(grad_x, plan.kernel, plan.stride, plan.dilation,
                                  plan.out_size, g)
    buffer = plan.columns_buffer(grad_x)
    for samples, rows, cols in plan.tiles:
        if phases:
            targets = _phase_taps(grad_x, plan, samples, rows, cols)
            t, r, w = targets[0].shape[0], targets[0].shape[3], targets[0].shape[4]
        else:
            target = grad_win[samples, ..., rows, cols]
            targets = _taps(target)
            t, r, w = target.shape[0], target.shape[5], target.shape[6]
        grads = im2col.tile_matrices(grad_out, samples, rows, cols, g)   # (T*G, C_out/G, R*W)
        if im2col.samples_inside(plan, r * w):
            grads = grads.view(t, g, plan.out_group, r * w).permute(1, 2, 0, 3)
            columns = buffer[:t * g * plan.k * r * w].view(g, -1, *plan.kernel, t, r, w)
            torch.bmm(weight.reshape(g, plan.out_group, plan.k).transpose(1, 2),
                      grads.reshape(g, plan.out_group, t * r * w),
                      out=columns.view(g, plan.k, t * r * w))
            columns = columns.permute(4, 0, 1, 2, 3, 5, 6)                # as the target
        else:
            columns = buffer[:t * g * plan.k * r * w].view(t, g, -1, *plan.kernel, r, w)
            torch.bmm(plan.kernels(weight, t).transpose(1, 2), grads,
                      out=columns.view(t * g, plan.k, r * w))
        for cells, tap in zip(targets, _taps(columns)):         # col2im: a loop over taps
            cells.add_(tap)
    return grad_x


def phased(plan: im2col.Plan) -> bool:
    """Whether col2im adds into the input gradient's phases (:func:`_phase_taps`): at a
    stride, with output rows of at least :data:`PHASE_ROW` positions."""
    return plan.stride != (1, 1) and plan.out_size[1] >= PHASE_ROW


def _phase_taps(grad_p: torch.Tensor, plan: im2col.Plan, samples: slice, rows: slice,
                cols: slice) -> list[torch.Tensor]:
    """Where each tap's products go in the padded input's gradient split into its phases,
    ``(N, C, s_h, s_w, ceil(H/s_h), ceil(W/s_w))``: cell ``(y, x)`` at ``[y % s_h, x % s_w,
    y // s_h, x // s_w]``. At a stride a tap's cells are every ``s``-th one of the gradient, and
    adding into them moves every cache line of it; in the phases they are one sub-image, a
    ``s_h*s_w``-th of it, read in runs. ``(T, G, C/G, R, W)`` views, in tap order."""
    (s_h, s_w), (d_h, d_w), g = plan.stride, plan.dilation, plan.groups
    views = []
    for i in range(plan.kernel[0]):
        a, down = (i * d_h) % s_h, (i * d_h) // s_h
        for j in range(plan.kernel[1]):
            b, right = (j * d_w) % s_w, (j * d_w) // s_w
            view = grad_p[samples, :, a, b, rows.start + down:rows.stop + down,
                          cols.start + right:cols.stop + right]
            views.append(view.unflatten(1, (g, -1)))
    return views


def _unphased(grad_p: torch.Tensor, plan: im2col.Plan, pad: tuple[int, int, int, int]
             ) -> torch.Tensor:
    """The unpadded input's gradient from its padded phases (:func:`_phase_taps`), each of
    its ``s_h*s_w`` sub-grids one strided copy: the copy :meth:`.autograd.Conf.interior` makes
    without phases."""
    top, bottom, left, right = pad
    (s_h, s_w), (height, width) = plan.stride, plan.in_size
    height, width = height - top - bottom, width - left - right
    out = grad_p.new_empty(*grad_p.shape[:2], height, width)
    for a in range(s_h):
        down, phase_a = divmod(a + top, s_h)
        for b in range(s_w):
            right, phase_b = divmod(b + left, s_w)
            target = out[:, :, a::s_h, b::s_w]
            target.copy_(grad_p[:, :, phase_a, phase_b, down:down + target.shape[2],
                                right:right + target.shape[3]])
    return out


def _taps(t: torch.Tensor) -> list[torch.Tensor]:
    """The kernel taps of windows ``(T, G, C, kH, kW, R, W)``, in tap order, as views.

    Two ``unbind`` calls, not an index per tap: ``t[:, :, :, i, j] += ...`` parses its index
    twice and writes the view back, about 30 us a tap in Python on a small layer."""
    return [tap for row in t.unbind(3) for tap in row.unbind(3)]
