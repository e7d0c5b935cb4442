"""The depthwise forward pass as one compiled loop, built on first use (lesson 06).

For 5x5 and 7x7 depthwise kernels the tap-by-tap routes (:mod:`.depthwise`) cost 2.5-5x
F.conv2d's time however they lay out the maps: each tap is one operation over a whole block,
and each operation reads its cells from the cache and writes its sums back. F.conv2d's kernels
keep every output cell's sum in a register until all of its taps are added. So does
``depthwise_loop.c``, next to this module (its comments say how); the backward pass stays with
the routes, whose gradients are within F.conv2d's time.

The loop is compiled the first time a depthwise layer needs it, by the machine's C compiler
(``$CC``, else ``cc``, ``gcc`` or ``clang``) with OpenMP and the processor's own instructions,
into ``$CONVLAB_KERNEL_DIR`` (default ``~/.cache/convlab/kernels``), under a name that hashes the
source, the compiler, its flags and the processor, so a later process loads it in a
millisecond. Where no compiler or no OpenMP is found the routes run as before, with the same
results. ``CONVLAB_COMPILED=0`` turns the loop off.
"""
from __future__ import annotations

import atexit
import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch

from . import cache
from .autograd import Conf, in_float32
from .layout import result_channels_last

SOURCE = Path(__file__).with_name("depthwise_loop.c")
#: The number types the loop is built for, by the C type each is.
C_TYPES = {torch.float32: "float", torch.float64: "double"}
#: Number types summed in float32 (:func:`.autograd.in_float32`), as PyTorch sums them.
_WIDENED = (torch.float16, torch.bfloat16)
#: Flags tried in turn for the processor's own vector instructions (gcc and clang on x86,
#: then clang on ARM), then none.
ARCH_FLAGS = (("-march=native",), ("-mcpu=native",), ())
#: Share of a core's L2 cache that one thread's band of padded rows may take: the rest holds
#: the output row, the weights and what the other loads bring in.
BAND_SHARE = 1 / 2

_P, _I = ctypes.c_void_p, ctypes.c_int64
_ARGS = [_P, _P, _P, _P, _P, _P] + [_I] * 10 + [_P, _I, _I, _I, ctypes.c_int]


def enabled() -> bool:
    """Whether the compiled loop may be used: not turned off by ``CONVLAB_COMPILED=0``."""
    return os.environ.get("CONVLAB_COMPILED", "1").strip().lower() not in ("0", "false", "no",
                                                                          "off")


