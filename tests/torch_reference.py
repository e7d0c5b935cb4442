"""PyTorch's own answer for a Conv2d call, the yardstick every convlab test measures against.

``padding_mode="zeros"`` is ``F.conv2d``; any other mode is ``nn.Conv2d(..., padding_mode=...)``,
run through the module's own forward with the given weight and bias (so autograd reaches them).
"""
from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn as nn
import torch.nn.functional as F

# How close float32 and float64 results must be to PyTorch's (sums of up to a few hundred terms).
TOLERANCE = {torch.float32: dict(rtol=1e-4, atol=1e-4), torch.float64: dict(rtol=1e-9, atol=1e-9)}


def reference_conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
                     padding_mode="zeros"):
    if padding_mode == "zeros":
        return F.conv2d(input, weight, bias, stride, padding, dilation, groups)
    module = _module(weight.shape[1] * groups, weight.shape[0], tuple(weight.shape[2:]),
                     _hashable(stride), _hashable(padding), _hashable(dilation), groups,
                     bias is not None, padding_mode)
    return module._conv_forward(input, weight, bias)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


@lru_cache(maxsize=None)
def _module(*args) -> nn.Conv2d:
    """One meta-device module per argument set: its constructor's checks run as PyTorch's do,
    and its random initialisation runs once, never inside a torch.func transform."""
    c_in, c_out, kernel, stride, padding, dilation, groups, bias, mode = args
    return nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, dilation=dilation,
                     groups=groups, bias=bias, padding_mode=mode, device="meta")


def outcome(fn, *args, **kwargs):
    """``("ok", result)`` or ``(exception type, message)`` of one call."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as error:  # noqa: BLE001 - the type is what we compare
        return (type(error), str(error))


# How a tensor's numbers are laid out in memory ("channels last": what
# ``.contiguous(memory_format=torch.channels_last)`` gives a 4-D tensor, for 3-D ones too)
LAYOUTS = {
    "default": lambda t: t.contiguous(),
    "channels last": lambda t: t.movedim(-3, -1).contiguous().movedim(-1, -3),
    "columns first": lambda t: t.transpose(-1, -2).contiguous().transpose(-1, -2),
    "every other column": lambda t: torch.cat([t, t], -1)[..., ::2],
}
