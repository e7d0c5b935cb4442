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
The weight's gradient reads the same columns: kernel row ``i``'s part is the output gradient
times the rows that kernel row read. A vertical stride would make the rows of a slice ``s_h``
apart, no longer one matrix, so the route is for stride 1 along the height; :func:`applies`
says when it is taken. The input's gradient is :mod:`.input_grad`'s where a group has fewer
output than input channels, else :mod:`.im2col`'s.
"""
from __future__ import annotations

from typing import Iterator

import torch

from .geometry import output_size
from .threads import balanced

#: Fewer output channels per group than this, and at least :data:`MIN_POSITIONS` output
#: positions a sample, and the forward pass and the weight's gradient copy columns for the
#: kernel's columns only (:func:`applies`). Measured on the 2-core benchmark machine, forward
#: time as a multiple of F.conv2d's, im2col against this route, interleaved: 3x3 128 -> 32 on
#: 56x56 at batch 8 3.09 -> 2.65, at batch 2 2.71 -> 2.00; 96 -> 48 on 56x56 2.08 -> 1.49;
#: 24 -> 24 on 56x56 2.71 -> 1.83; 128 -> 128 in 32 groups on 56x56 0.82 -> 0.58. From 64
#: channels a group it was as often slower as faster (64 -> 64 on 56x56 at batch 8: 1.88 ->
#: 1.91, 1.73 -> 1.85; 128 -> 256 on 56x56: 1.67 -> 1.85), and on maps of 14x14 and smaller it
#: was slower at batch 2 (128 -> 32 on 14x14: 1.77 -> 2.04): there each product is small, and
#: the copy im2col makes stays in the cache.
MAX_OUT_CHANNELS = 64
MIN_POSITIONS = 28 * 28
#: Most input channels a group for which a grouped layer takes the route on smaller maps too.
#: There im2col's columns hold every group's windows, several times the cache however small
#: the map, and each group's product is thin (``C_in/G*kH*kW`` rows to sum), so copying a third
#: of them wins. Measured on a 2-core machine, forward / forward + backward, im2col -> this
#: route, interleaved, batch 8 unless said: 3x3 440 in 55 groups on 7x7 3.41 / 3.47 -> 2.77 /
#: 3.08, at batch 2 2.06 / 2.41 -> 1.78 / 2.31; 208 in 26 on 14x14 2.47 / 2.51 -> 2.13 / 2.25;
#: 512 in 32 on 14x14 2.72 / 3.10 -> 2.20 / 2.37; 96 in 6 on 14x14 2.23 / 2.32 -> 1.85 /
#: 2.05. With 32 channels a group it lost (1024 in 32 on 7x7 at batch 2: 2.55 / 2.49 -> 2.60 /
#: 2.89), as dense layers do on small maps.
MAX_SMALL_MAP_GROUP_CHANNELS = 16

Pair = tuple[int, int]


def _sizes(x: torch.Tensor, kernel: Pair, stride: Pair, dilation: Pair
           ) -> tuple[int, int, int]:
    """Output height and width, and the bytes of one sample's columns."""
    _, c_in, height, width = x.shape
    h_out = output_size(height, kernel[0], stride[0], 0, dilation[0])
    w_out = output_size(width, kernel[1], stride[1], 0, dilation[1])
    return h_out, w_out, c_in * kernel[1] * height * w_out * x.element_size()


