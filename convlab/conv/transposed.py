"""Transposed convolution with exactly ``F.conv_transpose2d``'s semantics (lesson 08).

A transposed convolution runs a convolution's arrows backwards: every input cell ``(i, j)``
**scatters** a copy of the kernel, scaled by its value, into the output, its taps
``(ky, kx)`` landing on ``(i·stride + ky·dilation, j·stride + kx·dilation)`` of a canvas;
overlapping copies add up. Then ``padding`` cells are cut from each side of the canvas
(``output_padding`` extra rows/columns at the bottom/right belong to it). This is exactly the
gradient of ``F.conv2d`` with respect to its input, which is why PyTorch calls it the transpose:
the matrix of this linear map is the transpose of the convolution's.

Weights have the shape ``(C_in, C_out/groups, kH, kW)``: input channel first, the reverse of
``Conv2d``'s, because each input channel owns the kernels it scatters.

- :func:`conv_transpose2d_naive` is that sentence as loops: one slice-add per input cell.
- :func:`conv_transpose2d_vectorized` computes every scaled kernel at once (one matrix
  product per group) and adds the overlapping copies with ``F.fold`` (col2im, the inverse of
  the ``F.unfold`` of lesson 06).

Both are built only from differentiable PyTorch operations, so PyTorch's own autograd gives
them every mode (backward of any order, forward-mode AD, ``torch.func.vmap``) with no custom
``autograd.Function``; neither calls PyTorch's convolution. Both validate through
:func:`convlab.conv.transposed_checks.check_conv_transpose2d` and take the output size from
:mod:`convlab.conv.geometry`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .autograd import in_float32
from .geometry import IntOrPair, TransposedGeometry
from .layout import in_channels_last, result_channels_last
from .transposed_checks import check_conv_transpose2d
from .validation import check_complex_result

__all__ = ["conv_transpose2d_naive", "conv_transpose2d_vectorized"]


def conv_transpose2d_naive(
    input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
    stride: IntOrPair = 1, padding: IntOrPair = 0, output_padding: IntOrPair = 0,
    groups: int = 1, dilation: IntOrPair = 1,
) -> torch.Tensor:
    """Transposed convolution as loops: each input cell adds a scaled kernel to the output.

    ``F.conv_transpose2d``'s arguments, results and errors. Clarity over speed: one slice-add
    per group and input cell, whose slice shows the stride (where the copy starts) and the
    dilation (the step between its taps). Lesson 08 draws the same loop in its explorer.
    """
    geo = check_conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)
    x = input if input.dim() == 4 else input.unsqueeze(0)
    if x.shape[0] == 0:
        return _empty_batch(x, weight, bias, geo, groups)
    out = _finish(_scatter_loops(x, weight, geo, groups), bias, geo)
    return out if input.dim() == 4 else out.squeeze(0)


@in_float32
def _scatter_loops(x: torch.Tensor, weight: torch.Tensor, geo: TransposedGeometry,
                   groups: int) -> torch.Tensor:
    """The canvas: for each input cell, its values times the kernels, added in place."""
    n, c_in, height, width = x.shape
    per_in, per_out = c_in // groups, weight.shape[1]
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    span_h = d_h * (geo.kernel[0] - 1) + 1          # rows one kernel copy covers
    span_w = d_w * (geo.kernel[1] - 1) + 1
    canvas = None
    for g in range(groups):
        ins, outs = slice(g * per_in, (g + 1) * per_in), slice(g * per_out, (g + 1) * per_out)
        for i in range(height):
            for j in range(width):
                # every output channel's kernel, scaled by this cell's value in each input
                # channel of the group and summed over them: (N, C_out/groups, kH, kW)
                copy = torch.einsum("nc,cokl->nokl", x[:, ins, i, j], weight[ins])
                if canvas is None:    # made from a product: batched under vmap if either is
                    canvas = copy.new_zeros(n, per_out * groups, *geo.full_size)
                canvas[:, outs, i * s_h:i * s_h + span_h:d_h, j * s_w:j * s_w + span_w:d_w] += copy
    if canvas is None:        # no input cells at all
        canvas = x.new_zeros(n, per_out * groups, *geo.full_size)
    return canvas


def conv_transpose2d_vectorized(
    input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
    stride: IntOrPair = 1, padding: IntOrPair = 0, output_padding: IntOrPair = 0,
    groups: int = 1, dilation: IntOrPair = 1,
) -> torch.Tensor:
    """Transposed convolution as one matrix product per group plus ``F.fold`` (lesson 08).

    ``columns = weightᵀ @ input``: column ``(n, i, j)`` holds the kernel copy that input cell
    ``(i, j)`` scatters, for every output channel. ``F.fold`` (col2im) then adds each column
    into its window of the canvas, the exact reverse of ``F.unfold``'s copying out (lesson 06):
    that is the sense in which this is a convolution run backwards. Integer tensors, which
    ``F.fold`` does not take, add the columns tap by tap with strided slices instead.
    """
    geo = check_conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)
    x = input if input.dim() == 4 else input.unsqueeze(0)
    if x.shape[0] == 0:
        out = _empty_batch(x, weight, bias, geo, groups)
    else:
        out = _finish(_matmul_fold(x, weight, geo, groups), bias, geo)
    # laid out as PyTorch's result (an empty batch in the default layout): a copy, never a
    # view of the wider canvas
    if result_channels_last(x, weight):
        out = in_channels_last(out)
    else:
        out = out.contiguous()
    return out if input.dim() == 4 else out.squeeze(0)


@in_float32
def _matmul_fold(x: torch.Tensor, weight: torch.Tensor, geo: TransposedGeometry,
                 groups: int) -> torch.Tensor:
    n, c_in, height, width = x.shape
    per_in, per_out, k_h, k_w = weight.shape[0] // groups, *weight.shape[1:]
    # (groups, C_in/groups, C_out/groups·kH·kW) times (N, groups, C_in/groups, H·W)
    w = weight.reshape(groups, per_in, per_out * k_h * k_w)
    columns = torch.einsum("gck,ngcl->ngkl", w, x.reshape(n, groups, per_in, height * width))
    columns = columns.reshape(n, groups * per_out * k_h * k_w, height * width)
    reach = ((height - 1) * geo.stride[0] + geo.dilation[0] * (k_h - 1) + 1,
             (width - 1) * geo.stride[1] + geo.dilation[1] * (k_w - 1) + 1)
    if x.dtype.is_floating_point or x.dtype.is_complex:
        canvas = F.fold(columns, reach, (k_h, k_w), dilation=geo.dilation, stride=geo.stride)
    else:
        canvas = _fold_by_taps(columns.reshape(n, groups * per_out, k_h, k_w, height, width),
                               reach, geo)
    extra_h, extra_w = (full - r for full, r in zip(geo.full_size, reach))  # output_padding
    return F.pad(canvas, (0, extra_w, 0, extra_h)) if extra_h or extra_w else canvas


def _fold_by_taps(columns: torch.Tensor, reach: tuple[int, int],
                  geo: TransposedGeometry) -> torch.Tensor:
    """``F.fold`` for the dtypes it lacks: tap ``(ky, kx)`` of every copy, one strided slice."""
    n, c_out, k_h, k_w, height, width = columns.shape
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    canvas = columns.new_zeros(n, c_out, *reach)
    for ky in range(k_h):
        for kx in range(k_w):
            canvas[:, :, ky * d_h:ky * d_h + (height - 1) * s_h + 1:s_h,
                   kx * d_w:kx * d_w + (width - 1) * s_w + 1:s_w] += columns[:, :, ky, kx]
    return canvas


def _finish(canvas: torch.Tensor, bias: torch.Tensor | None,
            geo: TransposedGeometry) -> torch.Tensor:
    """Cut ``padding`` from each side of the canvas and add the bias."""
    (p_h, p_w), (h_out, w_out) = geo.padding, geo.out_size
    out = canvas[:, :, p_h:p_h + h_out, p_w:p_w + w_out]
    if bias is not None:     # PyTorch adds in the wider dtype and rounds back
        out = (out + bias.reshape(1, -1, 1, 1)).to(out.dtype)
    return out


def _empty_batch(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                 geo: TransposedGeometry, groups: int) -> torch.Tensor:
    """PyTorch's answer for a batch of zero samples: an empty output of the right shape.

    Its dtype follows PyTorch's empty route, the input's dtype promoted by the weight as a
    0-dimensional tensor (an int64 input and a float64 weight give float64, a float32 input
    stays float32); it depends on every argument, so the (zero) gradients have their shapes.
    A real input with a complex weight, as in PyTorch, cannot be differentiated.
    """
    out = (x.new_zeros(0, weight.shape[1] * groups, *geo.out_size) + x.sum()) * weight.sum()
    check_complex_result(out, x, weight, bias)
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)