def kernel_dir() -> Path:
    """Where built loops are kept: ``$CONVLAB_KERNEL_DIR``, else the user's cache folder."""
    env = os.environ.get("CONVLAB_KERNEL_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "convlab" / "kernels"


def compilers() -> list[str]:
    """The C compilers to try, in order: ``$CC`` (its first word), ``cc``, ``gcc``, ``clang``."""
    names = [os.environ["CC"].split()[0]] if os.environ.get("CC", "").strip() else []
    found = [shutil.which(name) for name in names + ["cc", "gcc", "clang"]]
    return list(dict.fromkeys(path for path in found if path))


def _processor() -> str:
    """What the built loop's instructions depend on: the processor's model and flags."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.machine() + platform.processor()
    keep = ("model name", "flags", "Features", "CPU part")
    lines = [line for line in text.splitlines() if line.split(":")[0].strip() in keep]
    return platform.machine() + "\n".join(dict.fromkeys(lines))


def _build(compiler: str, c_type: str, flags: tuple[str, ...]) -> Path | None:
    """The loop built by ``compiler`` with ``flags`` for ``c_type`` numbers, from the kept
    copy if there is one; None if it does not compile. Where the kernel folder cannot be
    written (a read-only home), it is built into a folder of this process's own."""
    args = ["-O3", "-shared", "-fPIC", "-fopenmp", *flags, f"-DREAL={c_type}"]
    try:
        source = SOURCE.read_text()
        version = subprocess.run([compiler, "--version"], capture_output=True, text=True,
                                 timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    key = hashlib.sha256("\0".join([source, compiler, version, *args,
                                    _processor()]).encode()).hexdigest()[:20]
    name = f"depthwise-{c_type}-{key}.so"
    if (kernel_dir() / name).exists():
        return kernel_dir() / name
    for folder in (kernel_dir, _scratch_dir):
        try:
            target = folder() / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as work:
                built = Path(work) / name
                done = subprocess.run([compiler, *args, str(SOURCE), "-o", str(built)],
                                      capture_output=True, timeout=300)
                if done.returncode != 0:
                    return None
                os.replace(built, target)   # whole or not at all, if two processes build it
            return target
        except subprocess.SubprocessError:
            return None
        except OSError:
            continue
    return None


@functools.cache
def _scratch_dir() -> Path:
    """A folder only this process writes to (removed when it ends)."""
    folder = tempfile.mkdtemp(prefix="convlab-kernels-")
    atexit.register(shutil.rmtree, folder, True)
    return Path(folder)


@functools.cache
def library(dtype: torch.dtype) -> ctypes.CDLL | None:
    """The loop for ``dtype`` numbers, built or loaded once a process; None if it cannot be
    built here (no C compiler, or none with OpenMP)."""
    if dtype not in C_TYPES:
        return None
    for compiler in compilers():
        for flags in ARCH_FLAGS:
            path = _build(compiler, C_TYPES[dtype], flags)
            if path is None:
                continue
            try:
                lib = ctypes.CDLL(str(path))
            except OSError:
                continue
            lib.convlab_depthwise.argtypes = _ARGS
            lib.convlab_depthwise.restype = ctypes.c_int
            return lib
    return None


def _plain(t: torch.Tensor) -> bool:
    """A tensor whose numbers the loop can read: a strided CPU tensor of its own (not a
    ``torch.func`` wrapper or a subclass)."""
    return (type(t) is torch.Tensor and t.device.type == "cpu" and t.layout == torch.strided
            and not torch._C._functorch.is_functorch_wrapped_tensor(t))


def takes(x: torch.Tensor, weight: torch.Tensor, conf: Conf) -> bool:
    """Whether a depthwise call runs its forward pass by the loop: one output channel per input
    channel, float32 or float64 (float16 and bfloat16 are summed in float32), plain CPU
    tensors with cells, and the loop built for this machine."""
    dtype = torch.float32 if x.dtype in _WIDENED else x.dtype
    return (weight.shape[0] == x.shape[1] == conf.groups and x.numel() > 0 and enabled()
            and _plain(x) and _plain(weight) and library(dtype) is not None)


@in_float32
def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None, conf: Conf) -> torch.Tensor:
    """The depthwise layer ``conv(x, w) + b`` by the compiled loop, laid out as F.conv2d lays
    out its result."""
    lib = library(x.dtype)
    n, c, h, width = x.shape
    k_h, k_w = conf.kernel
    (s_h, s_w), (d_h, d_w) = conf.stride, conf.dilation
    o_h = (conf.in_size[0] - d_h * (k_h - 1) - 1) // s_h + 1
    o_w = (conf.in_size[1] - d_w * (k_w - 1) - 1) // s_w + 1
    layout = torch.channels_last if result_channels_last(x, w) else torch.contiguous_format
    out = torch.empty((n, c, o_h, o_w), dtype=x.dtype, memory_format=layout)
    w = w.contiguous()
    b = None if b is None else b.contiguous()
    strides = (_I * 4)(*x.stride()), (_I * 4)(*out.stride())
    budget = int(cache.l2_bytes() * BAND_SHARE)
    failed = lib.convlab_depthwise(
        x.data_ptr(), strides[0], w.data_ptr(), None if b is None else b.data_ptr(),
        out.data_ptr(), strides[1], n, c, h, width, k_h, k_w, s_h, s_w, d_h, d_w,
        (_I * 4)(*conf.pad), o_h, o_w, budget, torch.get_num_threads())
    if failed:
        raise MemoryError("convlab: the depthwise loop could not allocate its row buffers")
    return out


@functools.cache
def forward_of(kernels: type) -> type:
    """``kernels`` (a depthwise route) with its forward pass run by the compiled loop; its two
    gradients, and the derivatives of those, stay the route's."""
    def run(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
            conf: Conf) -> torch.Tensor:
        if _plain(x) and _plain(w) and (x.dtype in C_TYPES or x.dtype in _WIDENED):
            return conv(x, w, b, conf)
        return kernels.conv(x, w, b, conf)     # a torch.func transform's wrapped tensors
    return type(f"Compiled{kernels.__name__}", (kernels,), {"conv": staticmethod(run)})
