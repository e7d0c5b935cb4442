"""Asking PyTorch: every number an explorer shows comes from ``nn.Conv2d`` itself."""
from __future__ import annotations

import warnings
from typing import Sequence

import torch
from torch import nn

__all__ = ["run_conv2d", "count_params"]


def run_conv2d(args: dict, input_shape: Sequence[int]
               ) -> tuple[nn.Conv2d | None, tuple[int, ...] | None, Exception | None]:
    """Build ``nn.Conv2d(**args)`` and call it on an input of ``input_shape``: PyTorch's verdict.

    Returns ``(layer, output shape, None)`` or ``(layer or None, None, the exception)``. Runs on
    the ``meta`` device (shapes only, no arithmetic), so even a huge layer answers at once. Meta
    tensors skip or reword a few checks, so when the meta call fails the call is repeated with
    real CPU tensors to get the very error a student would see.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. 'same' with an even kernel: a performance note
        try:
            layer = nn.Conv2d(**args, device="meta")
        except Exception as error:  # noqa: BLE001 - PyTorch's error is the result here
            return None, None, error
        try:
            return layer, tuple(layer(torch.empty(tuple(input_shape), device="meta")).shape), None
        except Exception:  # noqa: BLE001 - ask the CPU for the real message below
            pass
        layer = layer.to_empty(device="cpu")
        try:
            with torch.no_grad():
                return layer, tuple(layer(torch.zeros(tuple(input_shape))).shape), None
        except Exception as error:  # noqa: BLE001
            return layer, None, error


def count_params(*layers: nn.Module | None) -> tuple[int, int]:
    """(weight, bias) parameter counts of ``layers``, read from PyTorch's own tensors."""
    weights = sum(layer.weight.numel() for layer in layers if layer is not None)
    biases = sum(layer.bias.numel() for layer in layers
                 if layer is not None and layer.bias is not None)
    return int(weights), int(biases)


