"""Two Conv2d implementations with exactly PyTorch's semantics (lesson 06).

Both take ``torch.nn.functional.conv2d``'s arguments plus ``nn.Conv2d``'s ``padding_mode``:

- :func:`conv2d_naive` is the formula written as loops, to read beside

      out(N_i, C_out_j) = bias(C_out_j) + sum_k weight(C_out_j, k) ⋆ input(N_i, k)

  where ⋆ is cross-correlation (the kernel is not flipped).
- :func:`conv2d_vectorized` does the same work with im2col (a strided view of the windows,
  copied a tile at a time) and one matrix product per group, and supports every autograd mode
  of ``F.conv2d`` (backward of any order, forward-mode AD, ``torch.func``; :mod:`.autograd`).

``conv2d_naive`` has gradients too, by loops (:mod:`.naive_backward`), first order only.

Neither calls PyTorch's own convolution; both validate through ``convlab.validation`` and take
every formula from ``convlab.geometry``.
"""
from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F

from . import naive_backward
from .depthwise import depthwise_conv2d, is_depthwise
from .geometry import IntOrPair, Padding, padded_index, reached_taps
from .im2col import im2col_conv2d
from .layout import in_channels_last, result_channels_last
from .pointwise import is_pointwise, pointwise_conv2d
from .shifted import row_exceeds_buffer, shifted_conv2d
from .validation import ConvSpec, check_complex_result, check_conv2d


def conv2d_naive(
    input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1, groups: int = 1,
    padding_mode: str = "zeros",
) -> torch.Tensor:
    """Conv2d as plain loops over batch, output channel, output row/column, channel and tap.

    Clarity over speed: the numbers are read into Python lists, the loops are the formula, and
    the result is put back on the input's device and dtype. Gradients come from the same loops
    run backwards (:mod:`convlab.conv.naive_backward`); for second derivatives, forward-mode AD
    or ``torch.func`` it raises and points to :func:`conv2d_vectorized`.
    """
    spec = check_conv2d(input, weight, bias, stride, padding, dilation, groups, padding_mode)
    empty = empty_result(input, weight, bias, spec)     # None unless there are no numbers
    if naive_backward.needs_autograd(input, weight, bias):    # record the backward loops
        return naive_backward.NaiveConv2d.apply(
            conv2d_naive, spec, (stride, padding, dilation, groups, padding_mode),
            input, weight, bias)
    geo = spec.geometry
    x = (input if spec.batched else input.unsqueeze(0)).detach().cpu().tolist()
    w = weight.detach().cpu().tolist()
    b = bias.detach().cpu().tolist() if bias is not None else None

    n_batch, c_out = len(x), len(w)
    c_in_per_group, k_h, k_w = weight.shape[1:]
    if c_in_per_group == 0:                         # PyTorch: no input channels, no output ones
        c_out = 0
    out_per_group = c_out // groups
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    h_out, w_out = geo.out_size
    # Where each padded row/column reads from in the real input (None: a zero-padding cell).
    (top, _), (left, _) = geo.padding
    rows = [padded_index(r, geo.in_size[0], top, spec.padding_mode)
            for r in range(geo.padded_size[0])]
    cols = [padded_index(c, geo.in_size[1], left, spec.padding_mode)
            for c in range(geo.padded_size[1])]

    out = [[[[0.0] * w_out for _ in range(h_out)] for _ in range(c_out)] for _ in range(n_batch)]
    for n in range(n_batch):
        for j in range(c_out):                      # output channel C_out_j
            group = j // out_per_group              # which slice of input channels it sees
            for oy in range(h_out):
                for ox in range(w_out):
                    total = b[j] if b is not None else 0
                    for k in range(c_in_per_group):  # the sum over input channels k
                        channel = x[n][group * c_in_per_group + k]
                        for ky in range(k_h):
                            row = rows[oy * s_h + ky * d_h]   # stride moves the window,
                            if row is None:                   # dilation spreads the taps
                                continue
                            for kx in range(k_w):
                                col = cols[ox * s_w + kx * d_w]
                                if col is not None:
                                    total += w[j][k][ky][kx] * channel[row][col]
                    out[n][j][oy][ox] = total
    result = torch.tensor(out, dtype=input.dtype, device=input.device)
    if result.numel() == 0:  # torch.tensor loses trailing empty dimensions
        result = _typed_as(result.reshape(n_batch, c_out, h_out, w_out), empty)
    return result if spec.batched else result.squeeze(0)


