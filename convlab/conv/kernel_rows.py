"""The im2col forward pass with columns for the kernel's columns only: one matrix product per
kernel row, over shifted views of a narrower column matrix (lesson 06).

im2col (:mod:`.im2col`) copies every kernel tap's cells, ``C_in*kH*kW`` numbers a position, and
each copied number then takes part in ``C_out/G`` multiply-adds. With few output channels the
copy costs about as much as the product (3x3 128 -> 32 on 56x56 at batch 8: 7 ms of copying
against 20 ms of products; F.conv2d's whole layer takes 11).

Here the copy holds only the kernel's ``kW`` column shifts, for every input row: ``x[n, c, y,
ox*s_w + j*d_w]`` at ``[n, c, j, y, ox]``, ``kW`` times the input where im2col makes ``kH*kW``
times. Flatten ``(y, ox)`` and the cells that kernel row ``i`` reads for every output position
``(oy, ox)`` (input row ``oy + i*d_h``) are one slice of it, starting ``i*d_h`` rows on: a matrix
the product reads in place. So

    output (C_out/G, Ho*Wo) = sum over kernel rows i of
        weight[:, :, i, :] (C_out/G, C_in/G*kW) @ rows i*d_h ... of the columns (C_in/G*kW, Ho*Wo)

``kH`` products, each adding to the output (which is small when the output channels are few).
A vertical stride would make the rows of a slice ``s_h`` apart, no longer one matrix, so the
route is for stride 1 along the height; :func:`applies` says when it is taken. The gradients
stay :mod:`.im2col`'s.
"""
from __future__ import annotations

import torch

from .geometry import output_size

#: Fewer output channels per group than this, and at least :data:`MIN_POSITIONS` output
#: positions a sample, and the forward pass copies columns for the kernel's columns only
#: (:func:`applies`). Measured on the 2-core benchmark machine, forward time as a multiple of
#: F.conv2d's, im2col against this route, interleaved: 3x3 128 -> 32 on 56x56 at batch 8 3.09 ->
#: 2.65, at batch 2 2.71 -> 2.00; 96 -> 48 on 56x56 2.08 -> 1.49; 24 -> 24 on 56x56 2.71 ->
#: 1.83; 128 -> 128 in 32 groups on 56x56 0.82 -> 0.58. From 64 channels a group it was as
#: often slower as faster (64 -> 64 on 56x56 at batch 8: 1.88 -> 1.91, 1.73 -> 1.85; 128 ->
#: 256 on 56x56: 1.67 -> 1.85), and on maps of 14x14 and smaller it was slower at batch 2
#: (128 -> 32 on 14x14: 1.77 -> 2.04): there each product is small, and the copy im2col makes
#: stays in the cache.
MAX_OUT_CHANNELS = 64
MIN_POSITIONS = 28 * 28

Pair = tuple[int, int]


def _sizes(x: torch.Tensor, weight: torch.Tensor, stride: Pair, dilation: Pair
           ) -> tuple[int, int, int]:
    """Output height and width, and the bytes of one sample's columns."""
    _, c_in, height, width = x.shape
    k_h, k_w = weight.shape[2:]
    h_out = output_size(height, k_h, stride[0], 0, dilation[0])
    w_out = output_size(width, k_w, stride[1], 0, dilation[1])
    return h_out, w_out, c_in * k_w * height * w_out * x.element_size()


def applies(x: torch.Tensor, weight: torch.Tensor, stride: Pair, dilation: Pair, groups: int,
            max_bytes: int) -> bool:
    """Whether the forward pass of a padded input ``x`` takes this route: stride 1 along the
    height, a kernel more than one row tall, fewer than :data:`MAX_OUT_CHANNELS` output
    channels per group, at least :data:`MIN_POSITIONS` output positions a sample, and a tile
    of whole samples that gives every thread a matrix."""
    if stride[0] != 1 or weight.shape[2] < 2 or weight.shape[0] // groups >= MAX_OUT_CHANNELS:
        return False
    h_out, w_out, per_sample = _sizes(x, weight, stride, dilation)
    if h_out * w_out < MIN_POSITIONS or per_sample > max_bytes:
        return False
    return min(x.shape[0], max_bytes // per_sample) * groups >= torch.get_num_threads()


def forward(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, stride: Pair,
            dilation: Pair, groups: int, max_bytes: int) -> torch.Tensor:
    """``F.conv2d(x, weight, bias, stride, 0, dilation, groups)`` of a padded input, the
    samples of a tile at once, columns at most ``max_bytes`` (where :func:`applies`)."""
    n, c_in, height, _ = x.shape
    c_out, c_group, k_h, k_w = weight.shape
    out_group, depth = c_out // groups, c_group * k_w
    h_out, w_out, per_sample = _sizes(x, weight, stride, dilation)
    s_n, s_c, s_h, s_w = x.stride()
    shifts = x.as_strided((n, c_in, k_w, height, w_out),          # [n, c, j, y, ox]
                          (s_n, s_c, dilation[1] * s_w, s_h, stride[1] * s_w))
    step = max(1, min(n, max_bytes // per_sample))
    kernels = [w_i.reshape(1, groups, out_group, depth).expand(step, -1, -1, -1)   # per tile
               .reshape(step * groups, out_group, depth)                           # matrix
               for w_i in weight.reshape(groups, out_group, c_group, k_h, k_w).unbind(3)]
    buffer = x.new_empty(step * c_in * k_w * height * w_out)
    out = x.new_empty(n, c_out, h_out, w_out)
    for start in range(0, n, step):
        t = min(n, start + step) - start
        columns = buffer[:t * c_in * k_w * height * w_out].view(t, c_in, k_w, height, w_out)
        columns.copy_(shifts[start:start + t])
        columns = columns.view(t * groups, depth, height * w_out)
        result = out[start:start + t].view(t * groups, out_group, h_out * w_out)
        for i, w_i in enumerate(kernels):                       # kernel row i reads rows
            first = i * dilation[0] * w_out                      # i*d_h on: a slice
            rows = columns[:, :, first:first + h_out * w_out]
            if i == 0:
                torch.bmm(w_i[:t * groups], rows, out=result)
            else:
                result.baddbmm_(w_i[:t * groups], rows)
    return out if bias is None else out.add_(bias.view(1, -1, 1, 1))
