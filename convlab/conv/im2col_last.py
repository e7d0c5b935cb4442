"""im2col with the channels innermost: the forward pass of a channels-last layer (lesson 06).

A model moved with ``model.to(memory_format=torch.channels_last)`` holds its inputs as
``(N, H, W, C)`` in memory and its weights as ``(C_out, kH, kW, C_in)``. The same product as
:mod:`.im2col`, turned over, takes both as they are:

    output (positions, C_out) = columns (positions, kH*kW*C_in) @ weight (C_out, kH*kW*C_in)^T

Each window's numbers are its cells' channels one after another, so building the columns
copies runs of ``C_in`` neighbouring numbers (the default-layout columns gather one number a
cell, ``C_in`` apart); the weight is already one ``(C_out, kH*kW*C_in)`` matrix, where the
default-layout product needs it transposed first (a copy of 2.4 million numbers, about 1 ms, on
every call of a 3x3 512 -> 512 layer); and the product's rows are the output's cells with
their channels innermost: the channels-last result itself, written in place. Forward, ratio
to F.conv2d, resnet18's layers with the model channels last, batch 2 (``benchmarks/README.md``):
the 7x7 stem 2.05 -> 1.52, 3x3 64 on 56x56 1.84 -> 1.59, 128 on 28x28 1.96 -> 1.38, 256 on
14x14 1.70 -> 1.13, 512 on 7x7 1.60 -> 0.87.

The columns are made a tile at a time within the same bound as :mod:`.im2col`'s: whole
samples while they fit, else rows of one sample. The gradients are :mod:`.im2col`'s, and wide
3x3 layers that Winograd's route takes stay there, channels last too (512 -> 512 on 28x28 at
batch 8: 0.97x F.conv2d by Winograd, 1.37x by these columns; 256 on 56x56 at batch 2 1.22
against 1.57).
"""
from __future__ import annotations

import torch

from .autograd import Conf
from .geometry import output_size
from .layout import laid_out_channels_last
from .threads import equal_size


def applies(x: torch.Tensor, w: torch.Tensor, conf: Conf) -> bool:
    """Whether a call takes this forward pass: one group of real numbers, and an input or a
    weight laid out channels last (F.conv2d's result is then channels last too). Complex
    results PyTorch lays out by another rule (:func:`.layout.in_channels_last`)."""
    return (conf.groups == 1 and x.shape[0] > 0 and not x.is_complex()
            and (laid_out_channels_last(x) or laid_out_channels_last(w)))


def _tiles(n: int, rows: int, row_bytes: int, bound: int) -> list[tuple[slice, slice]]:
    """``(samples, output rows)`` of each tile: equal runs of whole samples whose columns fit
    ``bound``, else runs of at least one row of one sample."""
    sample_bytes = rows * row_bytes
    if sample_bytes <= bound:
        step = equal_size(n, max(1, min(n, bound // max(sample_bytes, 1))))
        return [(slice(s, min(n, s + step)), slice(0, rows)) for s in range(0, n, step)]
    step = max(1, bound // max(row_bytes, 1))
    return [(slice(s, s + 1), slice(r, min(rows, r + step)))
            for s in range(n) for r in range(0, rows, step)]


def forward(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None, conf: Conf,
            bound: int) -> torch.Tensor:
    """The convolution of an unpadded ``x`` (any layout), zero-padded by ``conf.pad``, as a
    channels-last result: tiles of channels-last columns, each one product into its rows of
    the result."""
    n, c, h, width = x.shape
    c_out, _, k_h, k_w = w.shape
    (s_h, s_w), (d_h, d_w), (h_p, w_p) = conf.stride, conf.dilation, conf.in_size
    h_o, w_o = output_size(h_p, k_h, s_h, 0, d_h), output_size(w_p, k_w, s_w, 0, d_w)
    top, _, left, _ = conf.pad
    padded = x.new_zeros(n, h_p, w_p, c)                     # each cell's channels innermost
    padded[:, top:top + h, left:left + width] = x.permute(0, 2, 3, 1)
    step_n, step_h, step_w, step_c = padded.stride()
    windows = padded.as_strided((n, h_o, w_o, k_h, k_w, c),
                                (step_n, step_h * s_h, step_w * s_w, step_h * d_h, step_w * d_w,
                                 step_c))
    k = k_h * k_w * c
    weight = w.permute(0, 2, 3, 1).reshape(c_out, k).t()     # a view for a channels-last w
    out = torch.empty((n, c_out, h_o, w_o), dtype=x.dtype, device=x.device,
                      memory_format=torch.channels_last)
    cells = out.permute(0, 2, 3, 1)                          # (N, Ho, Wo, C_out), contiguous
    tiles = _tiles(n, h_o, w_o * k * x.element_size(), bound)
    largest = max((len(range(n)[s]) * len(range(h_o)[r]) for s, r in tiles), default=0)
    buffer = x.new_empty(largest * w_o * k)
    for samples, rows in tiles:
        block = windows[samples, rows]
        columns = buffer[:block.numel()].view(block.shape).copy_(block).view(-1, k)
        target = cells[samples, rows].view(-1, c_out)
        if b is None:
            torch.mm(columns, weight, out=target)
        else:
            torch.addmm(b, columns, weight, out=target)
    return out
