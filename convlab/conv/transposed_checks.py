"""Argument checks for ConvTranspose2d (lesson 08), with the exception type and message text
PyTorch itself gives: ``F.conv_transpose2d``'s checks, in its order.

The Conv2d checks, and the helpers both use to word dtypes and shapes as PyTorch does, are in
:mod:`.validation`.
"""
from __future__ import annotations

import torch

from .geometry import IntOrPair, TransposedGeometry, pair
from .validation import _mkldnn, _scalar_name, _shape, _type_name


def _typed(name: str, position: int, want: str, value: object) -> TypeError:
    return TypeError(f"conv_transpose2d(): argument '{name}' (position {position}) must be "
                     f"{want}, not {type(value).__name__}")


def check_conv_transpose2d(
    input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
    stride: IntOrPair = 1, padding: IntOrPair = 0, output_padding: IntOrPair = 0,
    groups: int = 1, dilation: IntOrPair = 1,
) -> TransposedGeometry:
    """Validate a ``F.conv_transpose2d`` call as PyTorch would (same exception, same words),
    in its order, found by sweeping mistakes x batch sizes x dtypes: the empty batch skips the
    backend; oneDNN words the float32 calls :func:`_mkldnn` sends it (tested against PyTorch)."""
    named = {"input": (input, 1), "weight": (weight, 2), "bias": (bias, 3), "stride": (stride, 4),
             "padding": (padding, 5), "dilation": (dilation, 8),
             "output_padding": (output_padding, 6)}
    for name, (value, position) in named.items():
        tensor = isinstance(value, torch.Tensor) or (name == "bias" and value is None)
        if position <= 3 and not tensor:
            raise _typed(name, position, "Tensor", value)
        if isinstance(value, str):
            raise _typed(name, position, "tuple of ints", value)
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise _typed("groups", 7, "int", groups)
    shape, dtype, w = tuple(input.shape), input.dtype, tuple(weight.shape)
    if len(shape) not in (3, 4):
        raise RuntimeError("Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, "
                           f"but got input of size: {_shape(shape)}")
    batched = shape if len(shape) == 4 else (1, *shape)
    others = [(n, t.dtype) for n, t in (("weight", weight), ("bias", bias))
              if t is not None and t.dtype != dtype]
    if dtype.is_complex and others:
        raise RuntimeError(f"Input type ({_type_name(dtype)}) and {others[0][0]} type "
                           f"({_type_name(others[0][1])}) should be the same")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    s, p, d, op = (pair(value, name) for name, (value, _) in list(named.items())[3:])
    if weight.dim() != 4:      # PyTorch names the first argument, expanded to two values
        raise RuntimeError(f"expected stride to be a single integer value or a list of "
                           f"{weight.dim() - 2} values to match the convolution dimensions, "
                           f"but got stride=[{s[0]}, {s[1]}]")
    for wrong, message in ((min(p) < 0, "negative padding is not supported"),
                           (min(op) < 0, "negative output_padding is not supported"),
                           (min(s) <= 0, "non-positive stride is not supported"),
                           (min(d) < 0, "dilation should be greater than zero")):
        if wrong:
            raise RuntimeError(message)
    if w[0] < groups or w[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be " + (
            f"at least {groups} at dimension 0, but got weight of size {_shape(w)} instead"
            if w[0] < groups else f"divisible by {groups} at dimension 0, but got weight of "
            f"size [{_shape(w)}] instead"))
    given = f"Given transposed=1, weight of size {_shape(w)}, expected "
    if batched[1] != w[0]:
        raise RuntimeError(f"{given}input{_shape(batched)} to have {w[0]} channels, but got "
                           f"{batched[1]} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != w[1] * groups):
        raise RuntimeError(f"{given}bias to be 1-dimensional with {w[1] * groups} elements, but "
                           f"got bias of size {_shape(bias)} instead")
    out = (geo := TransposedGeometry((batched[2], batched[3]), (w[2], w[3]), s, p, op, d)).out_size
    if batched[0] == 0:                  # PyTorch's empty route: shapes only, no backend
        if 0 in w[1:]:
            raise IndexError("select(): index 0 out of range for tensor of size [0] at "
                             "dimension 0")
        if min(out) < 0:
            full, bad = (0, w[1] * groups, *out), 2 if out[0] < 0 else 3
            raise RuntimeError(f"invalid shape dimension {full[bad]} at index {bad} of shape "
                               f"{_shape(full)}")
        return geo
    if 0 in batched:
        raise RuntimeError("Only zero batch or zero channel inputs are supported, but got input "
                           f"shape: {_shape(batched)}")
    if not any(op[a] >= s[a] for a in (0, 1)) and _mkldnn(dtype, batched, w, s, d, groups):
        if others and not dtype.is_complex:
            raise RuntimeError(f"Input type ({_type_name(dtype)}) and {others[0][0]} type "
                               f"({_type_name(others[0][1])}) should be the same or input should "
                               f"be a MKLDNN tensor and {others[0][0]} is a dense tensor")
        if min(out) < 1:
            raise RuntimeError("could not construct a memory descriptor using a format tag")
        if min(d) == 0 or 0 in w[1:]:
            raise RuntimeError("could not create a primitive descriptor for the deconvolution "
                               "forward propagation primitive. Run workload with environment "
                               "variable ONEDNN_VERBOSE=all to get additional diagnostic "
                               "information.")
        return geo
    if min(w[2:]) <= 0:
        raise RuntimeError("kernel size should be greater than zero, but got kernel_height: "
                           f"{w[2]} kernel_width: {w[3]}")
    if min(d) == 0:
        raise RuntimeError("dilation should be greater than zero, but got dilation_height: "
                           f"{d[0]}, dilation_width: {d[1]}")
    if any(op[a] >= s[a] and op[a] >= d[a] for a in (0, 1)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: "
            f"{s[0]} stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}")
    if w[1] == 0:
        raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {_shape(w)}")
    if min(out) < 1:
        raise RuntimeError(f"Given input size per channel: ({batched[2]} x {batched[3]}). "
                           f"Calculated output size per channel: ({out[0]} x {out[1]}). "
                           "Output size is too small")
    if weight.dtype != dtype and not dtype.is_complex:
        raise RuntimeError(f"expected scalar type {_scalar_name(dtype)} but found "
                           f"{_scalar_name(weight.dtype)}")
    wide = torch.promote_types(dtype, bias.dtype) if bias is not None else dtype
    if not torch.can_cast(wide, dtype):
        raise RuntimeError(f"result type {_scalar_name(wide)} can't be cast to the desired "
                           f"output type {_scalar_name(dtype)}")
    return geo
