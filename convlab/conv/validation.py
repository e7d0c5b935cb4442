"""Argument checks for Conv2d, with the exception type and message text PyTorch itself gives.

One place for every check: both implementations in ``convlab.conv`` and the explorers call
:func:`check_conv2d`. The order of the checks follows PyTorch's, so that when several things are
wrong at once the student sees the same first complaint PyTorch would make.

- ``padding_mode == "zeros"`` behaves like ``torch.nn.functional.conv2d``.
- Any other ``padding_mode`` behaves like ``nn.Conv2d(..., padding_mode=...)``: the module's
  constructor checks (``ValueError``), then ``F.pad`` on the input, then a convolution with no
  further padding.

Messages mention CPU tensor types (``torch.FloatTensor``) where PyTorch's do; on a GPU PyTorch
names CUDA types instead. Lessons 01-03 show these errors on purpose.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from .geometry import PADDING_MODES, Geometry, IntOrPair, Padding, pair, resolve_padding

_PADDING_STRINGS = {"valid", "same"}

# The C++ type names PyTorch's bias check prints (CPU).
_C_NAME = {torch.float32: "float", torch.float64: "double", torch.float16: "c10::Half",
           torch.bfloat16: "c10::BFloat16", torch.complex64: "c10::complex<float>",
           torch.complex128: "c10::complex<double>", torch.int64: "long int", torch.int32: "int",
           torch.int16: "short int", torch.int8: "signed char", torch.uint8: "unsigned char",
           torch.bool: "bool"}
# dtypes that kept their pre-1.0 tensor type name (torch.FloatTensor); newer ones print as
# CPU<Name>Type (CPUBFloat16Type, CPUComplexFloatType).
_LEGACY_TYPES = {torch.float32, torch.float64, torch.float16, torch.int64, torch.int32,
                 torch.int16, torch.int8, torch.uint8, torch.bool}


def _scalar_name(dtype: torch.dtype) -> str:
    """PyTorch's own name for a dtype (Float, BFloat16, ComplexDouble), asked of PyTorch."""
    return torch.empty(0, dtype=dtype).type()[len("torch."):-len("Tensor")]


def _type_name(dtype: torch.dtype) -> str:
    """How a CPU tensor's type is printed in the MKLDNN backend's type mismatch message."""
    name = _scalar_name(dtype)
    return f"torch.{name}Tensor" if dtype in _LEGACY_TYPES else f"CPU{name}Type"


@dataclass(frozen=True)
class ConvSpec:
    """Validated, normalised arguments of one Conv2d call.

    ``geometry.padding`` holds the per-side padding the implementations add (already resolved
    from ``'same'``/``'valid'``); ``padding_mode`` says what values go there.
    """

    batched: bool
    geometry: Geometry
    groups: int
    padding_mode: str

    @property
    def stride(self) -> tuple[int, int]:
        return self.geometry.stride

    @property
    def dilation(self) -> tuple[int, int]:
        return self.geometry.dilation


def _shape(t: torch.Tensor | tuple[int, ...]) -> str:
    dims = t.shape if isinstance(t, torch.Tensor) else t
    return "[" + ", ".join(str(d) for d in dims) + "]"