def applies(x: torch.Tensor, c_out: int, kernel: Pair, stride: Pair, dilation: Pair,
            groups: int, max_bytes: int) -> bool:
    """Whether a padded input ``x`` and ``c_out`` output channels take this route (the forward
    pass and the weight's gradient): stride 1 along the height, a kernel more than one row
    tall, fewer than :data:`MAX_OUT_CHANNELS` output channels per group, at least
    :data:`MIN_POSITIONS` output positions a sample (any number in a grouped layer of at most
    :data:`MAX_SMALL_MAP_GROUP_CHANNELS` input channels a group), and a tile of whole samples
    that gives every thread a matrix."""
    if stride[0] != 1 or kernel[0] < 2 or c_out // groups >= MAX_OUT_CHANNELS:
        return False
    h_out, w_out, per_sample = _sizes(x, kernel, stride, dilation)
    thin_groups = groups > 1 and x.shape[1] // groups <= MAX_SMALL_MAP_GROUP_CHANNELS
    if (h_out * w_out < MIN_POSITIONS and not thin_groups) or per_sample > max_bytes:
        return False
    return min(x.shape[0], max_bytes // per_sample) * groups >= torch.get_num_threads()


def _column_tiles(x: torch.Tensor, kernel: Pair, stride: Pair, dilation: Pair, groups: int,
                  max_bytes: int) -> Iterator[tuple[slice, list[torch.Tensor]]]:
    """For each tile of samples (at most ``max_bytes`` of columns, at least one sample): its
    samples, and for each kernel row ``i`` the ``(T*G, C_in/G*kW, Ho*Wo)`` matrices that row
    reads, views of one reused buffer of columns."""
    n, c_in, height, _ = x.shape
    h_out, w_out, per_sample = _sizes(x, kernel, stride, dilation)
    s_n, s_c, s_h, s_w = x.stride()
    shifts = x.as_strided((n, c_in, kernel[1], height, w_out),   # [n, c, j, y, ox]
                          (s_n, s_c, dilation[1] * s_w, s_h, stride[1] * s_w))
    step = balanced(max(1, max_bytes // per_sample), n, groups)
    buffer = x.new_empty(step * c_in * kernel[1] * height * w_out)
    for start in range(0, n, step):
        samples = slice(start, min(n, start + step))
        t = samples.stop - start
        columns = buffer[:t * c_in * kernel[1] * height * w_out].view(t, *shifts.shape[1:])
        columns.copy_(shifts[samples])
        columns = columns.view(t * groups, c_in // groups * kernel[1], height * w_out)
        yield samples, [columns[:, :, i * dilation[0] * w_out:][:, :, :h_out * w_out]
                        for i in range(kernel[0])]          # kernel row i: rows i*d_h on


def forward(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, stride: Pair,
            dilation: Pair, groups: int, max_bytes: int) -> torch.Tensor:
    """``F.conv2d(x, weight, bias, stride, 0, dilation, groups)`` of a padded input, the
    samples of a tile at once (where :func:`applies`)."""
    n = x.shape[0]
    c_out, _, k_h, k_w = weight.shape
    out_group = c_out // groups
    h_out, w_out, _ = _sizes(x, (k_h, k_w), stride, dilation)
    out = x.new_empty(n, c_out, h_out, w_out)
    kernels = None
    for samples, rows in _column_tiles(x, (k_h, k_w), stride, dilation, groups, max_bytes):
        t = samples.stop - samples.start
        if kernels is None:     # the first tile is the largest: its kernels serve every tile
            kernels = _kernel_rows(weight, groups, t)
        result = out[samples].view(t * groups, out_group, h_out * w_out)
        for i, rows_i in enumerate(rows):
            w_i = kernels[i, :t * groups]
            if i == 0:
                torch.bmm(w_i, rows_i, out=result)
            else:
                result.baddbmm_(w_i, rows_i)
    return out if bias is None else out.add_(bias.view(1, -1, 1, 1))


def _kernel_rows(weight: torch.Tensor, groups: int, samples: int) -> torch.Tensor:
    """The weight as ``(kH, samples*G, C_out/G, C_in/G*kW)``: each kernel row's matrices, one
    per (sample, group) pair, made once a call. Made once a kernel row and tile instead, they
    took 140 of the 700 us of a 3x3 layer of 400 channels in 25 groups on 7x7 maps at batch 8
    (F.conv2d: 220)."""
    c_out, c_group, k_h, k_w = weight.shape
    rows = weight.reshape(groups, c_out // groups, c_group, k_h, k_w).permute(3, 0, 1, 2, 4)
    rows = rows.reshape(k_h, 1, groups, c_out // groups, c_group * k_w)   # runs of kW first,
    return rows.expand(-1, samples, -1, -1, -1).reshape(                   # then whole rows
        k_h, samples * groups, c_out // groups, c_group * k_w)


def weight_grad(x: torch.Tensor, grad_out: torch.Tensor, kernel: Pair, stride: Pair,
                dilation: Pair, groups: int, max_bytes: int) -> torch.Tensor:
    """The weight's gradient ``(C_out, C_in/G, kH, kW)`` from a padded input and the output's
    gradient, the same columns as :func:`forward`: kernel row ``i``'s is the output gradient
    times the rows it reads, summed over samples (where :func:`applies`)."""
    c_in, (n, c_out, h_out, w_out) = x.shape[1], grad_out.shape
    out_group, c_group = c_out // groups, c_in // groups
    grad = x.new_zeros(kernel[0], groups, out_group, c_group * kernel[1])
    grad_out = grad_out.contiguous()
    for samples, rows in _column_tiles(x, kernel, stride, dilation, groups, max_bytes):
        t = samples.stop - samples.start
        grads = grad_out[samples].view(t * groups, out_group, h_out * w_out)
        for grad_i, rows_i in zip(grad, rows):
            grad_i += torch.bmm(grads, rows_i.transpose(1, 2)).view(t, *grad_i.shape).sum(0)
    grad = grad.view(kernel[0], groups, out_group, c_group, kernel[1]).permute(1, 2, 3, 0, 4)
    return grad.reshape(c_out, c_group, *kernel)