def pad_input(x: torch.Tensor, spec: ConvSpec) -> torch.Tensor:
    """Add the padding ``spec`` asks for, with values chosen by its ``padding_mode`` (lesson 02)."""
    (top, bottom), (left, right) = spec.geometry.padding
    if top == bottom == left == right == 0:
        return x
    mode = "constant" if spec.padding_mode == "zeros" else spec.padding_mode
    return F.pad(x, (left, right, top, bottom), mode=mode)


def conv2d_vectorized(
    input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1, groups: int = 1,
    padding_mode: str = "zeros",
) -> torch.Tensor:
    """Conv2d as im2col plus one matrix product per group; differentiable (lesson 06).

    The main idea, in :func:`convlab.im2col.im2col_conv2d`: stack every kernel-sized window of
    the padded input as a column of a matrix ("im2col", what ``F.unfold`` builds); then the
    convolution is ``weight (C_out/groups, C_in/groups*kH*kW) @ columns (C_in/groups*kH*kW,
    positions)`` for each group (lesson 03). The columns are a strided view of the input,
    copied one cache-sized tile at a time, so a large input never needs a ``kH*kW``-fold copy
    of itself.

    Some shapes take a cheaper route to the same numbers: a 1x1 kernel is a plain matrix
    product with no windows at all (:mod:`.pointwise`), and a depthwise convolution (one input
    channel per group) is a sum over kernel taps of shifted slices of the flattened maps times
    per-channel weights (:mod:`.depthwise`). With few output channels per group on a large
    map, the forward pass and the weight's gradient copy columns for the kernel's columns only
    and run one product per kernel row (:mod:`.kernel_rows`); with fewer output than input
    channels per group, the input's gradient is a convolution of the output's gradient with the
    flipped kernel (:mod:`.input_grad`); wide 3x3 layers at stride 1 take Winograd's
    F(2x2, 3x3), 16 matrix products with 2.25 times fewer multiply-adds (:mod:`.winograd`,
    whose rounding stays within PyTorch's own kernels'). When the columns of a single output row
    would not fit the buffer, :mod:`convlab.conv.shifted` multiplies shifted flat views of the
    input instead and builds no columns. Zero padding is added inside the depthwise and im2col
    routes, so that the input's gradient is computed for the input's cells only, and kernel
    taps that land on zero padding at every output are dropped first (:func:`drop_padding_taps`:
    a dilated kernel on a small map). Where the machine has a C compiler, depthwise layers,
    layers whose windows hold few numbers and most dense layers of many channels run compiled
    loops that keep their sums in registers (:mod:`.compiled`), with the routes' numbers.
    ``benchmarks/README.md`` has the timings.
    """
    spec = check_conv2d(input, weight, bias, stride, padding, dilation, groups, padding_mode)
    x = input if spec.batched else input.unsqueeze(0)
    empty = empty_result(input, weight, bias, spec)
    if empty is not None and empty.is_complex() and not input.is_complex():
        return empty    # never differentiated; the routes would drop the weight's imaginary part
    out = _typed_as(_route(x, weight, bias, spec), empty)
    if result_channels_last(x, weight):     # asked of the arguments, before a route trims them
        out = in_channels_last(out)
    return out if spec.batched else out.squeeze(0)


def _route(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
           spec: ConvSpec) -> torch.Tensor:
    """The batched convolution by the route its shape takes (:func:`conv2d_vectorized`)."""
    if spec.padding_mode == "zeros" and x.shape[1]:
        x, weight, bias, spec = drop_padding_taps(x, weight, bias, spec)
    geo = spec.geometry
    groups = spec.groups
    if is_depthwise(weight, groups) and spec.padding_mode == "zeros":   # pads as it copies
        return depthwise_conv2d(x, weight, bias, geo.stride, geo.dilation, geo.padding)
    if x.shape[1] == 0:
        out = _no_input_channels(pad_input(x, spec), weight, bias, geo.out_size)
    elif is_pointwise(weight):
        out = pointwise_conv2d(pad_input(x, spec), weight, bias, geo.stride, groups)
    elif is_depthwise(weight, groups):
        out = depthwise_conv2d(pad_input(x, spec), weight, bias, geo.stride, geo.dilation)
    elif row_exceeds_buffer(torch.empty(*x.shape[:2], *geo.padded_size, dtype=x.dtype,
                                        device="meta"), weight, geo.stride, geo.dilation):
        out = shifted_conv2d(pad_input(x, spec), weight, bias, geo.stride, geo.dilation, groups)
    elif spec.padding_mode == "zeros":      # the route pads; its input gradient skips that
        out = im2col_conv2d(x, weight, bias, geo.stride, geo.dilation, groups,
                            padding=geo.padding)
    else:
        out = im2col_conv2d(pad_input(x, spec), weight, bias, geo.stride, geo.dilation, groups)
    return out


