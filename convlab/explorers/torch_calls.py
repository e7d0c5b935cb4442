"""Asking PyTorch: every number an explorer shows comes from ``nn.Conv2d`` itself; and the
threads an explorer computes and sends its messages on, inside a kernel."""
from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from typing import Iterator, Sequence

import torch
from torch import nn

__all__ = ["run_conv2d", "meta_conv2d", "count_params", "code_line", "one_thread",
           "responsive_kernel"]


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run PyTorch on one thread inside: an explorer's tensors are tiny, and waking a thread
    pool costs more than their arithmetic (an 8×8 convolution: 0.02 ms on one thread, several
    ms on two threads of a busy machine). The caller's setting is restored afterwards."""
    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


#: The interpreter's thread switch interval once an explorer lives in a kernel (Python's
#: default is 5 ms).
SWITCH_INTERVAL_S = 0.0005


def responsive_kernel() -> None:
    """Inside a Jupyter kernel, let a thread waiting for the interpreter lock get it within
    :data:`SWITCH_INTERVAL_S` rather than Python's default 5 ms.

    Every message to the browser (the kernel's busy and idle status, each widget update, the
    picture) leaves through ipykernel's IOPub thread, which needs the lock to send it; while
    the main thread holds it, the message waits up to the switch interval. On a busy 2-core
    machine a bare slider's key press took a median of 45-49 ms to reach the page with the
    default and 28 ms with 0.5 ms (``benchmarks/README.md``). Outside a kernel (tests, scripts)
    nothing changes; an interval set lower already is kept.
    """
    kernel_app = sys.modules.get("ipykernel.kernelapp")
    if kernel_app is None or not kernel_app.IPKernelApp.initialized():
        return
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)


class _Unfilled(nn.Conv2d):
    """``nn.Conv2d`` that leaves its parameters as they are made: see :func:`meta_conv2d`."""

    def reset_parameters(self) -> None:
        pass


def meta_conv2d(*args, **kwargs) -> nn.Conv2d:
    """``nn.Conv2d(*args, **kwargs)`` on the ``meta`` device: PyTorch's own checks, shapes and
    parameter counts, without the random initial weights, which a meta tensor has no room
    for anyway (filling them is most of building a layer there: 0.2 of 0.3 ms, paid on every
    slider move of an explorer that asks PyTorch for a layer)."""
    layer = _Unfilled(*args, **kwargs, device="meta")
    layer.__class__ = nn.Conv2d     # a plain nn.Conv2d to whoever reads it (type, repr)
    return layer


def run_conv2d(args: dict, input_shape: Sequence[int]
               ) -> tuple[nn.Conv2d | None, tuple[int, ...] | None, Exception | None]:
    """Build ``nn.Conv2d(**args)`` and call it on an input of ``input_shape``: PyTorch's verdict.

    Returns ``(layer, output shape, None)`` or ``(layer or None, None, the exception)``. Runs on
    the ``meta`` device (shapes only, no arithmetic), so even a huge layer answers at once. Meta
    tensors skip or reword a few checks, so when the meta call fails the call is repeated with
    real CPU tensors to get the very error a student would see.

    The answer for the same arguments and shape is remembered (a slider move asks several
    times: the explorer's state, its code line, its dependent controls); callers only read it.
    """
    try:
        key = (tuple(sorted(args.items())), tuple(input_shape))
        hash(key)
    except TypeError:      # an argument that is not hashable (a list): ask every time
        return _run_conv2d(args, input_shape)
    return _remembered(key)


@functools.lru_cache(maxsize=64)
def _remembered(key: tuple) -> tuple:
    args, input_shape = key
    return _run_conv2d(dict(args), input_shape)


def _run_conv2d(args: dict, input_shape: Sequence[int]) -> tuple:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. 'same' with an even kernel: a performance note
        try:
            layer = meta_conv2d(**args)
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




def _arg(value: object) -> str:
    """``(2, 2)`` as ``2`` (how people write it), other values as Python writes them."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == value[1]:
        return repr(int(value[0]))
    if isinstance(value, (tuple, list)):
        return repr(tuple(int(v) for v in value))
    return repr(value)


_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True,
             "padding_mode": "zeros"}


def conv2d_code(args: dict, input_shape: Sequence[int]) -> str:
    """The one line of PyTorch for ``nn.Conv2d(**args)`` on a zero input of ``input_shape``.

    Arguments left at PyTorch's defaults are left out, so the line reads as a student would
    write it: ``nn.Conv2d(3, 2, kernel_size=(3, 3), stride=2, padding=1)(torch.zeros(1, 3, 8,
    8)).shape``.
    """
    kernel = args["kernel_size"]
    kernel = tuple(int(k) for k in kernel) if isinstance(kernel, (tuple, list)) else (kernel,) * 2
    parts = [str(int(args["in_channels"])), str(int(args["out_channels"])),
             f"kernel_size={kernel!r}"]
    for name, default in _DEFAULTS.items():
        value = args.get(name, default)
        if _arg(value) != _arg(default):
            parts.append(f"{name}={_arg(value)}")
    shape = ", ".join(str(int(s)) for s in input_shape)
    return f"nn.Conv2d({', '.join(parts)})(torch.zeros({shape})).shape"


def code_line(call: tuple[dict, Sequence[int]] | None) -> tuple[str, str]:
    """The code line an explorer shows for ``(args, input_shape)``, ending in PyTorch's answer,
    and the runnable text its copy button copies (``("", "")`` when there is no one line)."""
    if call is None:
        return "", ""
    args, input_shape = call
    code = conv2d_code(args, input_shape)
    _, out_shape, error = run_conv2d(args, input_shape)
    answer = f"torch.Size({list(out_shape)})" if error is None else f"{type(error).__name__}"
    return (f"{code}  # → {answer}", f"import torch\nfrom torch import nn\n\nprint({code})\n")
