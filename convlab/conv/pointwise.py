"""A 1x1 kernel, where a plain matrix product gives the same numbers as im2col (lesson 06).

A 1x1 kernel has one tap, so the "windows" are the input cells themselves. The convolution is
a matrix product of the weight with the input's channels, with no copy at all (stride 1) or
one copy of the cells the stride keeps. It is differentiated by autograd as it is.
The other route for thin products, depthwise layers, is :mod:`.depthwise`.
"""
from __future__ import annotations

import torch

from .autograd import in_float32, nothing_to_differentiate
from .layout import laid_out_channels_last

Pair = tuple[int, int]


def is_pointwise(weight: torch.Tensor) -> bool:
    """A 1x1 kernel: every output cell reads exactly one input cell per channel."""
    return tuple(weight.shape[2:]) == (1, 1)


@in_float32
def pointwise_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                     stride: Pair, groups: int) -> torch.Tensor:
    """1x1 convolution as ``weight (groups, C_out/g, C_in/g) @ input (N, groups, C_in/g, H*W)``.

    Dilation does not matter for a single tap; the stride just keeps every ``stride``-th cell.
    With a single output position the samples become the rows of one product per group
    (broadcasting the weight over samples instead would copy it once per sample); when a
    sample's input and output are smaller than the weight, the samples go inside one product.
    Plain tensor operations: autograd, ``torch.func`` and second derivatives need nothing more.
    """
    n, c_in, _, _ = x.shape
    c_out = weight.shape[0]
    strided = stride[0] != 1 or stride[1] != 1
    kept = x[:, :, ::stride[0], ::stride[1]] if strided else x   # a view; copied below if strided
    h_out, w_out = kept.shape[2:]
    if h_out * w_out == 1 and groups == 1:
        # one position (a squeeze-excitation block): samples are rows, and the product adds the
        # bias itself. Around a product this small every operation counts: 960 -> 240 at batch
        # 1 took 53 µs through the grouped branch below, 37 µs here, the product alone 28 µs
        # (the grouped branch with a fused bias measured 46 µs, so this case stays its own)
        rows, kernels = kept.reshape(n, c_in), weight.reshape(c_out, c_in).t()
        out = torch.mm(rows, kernels) if bias is None else torch.addmm(bias, rows, kernels)
        return out.view(n, c_out, 1, 1)
    positions = h_out * w_out
    if groups == 1 and laid_out_channels_last(x) and not x.is_complex():
        # channels last (a model moved with .to(memory_format=torch.channels_last)): each
        # cell's channels are a row already, so one product (cells, C_in) @ (C_in, C_out)
        # gives the channels-last result F.conv2d returns, with no copy (at a stride, one),
        # and the input's gradient laid out as PyTorch's (a complex one PyTorch lays out in
        # the default layout: the products below give that)
        rows = kept.permute(0, 2, 3, 1).reshape(n * positions, c_in)
        kernels = weight.reshape(c_out, c_in).t()
        out = torch.mm(rows, kernels) if bias is None else torch.addmm(bias, rows, kernels)
        return out.view(n, h_out, w_out, c_out).permute(0, 3, 1, 2)
    if groups == 1 and c_out * c_in >= positions * (c_out + c_in):
        # a sample's input and output together are smaller than the weight (small maps, many
        # channels: 2048 -> 512 on 7x7): one product per sample would be thin, and its weight
        # gradient a full weight-sized product per sample, summed. The samples go inside one
        # product instead (that layer at batch 8, forward + backward 2.13 -> 1.12x F.conv2d's)
        cells = kept.transpose(0, 1).reshape(c_in, n * positions)
        kernels = weight.reshape(c_out, c_in)
        out = (torch.mm(kernels, cells) if bias is None
               else torch.addmm(bias.view(c_out, 1), kernels, cells))
        return out.view(c_out, n, h_out, w_out).transpose(0, 1).contiguous()
    kernels = weight.reshape(groups, c_out // groups, c_in // groups)
    if positions == 1:          # one position, several groups: one product per group
        rows = kept.reshape(n, groups, c_in // groups).transpose(0, 1)         # (G, N, C_in/G)
        out = torch.bmm(rows, kernels.transpose(1, 2)).transpose(0, 1).reshape(n, c_out, 1, 1)
    else:
        cells = kept.reshape(n, groups, c_in // groups, positions)
        out = torch.matmul(kernels, cells).view(n, c_out, h_out, w_out)
    if bias is None:
        return out
    if nothing_to_differentiate(x, weight, bias):
        return out.add_(bias.view(1, c_out, 1, 1))
    # added in place, the bias would make autograd copy the whole output gradient back through
    # the view (16 -> 96 on 112x112 at batch 8: forward + backward 62 ms, 37 ms added anew)
    return out + bias.view(1, c_out, 1, 1)
