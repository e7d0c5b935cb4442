"""Forward passes as compiled loops, built on first use (lesson 06).

For some layers the routes of PyTorch operations cost 2.5-5x F.conv2d's time however they lay
out the numbers: depthwise layers with 5x5 and 7x7 kernels (each tap one operation over a whole
block, which reads its cells from the cache and writes its sums back), and layers whose windows
hold few numbers (a first layer of three channels; groups of 8 or 16 channels), whose columns
are copies of the input many times over for a thin matrix product. F.conv2d's kernels keep every
output cell's sum in a register until all of its taps are added. So do the loops of
``depthwise_loop.c`` and ``direct_loops.c``, next to this module (``loops.h`` says how):
:func:`depthwise` and :func:`direct`, which with two blocks of output channels a tile also beats
the matrix product of most dense layers (:func:`takes_pairs`). The same loops compute the input
gradients of those layers, and loops of their own the weight gradients
(:mod:`.compiled_gradients`).

The loops are compiled the first time a layer needs them, by the machine's C compiler
(``$CC``, else ``cc``, ``gcc`` or ``clang``) with OpenMP and the processor's own instructions,
into ``$CONVLAB_KERNEL_DIR`` (default ``~/.cache/convlab/kernels``), under a name that hashes the
source, the compiler, its flags and the processor, so a later process loads them in a
millisecond. Where no compiler or no OpenMP is found the routes run as before, with the same
results. ``CONVLAB_COMPILED=0`` turns the loops off.
"""
from __future__ import annotations

import atexit
import ctypes
import functools
import hashlib
import math
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch

from . import cache
from .autograd import Conf, Pair, in_float32
from .layout import result_channels_last

#: The loops' C files, compiled together (``loops.h``: what they share), and all they read.
SOURCES = tuple(Path(__file__).with_name(name)
                for name in ("depthwise_loop.c", "direct_loops.c"))
HEADER = Path(__file__).with_name("loops.h")
#: The number types the loops are built for, by the C type each is.
C_TYPES = {torch.float32: "float", torch.float64: "double"}
#: Number types summed in float32 (:func:`.autograd.in_float32`), as PyTorch sums them.
WIDENED = (torch.float16, torch.bfloat16)
#: Flags tried in turn for the processor's own vector instructions (gcc and clang on x86,
#: then clang on ARM), then none.
ARCH_FLAGS = (("-march=native",), ("-mcpu=native",), ())
#: Share of a core's L2 cache that one thread's band of padded rows may take: the rest holds
#: the output row, the weights and what the other loads bring in.
BAND_SHARE = 1 / 2
#: Most numbers one window of a layer holds (``C_in/groups * kH * kW``) for :func:`direct` to
#: take its forward pass. Forward, time / F.conv2d's, the loop against the route (2 cores,
#: AVX-512, batches 2 and 8): windows of 27-147 numbers (first layers of three channels, 3x3
#: to 7x7) 1.09-1.33 against 1.38-2.84; 72-288 (3x3 groups of 8 to 32 channels) 0.72-1.67
#: against 2.25-3.92; dense 3x3 layers of 16 and 32 channels 0.87-1.16 against 1.49-1.85. At
#: 576 (64 channels) the loop won at stride 1 (1.18-1.29 against 1.58-1.78) and lost at
#: stride 2 (1.53 against 1.40); from 864 on the route's matrix product wins (1.26-1.32
#: against 1.31-2.77).
MAX_DIRECT_WINDOW = 512
#: Or most input numbers an output cell takes in that its neighbour along a row did not read
#: (``C_in/groups * s_h * s_w``), whatever the window: with as few, im2col's columns repeat
#: each of them ``kH*kW / (s_h*s_w)`` times. 3x3 layers of 64 channels at stride 1 (64):
#: the loop 1.21-1.30 forward against 1.72-1.82, 1.50 forward + backward against 1.52-1.88;
#: of 96 channels (96) 1.31-1.32 against 1.26-1.27; of 64 at stride 2 (256) 1.53 against 1.40.
MAX_DIRECT_INPUTS_A_STEP = 64
#: Output channels a group and output cells a sample from which a layer of two blocks is left
#: to the route (:func:`product_wins`): its matrix product is then large enough to run at the
#: processor's speed. vgg11 at batch 2, whole model forward, every layer of two blocks by the
#: loop: 1.05 -> 1.19 (its layers of 256 and 512 channels on 28x28 and 56x56 above).
PRODUCT_ROWS = 256
PRODUCT_CELLS = 28 * 28