def _check_module_args(out_channels: int, padding: Padding, stride: IntOrPair, groups: int,
                       padding_mode: str) -> None:
    """The checks ``nn.Conv2d.__init__`` makes (all ``ValueError``), in its order."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")
    if isinstance(padding, str):
        if padding not in _PADDING_STRINGS:
            raise ValueError(_module_words(padding=padding))
        if padding == "same" and any(s != 1 for s in pair(stride, "stride")):
            raise ValueError("padding='same' is not supported for strided convolutions")
    if padding_mode not in PADDING_MODES:
        raise ValueError(_module_words(padding_mode=padding_mode))


def _module_words(**argument: str) -> str:
    """nn.Conv2d's message for a bad ``padding`` string or ``padding_mode``, in its own words.

    These two messages print a Python set of the valid values, and a set's order depends on the
    process's hash seed and on how PyTorch's compiled code stores the set; so the constructor is
    asked (on the meta device: no memory, no computation) rather than its text re-typed here.
    """
    try:
        torch.nn.Conv2d(1, 1, 1, device="meta", **argument)
    except ValueError as error:
        return str(error)
    raise AssertionError(f"nn.Conv2d accepted {argument}")  # pragma: no cover


def check_padding_mode(shape: tuple[int, ...], pads: tuple[tuple[int, int], tuple[int, int]],
                       mode: str) -> None:
    """The checks ``F.pad(input, pads, mode)`` makes for reflect, replicate and circular."""
    if len(shape) not in (3, 4):
        raise NotImplementedError(
            f"Padding size 4 is not supported for {len(shape)}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode in ("reflect", "replicate") and 0 in shape[len(shape) - 3:]:  # all but the batch
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {_shape(shape)}")
    if mode == "reflect":
        # F.pad checks the last dimension first; its argument numbers count from the end.
        for axis, argument in ((1, 4), (0, 6)):
            before, after = pads[axis]
            dim = len(shape) - 2 + axis
            size = shape[dim]
            if before >= size or after >= size:
                raise RuntimeError(
                    f"Argument #{argument}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({before}, {after}) at dimension {dim} "
                    f"of input {_shape(shape)}")
        h, w = shape[-2], shape[-1]
        out_h = h + sum(pads[0])
        out_w = w + sum(pads[1])
        if out_h < 1 or out_w < 1:
            raise RuntimeError(f"input (H: {h}, W: {w}) is too small. "
                               f"Calculated output H: {out_h} W: {out_w}")
    elif mode == "circular":
        for axis in (0, 1):
            size = shape[len(shape) - 2 + axis]
            if any(p > size for p in pads[axis]):
                raise RuntimeError("Padding value causes wrapping around more than once.")


def check_conv2d(
    input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
    stride: IntOrPair = 1, padding: Padding = 0, dilation: IntOrPair = 1, groups: int = 1,
    padding_mode: str = "zeros",
) -> ConvSpec:
    """Validate a Conv2d call as PyTorch would and return its normalised :class:`ConvSpec`.

    Raises the same exception type with the same message as ``F.conv2d`` (``padding_mode``
    ``"zeros"``) or ``nn.Conv2d`` (other modes) for the equivalent call. A call that passes is
    remembered by its shapes, dtypes and plain arguments (:func:`_call_key`), so a layer run
    every step is checked once; a mistake is checked, and raised, every time.
    """
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"conv2d(): argument '{name}' must be Tensor, not "
                            f"{type(value).__name__}")
    if bias is not None and not isinstance(bias, torch.Tensor):
        raise TypeError(f"conv2d(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"conv2d(): argument 'groups' must be int, not {type(groups).__name__}")

    key = _call_key(input, weight, bias, stride, padding, dilation, groups, padding_mode)
    spec = _PASSED.get(key) if key is not None else None
    if spec is None:
        spec = _check(input, weight, bias, stride, padding, dilation, groups, padding_mode)
        if key is not None:
            if len(_PASSED) >= _PASSED_MAX:
                _PASSED.clear()
            _PASSED[key] = spec
    return spec


#: Calls that passed, by :func:`_call_key`: a network calls the same layers every step, and
#: checking a call again cost 10 µs (a squeeze-excitation layer's whole call 74 → 44 µs;
#: F.conv2d takes 28 µs for it).
_PASSED: dict[tuple, ConvSpec] = {}
_PASSED_MAX = 1024


def _plain(value: object) -> bool:
    """An int, a string or a tuple of ints, by exact type: a float or a bool equal to an int
    (``2.0``, ``True``) hashes like it but is an error, so it is never looked up."""
    kind = type(value)
    if kind is int or kind is str:
        return True
    if kind is not tuple:
        return False
    for v in value:             # a loop, not all(): this runs on every call of every layer
        if type(v) is not int:
            return False
    return True


def _call_key(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
              stride: object, padding: object, dilation: object, groups: int,
              padding_mode: object) -> tuple | None:
    """Everything the checks read (shapes, dtypes, arguments), or None when an argument is
    not :func:`_plain` (it is then checked every time). Errors are never remembered."""
    if not (_plain(stride) and _plain(padding) and _plain(dilation) and _plain(padding_mode)):
        return None
    return (input.shape, input.dtype, weight.shape, weight.dtype,
            None if bias is None else (bias.shape, bias.dtype),
            stride, padding, dilation, groups, padding_mode)


def _check(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
           stride: IntOrPair, padding: Padding, dilation: IntOrPair, groups: int,
           padding_mode: str) -> ConvSpec:
    """:func:`check_conv2d`'s checks after the argument types."""
    shape = tuple(input.shape)
    if padding_mode != "zeros":
        _check_module_args(weight.shape[0] if weight.dim() else 0, padding, stride, groups,
                           padding_mode)
        kernel = pair(tuple(weight.shape[2:]) or 1, "kernel_size")
        pads = resolve_padding(padding, kernel, pair(dilation, "dilation"))
        check_padding_mode(shape, pads, padding_mode)
        # F.pad has now made the input bigger (or cropped it); the convolution sees padding 0.
        padded = (*shape[:-2], shape[-2] + sum(pads[0]), shape[-1] + sum(pads[1]))
        _check_functional(padded, input.dtype, weight, bias, stride, 0, dilation, groups)
        return _spec(shape, weight, stride, pads, dilation, groups, padding_mode)

    pads = _check_functional(shape, input.dtype, weight, bias, stride, padding, dilation, groups)
    return _spec(shape, weight, stride, pads, dilation, groups, padding_mode)