def drop_padding_taps(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                      spec: ConvSpec) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None,
                                               ConvSpec]:
    """The same zero-padded convolution without the kernel taps that read only padding.

    Such a tap multiplies zeros at every output position (:func:`.geometry.reached_taps`, lesson
    06), so the layer keeps the taps in between and the input cells they read, with the zeros
    they need: DeepLab's 3x3 at dilation 36 on a 28x28 map becomes a 1x1 convolution. What the
    dropped taps added, ``0 * weight``, is added back to the bias: zero, or NaN where a dropped
    weight is infinite or NaN, as in PyTorch's sum (each tap's weights are summed over the input
    channels first, so finite weights whose sum overflows count as infinite too); their
    gradient stays zero.
    """
    geo = spec.geometry
    if geo.padding == ((0, 0), (0, 0)):     # without padding every tap reads the input
        return x, weight, bias, spec
    rows, cols = (reached_taps(geo.in_size[a], geo.kernel[a], geo.stride[a], geo.padding[a],
                               geo.dilation[a]) for a in (0, 1))
    if (len(rows.taps), len(cols.taps)) == geo.kernel:
        return x, weight, bias, spec
    top, bottom, left, right = rows.taps.start, rows.taps.stop, cols.taps.start, cols.taps.stop
    dropped = [i * geo.kernel[1] + j for i in range(geo.kernel[0]) for j in range(geo.kernel[1])
               if not (top <= i < bottom and left <= j < right)]
    per_tap = weight.flatten(2).sum(1)                    # (C_out, taps): a fast reduction
    added = (per_tap[:, dropped] * 0).sum(1)
    geo = replace(geo, in_size=(len(rows.cells), len(cols.cells)),
                  kernel=(len(rows.taps), len(cols.taps)), padding=(rows.padding, cols.padding))
    return (x[:, :, rows.cells.start:rows.cells.stop, cols.cells.start:cols.cells.stop],
            weight[:, :, top:bottom, left:right], added if bias is None else bias + added,
            replace(spec, geometry=geo))


def empty_result(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                 spec: ConvSpec) -> torch.Tensor | None:
    """PyTorch's result for an input with no samples or no channels, not recorded for
    autograd; None for any other input.

    PyTorch's route for it multiplies the input by the flattened weight (every number of it
    when there are no channels, else its first number alone) and adds the bias's first number,
    so the result has that product's dtype and errors: a real input and a complex weight give
    a complex result (float16 with complex64: complex32; bfloat16 has no such product), which
    PyTorch then refuses to differentiate, and with no channels two real dtypes promote as
    tensors do (float16 with float32: float32).
    """
    x = input if spec.batched else input.unsqueeze(0)
    if 0 not in x.shape[:2]:
        return None
    with torch.no_grad():
        flat = weight.reshape(-1)
        out = x.reshape(-1) * flat if x.shape[1] == 0 else x * flat[0]
        if bias is not None:
            out.add_(bias[0])
    check_complex_result(out, input, weight, bias)
    out = out.view(x.shape[0], weight.shape[0] if x.shape[1] else 0, *spec.geometry.out_size)
    return out if spec.batched else out.squeeze(0)


def _typed_as(out: torch.Tensor, empty: torch.Tensor | None) -> torch.Tensor:
    """A route's result for an empty input cast to PyTorch's dtype for it (:func:`empty_result`),
    differentiably; any other result as it is."""
    return out if empty is None else out.to(empty.dtype)


def _no_input_channels(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                       out_size: tuple[int, int]) -> torch.Tensor:
    """PyTorch's answer for an input with no channels: no output channels either.

    The empty result still depends on every argument, so that backward gives the (zero)
    gradients PyTorch gives, of the right shapes.
    """
    out = x.new_zeros(x.shape[0], 0, *out_size) + x.sum((1, 2, 3)).view(-1, 1, 1, 1) + weight.sum()
    return out if bias is None else out + bias[:0].view(1, 0, 1, 1)
