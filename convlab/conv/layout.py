"""How PyTorch reads a tensor's layout in memory, and lays out F.conv2d's result by it.

A 4-D tensor is laid out *channels last* when its channels are the densest dimension
(``.contiguous(memory_format=torch.channels_last)``, what ``model.to(memory_format=...)``
gives every weight). F.conv2d and F.conv_transpose2d return a channels-last result when the
input or the weight is laid out so (and the batch is not empty), the default layout otherwise,
and the next layer reads that layout; :func:`.functional.conv2d_vectorized` and
:func:`.transposed.conv_transpose2d_vectorized` do the same.
"""
from __future__ import annotations

import torch


def laid_out_channels_last(t: torch.Tensor) -> bool:
    """Whether PyTorch takes a 4-D tensor for channels-last (``Tensor.suggest_memory_format``,
    c10's ``is_channels_last_strides_2d``): with the channels as the densest dimension, then
    columns, rows and samples, each stride at least the span of the dimensions before it.
    F.conv2d returns channels-last outputs when its input or weight is laid out so (a model
    moved with ``model.to(memory_format=torch.channels_last)``); ties of a sample stride with
    the channels' go to the default layout, as in PyTorch."""
    size, step = t.shape, t.stride()
    if t.dim() != 4 or step[1] == 0:
        return False
    least = 0
    for d in (1, 3, 2, 0):
        if size[d] == 0 or step[d] < least or (d == 0 and least == step[1]):
            return False
        least = step[d] * size[d]
    return True


def result_channels_last(x: torch.Tensor, weight: torch.Tensor) -> bool:
    """Whether F.conv2d and F.conv_transpose2d lay out their result (and the input's gradient,
    for real numbers) channels last: when the batched input or the weight is laid out so and
    the batch is not empty (PyTorch's route for an empty batch keeps the default layout)."""
    return x.numel() > 0 and (laid_out_channels_last(x) or laid_out_channels_last(weight))


def in_channels_last(out: torch.Tensor) -> torch.Tensor:
    """``out`` laid out as F.conv2d lays out a channels-last result: with exactly the strides
    of a new channels-last tensor (its size-1 dimensions' too, which decide how the next layer
    reads its layout), copied only if it has others. A complex result PyTorch assembles from
    its real and imaginary parts (``torch.complex``), which lays out a single channel as the
    default layout does; so is this one."""
    if out.is_complex():    # each part a channels-last real result, then torch.complex
        return torch.complex(*(in_channels_last(part) for part in (out.real, out.imag)))
    wanted = torch.empty(out.shape, memory_format=torch.channels_last, device="meta").stride()
    return out if out.stride() == wanted else out.clone(memory_format=torch.channels_last)