_P, _I = ctypes.c_void_p, ctypes.c_int64
_ARGS = {"convlab_depthwise": [_P] * 6 + [_I] * 10 + [_P, _I, _I, _I, ctypes.c_int],
         "convlab_direct": [_P] * 6 + [_I] * 12 + [_P, _I, _I, _I, ctypes.c_int],
         "convlab_direct_weight": [_P] * 5 + [_I] * 12 + [_P, _I, _I, _I, ctypes.c_int],
         "convlab_depthwise_weight": [_P] * 5 + [_I] * 10 + [_P, _I, _I, _I, ctypes.c_int]}


def enabled() -> bool:
    """Whether the compiled loops may be used: not turned off by ``CONVLAB_COMPILED=0``."""
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
        source = "".join(path.read_text() for path in (HEADER, *SOURCES))
        version = subprocess.run([compiler, "--version"], capture_output=True, text=True,
                                 timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    key = hashlib.sha256("\0".join([source, compiler, version, *args,
                                    _processor()]).encode()).hexdigest()[:20]
    name = f"loops-{c_type}-{key}.so"
    if (kernel_dir() / name).exists():
        return kernel_dir() / name
    for folder in (kernel_dir, _scratch_dir):
        try:
            target = folder() / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as work:
                built = Path(work) / name
                done = subprocess.run([compiler, *args, *map(str, SOURCES), "-o", str(built)],
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
    """The loops for ``dtype`` numbers, built or loaded once a process; None if they cannot be
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
            for name, args in _ARGS.items():
                getattr(lib, name).argtypes = args
                getattr(lib, name).restype = ctypes.c_int
            lib.lanes = lib.convlab_lanes()
            return lib
    return None


#: The tensor types whose numbers lie in their own storage: a layer's weight is a Parameter.
_PLAIN_TYPES = (torch.Tensor, torch.nn.Parameter)


def plain(t: torch.Tensor) -> bool:
    """A tensor whose numbers a loop can read: a strided CPU tensor of its own or a layer's
    ``nn.Parameter`` (not a ``torch.func`` wrapper or another subclass, whose numbers may
    live elsewhere)."""
    return (type(t) in _PLAIN_TYPES and t.device.type == "cpu" and t.layout == torch.strided
            and not torch._C._functorch.is_functorch_wrapped_tensor(t))


def _loop_runs(x: torch.Tensor, weight: torch.Tensor) -> bool:
    """Plain CPU tensors with cells, of float32 or float64 numbers (float16 and bfloat16 are
    summed in float32), and the loops built for this machine."""
    return x.numel() > 0 and plain(x) and plain(weight) and enabled() and _lanes(x.dtype) > 0


def takes_depthwise(x: torch.Tensor, weight: torch.Tensor, conf: Conf) -> bool:
    """Whether a depthwise call runs its forward pass by :func:`depthwise`: one output channel
    an input channel, and :func:`_loop_runs`."""
    return weight.shape[0] == x.shape[1] == conf.groups and _loop_runs(x, weight)


def takes_direct(x: torch.Tensor, weight: torch.Tensor, conf: Conf) -> bool:
    """Whether an im2col call runs its forward pass by :func:`direct`: windows that overlap
    (more taps than the stride skips, so that im2col's columns would hold each input number
    more than once), hold :func:`few_numbers` or belong to a group of two blocks of output
    channels (:func:`takes_pairs`), output channels that fill half a vector
    (:func:`fills_half_a_vector`), and :func:`_loop_runs`.
    Windows side by side (a 2x2 kernel at stride 2) make columns no larger than the input, and
    their one matrix product won: 1.40-1.53x F.conv2d against the loop's 1.93-3.06."""
    (k_h, k_w), (s_h, s_w) = conf.kernel, conf.stride
    c_out = weight.shape[0] // conf.groups
    cells = math.prod(conf.out_size)
    pairs = takes_pairs(c_out, x.dtype) and not product_wins(c_out, cells)
    return (k_h * k_w > s_h * s_w and (few_numbers(weight.shape[1], conf) or pairs)
            and _loop_runs(x, weight) and fills_half_a_vector(c_out, x.dtype))


def product_wins(channels: int, cells: int) -> bool:
    """Whether a layer's matrix product, ``channels`` output channels a group (rows) by
    ``cells`` output cells a sample, is large enough (:data:`PRODUCT_ROWS`,
    :data:`PRODUCT_CELLS`) to beat the loop's pairs of blocks."""
    return channels >= PRODUCT_ROWS and cells >= PRODUCT_CELLS


def few_numbers(c_in_group: int, conf: Conf) -> bool:
    """Windows of ``c_in_group`` channels that hold at most :data:`MAX_DIRECT_WINDOW`
    numbers, or take in at most :data:`MAX_DIRECT_INPUTS_A_STEP` new ones a step: where one
    block of output channels a tile beat the matrix product (and the weight gradient's loop
    does)."""
    (k_h, k_w), (s_h, s_w) = conf.kernel, conf.stride
    return (c_in_group * k_h * k_w <= MAX_DIRECT_WINDOW
            or c_in_group * s_h * s_w <= MAX_DIRECT_INPUTS_A_STEP)


def _lanes(dtype: torch.dtype) -> int:
    """How many numbers of ``dtype`` (float16 and bfloat16: float32) a vector of the loops
    holds, the channels they take at a time; 0 where the loops cannot be built."""
    lib = library(torch.float32 if dtype in WIDENED else dtype)
    return 0 if lib is None else lib.lanes


def takes_pairs(channels: int, dtype: torch.dtype) -> bool:
    """Whether a group of ``channels`` output channels is more than one vector, which the
    direct loop then sums two blocks of 7 cells at a time (``PAIR_CELLS`` in
    ``direct_loops.c``), each input number loaded once for both blocks. The bounds of
    :func:`few_numbers` were measured with one block a tile; with two, the loop takes the
    forward pass of any window (:func:`takes_direct`). 3x3, forward, loop against route, batch
    2: 128 channels on 28x28 1.03 against 1.15, 256 on 14x14 0.94 against 1.24, 512 on 7x7 1.09
    against 1.24, 64 -> 128 on 112x112 1.08 against 1.45, 64 -> 128 at stride 2 0.95 against
    1.26, dilation 2 (256 on 28x28) 1.15 against 1.22; the largest maps gave the product back a
    little (512 on 28x28 1.11 against 0.93, 128 -> 256 on 56x56 1.07 against 0.94: hence
    :func:`product_wins`)."""
    lanes = _lanes(dtype)
    return 0 < lanes < channels


def fills_half_a_vector(channels: int, dtype: torch.dtype) -> bool:
    """Whether ``channels`` output channels a group fill at least half of the vectors the
    direct loop sums them in (``LANES`` in ``loops.h``: 16 float32 numbers with AVX-512).
    Fewer leave most of each multiply-add unused: a first layer's input gradient, three
    channels of 16 lanes, took 1.5-2.0x F.conv2d's forward + backward time against the
    route's 1.0-1.25."""
    lanes = _lanes(dtype)
    return 0 < lanes <= 2 * channels


def int64s(values: tuple[int, ...]) -> ctypes.Array:
    """``values`` as the C array of 64-bit integers the loops take (strides, padding)."""
    return (_I * len(values))(*values)


def band_budget() -> int:
    """The bytes a thread's band of rows may take: :data:`BAND_SHARE` of a core's L2 cache."""
    return int(cache.l2_bytes() * BAND_SHARE)


def call_loop(name: str, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
              out: torch.Tensor, sizes: tuple[int, ...], stride: Pair, dilation: Pair,
              pad: tuple[int, int, int, int]) -> torch.Tensor:
    """``out`` (any strides, a view too) filled with ``conv(x, w) + b`` by the loop ``name``
    (``sizes``: its arguments between the input's width and the kernel's height) at ``stride``
    and ``dilation``, the zero padding ``pad`` (top, bottom, left, right) added as it reads."""
    w = w.contiguous()
    b = None if b is None else b.contiguous()
    strides = int64s(x.stride()), int64s(out.stride())
    budget = band_budget()
    failed = getattr(library(x.dtype), name)(
        x.data_ptr(), strides[0], w.data_ptr(), None if b is None else b.data_ptr(),
        out.data_ptr(), strides[1], *x.shape, *sizes, *w.shape[2:], *stride, *dilation,
        int64s(pad), *out.shape[2:], budget, torch.get_num_threads())
    if failed:
        raise MemoryError(f"convlab: the compiled loop {name} could not allocate its buffers")
    return out


def _run(name: str, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None, conf: Conf,
         sizes: tuple[int, ...]) -> torch.Tensor:
    """``conv(x, w) + b`` by the loop ``name``, laid out as F.conv2d lays out its result."""
    o_h, o_w = conf.out_size
    layout = torch.channels_last if result_channels_last(x, w) else torch.contiguous_format
    out = torch.empty((x.shape[0], w.shape[0], o_h, o_w), dtype=x.dtype, memory_format=layout)
    return call_loop(name, x, w, b, out, sizes, conf.stride, conf.dilation, conf.pad)


@in_float32
def depthwise(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
              conf: Conf) -> torch.Tensor:
    """The depthwise layer ``conv(x, w) + b`` (one output channel an input channel) by the
    compiled loop ``convlab_depthwise``."""
    return _run("convlab_depthwise", x, w, b, conf, ())


@in_float32
def direct(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
           conf: Conf) -> torch.Tensor:
    """The layer ``conv(x, w) + b`` of any groups by the compiled loop ``convlab_direct``."""
    return _run("convlab_direct", x, w, b, conf, (w.shape[0], conf.groups))
