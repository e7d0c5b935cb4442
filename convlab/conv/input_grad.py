"""The input's gradient at stride 1 as a forward convolution of the output's gradient with the
flipped kernel (lessons 06 and 08).

Output cell ``(y, x)`` took input cell ``(y + i*d_h, x + j*d_w)`` times tap ``(i, j)``; so the
input cell's gradient collects, from every tap, the output gradient ``i*d_h`` rows and
``j*d_w`` columns before it. That is a convolution of the output gradient, padded by the
kernel's extent less one on every side, with the kernel flipped in both directions and its
input and output channels exchanged (within each group): the transposed convolution of
lesson 08, which at stride 1 needs no zeros between the cells. Where the layer pads its input
with zeros, their gradient is not wanted, and the output gradient is padded that much less.

im2col's own input gradient multiplies ``weight.T`` (``C_in/G*kH*kW`` rows, ``C_out/G`` deep)
by the output gradient, then adds each tap's columns back onto the input (col2im). With fewer
output than input channels per group the product is only ``C_out/G`` deep and writes
``kH*kW`` times the input; as a convolution it is ``C_out/G*kH*kW`` deep, ``C_in/G`` rows, and
writes the input once (3x3 128 -> 32 on 56x56 at batch 8: 3.34 -> 1.55x F.conv2d's input
gradient, measured interleaved). :func:`applies` says when.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import im2col, winograd
from .autograd import Conf


#: Most channels a group for which, with as many output channels as input channels, the
#: flipped convolution is taken (:func:`applies`).
SHALLOW = 128


def applies(weight: torch.Tensor, conf: Conf, n: int = 1,
            dtype: torch.dtype = torch.float32) -> bool:
    """Stride 1, and fewer output channels than input channels per group, or as many and at
    most :data:`SHALLOW`, or a convolution :mod:`.winograd` takes (``n`` samples of
    ``dtype``). col2im's product is ``C_out/G`` deep and this one ``kH*kW`` times deeper, for
    the same numbers copied when the channels are equal; shallow products are the slow ones.
    Measured on the 2-core benchmark machine, input gradient as a multiple of F.conv2d's,
    col2im against this route: 128 -> 32 on 56x56 3.34 -> 1.55, on 7x7 1.97 -> 1.62; 256 -> 64
    on 28x28 1.94 -> 1.50. As many, computing the input's cells only (``conf.pad``): 64 -> 64 on
    56x56 at batch 8 1.56 -> 1.23, at batch 2 2.29 -> 1.87; 128 -> 128 on 14x14 1.11 -> 1.04;
    1024 -> 1024 in 32 groups on 7x7 2.63 -> 1.59, 440 in 55 groups 3.96 -> 3.42, 256 in 32
    groups on 28x28 at batch 2 2.71 -> 1.58 (all 16 grouped layers tried); but with 256 and more
    it lost (256 -> 256 on 7x7 1.77 -> 1.94, on 14x14 at batch 2 1.47 -> 1.75, 512 -> 512 on
    7x7 1.29 -> 1.51), and with more output channels than input (32 -> 64 on 56x56 1.82 ->
    2.18, 5x5 64 -> 192 on 27x27 2.08 -> 2.91, 3 -> 64 0.46 -> 3.45). Otherwise it is taken
    where that convolution runs by :mod:`.winograd` (256 -> 256 on 14x14 at batch 8 1.49 ->
    1.29), not by its rule for large maps (col2im against it, 64 -> 128 on 56x56 at batch 8
    1.68 -> 1.86)."""
    if conf.stride != (1, 1):
        return False
    c_out, c_group, k_h, k_w = weight.shape
    if c_out // conf.groups < c_group or c_out // conf.groups == c_group <= SHALLOW:
        return True
    (reach_h, reach_w), (top, bottom, left, right) = _reach(weight, conf), conf.pad
    padded = (n, c_out, conf.in_size[0] - top - bottom + reach_h,
              conf.in_size[1] - left - right + reach_w)
    flipped = (c_group * conf.groups, c_out // conf.groups, k_h, k_w)
    return winograd.applies(padded, flipped, conf, dtype, large_maps=False)


def _reach(weight: torch.Tensor, conf: Conf) -> tuple[int, int]:
    """The kernel's extent less one, down and across: the output gradient's padding on each
    side, and how much larger the padded input is than the output."""
    (d_h, d_w), (k_h, k_w) = conf.dilation, weight.shape[2:]
    return (k_h - 1) * d_h, (k_w - 1) * d_w


def input_grad(grad_out: torch.Tensor, weight: torch.Tensor, conf: Conf) -> torch.Tensor:
    """The gradient of the input of a stride-1 convolution (``conf.in_size`` less
    ``conf.pad``), from its output's gradient (where :func:`applies`). The zeros of
    ``conf.pad`` are the route's own, so their gradient is not computed: the output gradient is
    padded that much less (cut where the padding exceeds the kernel's reach)."""
    groups, (top, bottom, left, right) = conf.groups, conf.pad
    c_out, c_group, k_h, k_w = weight.shape
    reach_h, reach_w = _reach(weight, conf)
    padded = F.pad(grad_out, (reach_w - left, reach_w - right, reach_h - top, reach_h - bottom))
    flipped = (weight.reshape(groups, c_out // groups, c_group, k_h, k_w).transpose(1, 2)
               .reshape(groups * c_group, c_out // groups, k_h, k_w).flip(2, 3))
    inner = Conf((1, 1), conf.dilation, groups, tuple(padded.shape[2:]), (k_h, k_w),
                 conf.max_bytes)
    return im2col.Im2colKernels.conv(padded, flipped, None, inner)