def _spec(shape: tuple[int, ...], weight: torch.Tensor, stride: IntOrPair,
          pads: tuple[tuple[int, int], tuple[int, int]], dilation: IntOrPair, groups: int,
          padding_mode: str) -> ConvSpec:
    geo = Geometry(in_size=(shape[-2], shape[-1]), kernel=(weight.shape[2], weight.shape[3]),
                   stride=pair(stride, "stride"), padding=pads,
                   dilation=pair(dilation, "dilation"))
    return ConvSpec(batched=len(shape) == 4, geometry=geo, groups=groups,
                    padding_mode=padding_mode)


@functools.cache
def _low_precision_mkldnn(dtype: torch.dtype) -> bool:
    """Whether this processor runs ``dtype`` (bfloat16, float16) convolutions in oneDNN:
    PyTorch then sends every such call there (ATen's ``mkldnn_bf16_device_check`` and
    ``mkldnn_fp16_device_check``: AVX-512 and its bfloat16 or float16 extensions)."""
    check = {torch.bfloat16: "_is_mkldnn_bf16_supported",
             torch.float16: "_is_mkldnn_fp16_supported"}.get(dtype)
    try:
        return bool(check and getattr(torch.ops.mkldnn, check)())
    except (AttributeError, RuntimeError):     # a build without them: PyTorch's own kernels
        return False


def _mkldnn(dtype: torch.dtype, batched: tuple[int, ...], weight: tuple[int, ...],
            stride: tuple[int, int], dilation: tuple[int, int], groups: int) -> bool:
    """Whether PyTorch's CPU convolution takes its MKLDNN backend, whose messages differ.

    Found by sweeping mistakes x batch sizes x dtypes x kernels (and read in ATen's
    ``use_mkldnn``): bfloat16 and float16 on processors that run them there
    (:func:`_low_precision_mkldnn`), whatever the call; float32 (complex64 runs as float32
    convolutions) when the call is strided or dilated or multi-threaded or has a batch of 16
    or a kernel other than 1x1, and it is grouped or has a kernel over 3x3 both ways or more
    than one sample or a large input. Every other call goes to PyTorch's own kernels, which
    word the same mistakes differently; so does every call with oneDNN switched off
    (``torch.backends.mkldnn.flags(enabled=False)``).
    """
    if not (torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled):
        return False
    if _low_precision_mkldnn(dtype):
        return True
    n, c, h, w = batched
    return (dtype in (torch.float32, torch.complex64)
            and (stride != (1, 1) or dilation != (1, 1) or n >= 16 or weight[2:] != (1, 1)
                 or torch.get_num_threads() > 1)
            and (groups > 1 or (weight[2] > 3 and weight[3] > 3) or n > 1
                 or n * c * h * w > 20480))


def _check_functional(
    shape: tuple[int, ...], dtype: torch.dtype, weight: torch.Tensor, bias: torch.Tensor | None,
    stride: IntOrPair, padding: Padding, dilation: IntOrPair, groups: int,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The checks ``F.conv2d`` makes, in its order; returns the resolved per-side padding."""
    if len(shape) not in (3, 4):
        raise RuntimeError("Expected 3D (unbatched) or 4D (batched) input to conv2d, "
                           f"but got input of size: {_shape(shape)}")
    batched = shape if len(shape) == 4 else (1, *shape)
    if isinstance(padding, str):
        if padding not in _PADDING_STRINGS:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    s, d = pair(stride, "stride"), pair(dilation, "dilation")
    p = (0, 0) if isinstance(padding, str) else pair(padding, "padding")
    k = weight.dim() - 2
    if k != 2 and padding == "same":   # the 'same' route checks dimensions first
        if groups <= 0:
            raise RuntimeError("non-positive groups is not supported")
        raise RuntimeError(f"Expected {weight.dim()}-dimensional input for {weight.dim()}-"
                           f"dimensional weight{_shape(weight)}, but got 4-dimensional input of "
                           f"size {_shape(batched)} instead")
    if k != 2:  # PyTorch reports the first argument whose length does not fit the weight
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {k} values to match "
            f"the convolution dimensions, but got stride=[{s[0]}, {s[1]}]")
    if bias is not None and bias.dtype != dtype:
        raise RuntimeError(f"Input type ({_C_NAME.get(dtype, dtype)}) and bias type "
                           f"({_C_NAME.get(bias.dtype, bias.dtype)}) should be the same")
    if padding == "same" and any(v != 1 for v in s):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    empty = batched[0] == 0 or batched[1] == 0   # PyTorch never sends these to a backend
    if any(v < 0 for v in d):
        raise RuntimeError("dilation should be greater than zero")
    if any(v == 0 for v in d) and not empty:
        if _mkldnn(dtype, batched, tuple(weight.shape), s, d, groups):
            raise RuntimeError("non-positive dilation is not supported")
        raise RuntimeError(f"dilation should be greater than zero, but got [{d[0]}, {d[1]}]")
    w = tuple(weight.shape)
    if w[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {_shape(w)} instead")
    if w[0] % groups != 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{_shape(w)}] instead")
    if batched[1] != w[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_shape(w)}, expected input{_shape(batched)} "
            f"to have {w[1] * groups} channels, but got {batched[1]} channels instead")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != w[0]):
        raise RuntimeError(
            f"Given weight of size {_shape(w)}, expected bias to be 1-dimensional with {w[0]} "
            f"elements, but got bias of size {_shape(bias)} instead")
    pads = resolve_padding(padding, (w[2], w[3]), d)
    padded = (batched[2] + sum(pads[0]), batched[3] + sum(pads[1]))
    span = (d[0] * (w[2] - 1) + 1, d[1] * (w[3] - 1) + 1)
    if padded[0] < span[0] or padded[1] < span[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). "
            f"Kernel size: ({span[0]} x {span[1]}). "
            "Kernel size can't be greater than actual input size")
    if weight.dtype != dtype and (dtype.is_complex or not empty):
        if dtype.is_complex:          # checked before the complex call is split in two
            raise RuntimeError(f"Input type ({_type_name(dtype)}) and weight type "
                               f"({_type_name(weight.dtype)}) should be the same")
        if _mkldnn(dtype, batched, w, s, d, groups):
            raise RuntimeError(
                f"Input type ({_type_name(dtype)}) and weight type ({_type_name(weight.dtype)}) "
                "should be the same or input should be a MKLDNN tensor and weight is a dense "
                "tensor")
        raise RuntimeError(f"expected scalar type {_scalar_name(dtype)} but found "
                           f"{_scalar_name(weight.dtype)}")
    return pads


def check_complex_result(out: torch.Tensor, input: torch.Tensor, weight: torch.Tensor,
                         bias: torch.Tensor | None) -> None:
    """PyTorch's refusal to record a real input's convolution whose result is complex (an
    empty batch with a complex weight), checked as PyTorch does after the result is made."""
    differentiated = torch.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in (input, weight, bias))
    if out.is_complex() and not input.is_complex() and differentiated:
        raise RuntimeError("convolution does not support automatic differentiation for "
                           "outputs with complex dtype.")
