"""Time convlab's Conv2d implementations against PyTorch's own ``F.conv2d``.

    .venv/bin/python benchmarks/bench_conv.py            # the full suite (a few minutes)
    .venv/bin/python benchmarks/bench_conv.py --quick    # small shapes, few repetitions

For every case of the suite, ``conv2d_vectorized`` and ``F.conv2d`` run on the same tensors,
interleaved in one process (warm-up, then repetitions alternating between the two; several
passes round the whole suite; medians), so that whatever else the machine is doing slows both
alike. Reported per case: the median times, the ratio vectorized / F.conv2d (median of the
back-to-back pairs), GFLOP/s for both, forward + backward times, and the
peak memory each allocates during one forward call (``torch.profiler`` with
``profile_memory=True``) next to the size of the full im2col matrix that a plain
``F.unfold`` would build. ``conv2d_naive`` is timed only on small cases, against the same
reference. A large input shows that the vectorized path's column buffer stays bounded.

Writes ``build/bench/conv2d.md`` (Markdown table, machine in the header),
``build/bench/conv2d.json`` and ``build/bench/conv2d.png`` (bar chart).
Not part of the test suite; ``tests/test_benchmarks.py`` only checks the harness on tiny shapes.
"""
from __future__ import annotations

import argparse
import datetime
import gzip
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from convlab import check_conv2d, conv2d_naive, conv2d_vectorized  # noqa: E402
from convlab.conv.functional import pad_input  # noqa: E402
from convlab.conv.geometry import output_size, pair  # noqa: E402
from convlab.conv.im2col import MAX_BUFFER_BYTES, Plan, im2col_conv2d, windows  # noqa: E402

TARGET_GEOMEAN = 2.0   # geometric mean of vectorized / F.conv2d at or below this
TARGET_MAX = 3.5       # ... and no case above this

#: glibc's allocator settings the benchmarks run under (read once, when the process starts).
#: By default it hands large freed blocks back to the system and maps fresh ones, and the
#: first touch of each fresh page faults: in a virtual machine that cost F.conv2d's 3x3
#: depthwise layer on 64 channels of 56x56 at batch 8 5.5 ms a call where the layer takes
#: 1.0 (convlab's blocks, allocated less often, 4.4 against 3.0), and which calls paid it
#: changed with whatever ran before. With blocks up to 32 MiB kept in the process (the
#: largest threshold glibc accepts) and nothing given back, both implementations are timed
#: on memory they already have. ``--default-allocator`` times them as they come.
STEADY_ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
                    "MALLOC_TRIM_THRESHOLD_": str(16 * 1024 ** 3)}


def steady_allocator_env(environ: dict[str, str], system: str = sys.platform
                         ) -> dict[str, str] | None:
    """The environment to restart a benchmark in with :data:`STEADY_ALLOCATOR`, or None where
    it runs as it is: not on Linux (another allocator), or already set (by the restart, or
    by the caller, whose settings win)."""
    if not system.startswith("linux") or any(k in environ for k in STEADY_ALLOCATOR):
        return None
    return {**environ, **STEADY_ALLOCATOR}


def allocator_settings() -> dict[str, str]:
    """The allocator settings this process runs under, for the report's header."""
    return {k: os.environ[k] for k in STEADY_ALLOCATOR if k in os.environ} or {"glibc": "default"}


def restart_with_steady_allocator(argv: list[str]) -> None:
    """Re-run this script with :data:`STEADY_ALLOCATOR` unless ``--default-allocator`` is
    given (the process is replaced; nothing has been timed yet)."""
    env = None if "--default-allocator" in argv else steady_allocator_env(dict(os.environ))
    if env is not None:
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


@dataclass(frozen=True)
class Case:
    """One Conv2d call to time: an input shape and ``nn.Conv2d``'s arguments."""

    name: str
    input_shape: tuple[int, int, int, int]
    out_channels: int
    kernel: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    groups: int = 1
    channels_last: bool = False       # input and weight as a channels-last model holds them

    @property
    def kwargs(self) -> dict:
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation,
                    groups=self.groups)

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        k_h, k_w = pair(self.kernel, "kernel")
        return (self.out_channels, self.input_shape[1] // self.groups, k_h, k_w)

    @property
    def out_size(self) -> tuple[int, int]:
        k, s = pair(self.kernel, "kernel"), pair(self.stride, "stride")
        p, d = pair(self.padding, "padding"), pair(self.dilation, "dilation")
        return tuple(output_size(self.input_shape[2 + a], k[a], s[a], p[a], d[a])  # type: ignore
                     for a in (0, 1))

    @property
    def flops(self) -> int:
        """Floating-point operations: 2 (multiply, add) per weight tap per output cell."""
        c_out, c_in_group, k_h, k_w = self.weight_shape
        h_out, w_out = self.out_size
        return 2 * self.input_shape[0] * c_out * h_out * w_out * c_in_group * k_h * k_w

    @property
    def column_bytes(self) -> int:
        """Size of the full im2col matrix (what ``F.unfold`` builds) in float32."""
        c_out, c_in_group, k_h, k_w = self.weight_shape
        h_out, w_out = self.out_size
        return 4 * self.input_shape[0] * self.input_shape[1] * k_h * k_w * h_out * w_out

    def tensors(self, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """float32 input, weight and bias (the weight scaled as ``nn.Conv2d`` initialises it),
        input and weight channels last if the case says so."""
        gen = torch.Generator().manual_seed(seed)
        fan_in = math.prod(self.weight_shape[1:])
        x = torch.randn(self.input_shape, generator=gen)
        w = torch.randn(self.weight_shape, generator=gen) / math.sqrt(fan_in)
        b = torch.randn(self.out_channels, generator=gen) / math.sqrt(fan_in)
        if self.channels_last:
            x, w = (t.contiguous(memory_format=torch.channels_last) for t in (x, w))
        return x, w, b

    def shrunk(self, spatial: int, batch: int = 2, per_group: int = 3) -> "Case":
        """The same kind of layer on a small input: same kernel, stride, padding and dilation,
        at most 4 groups of at most ``per_group`` channels, so grouped stays grouped,
        depthwise stays depthwise and dense stays dense."""
        groups = min(self.groups, 4)
        c_in = groups * min(self.input_shape[1] // self.groups, per_group)
        c_out = groups * min(self.out_channels // self.groups, per_group)
        n, _, h, w = self.input_shape
        return replace(self, name=f"{self.name} (small)",
                       input_shape=(min(n, batch), c_in, min(h, spatial), min(w, spatial)),
                       out_channels=c_out, groups=groups)

    def describe(self) -> str:
        """Input and weight shapes and the non-default arguments, for the report."""
        args = ", ".join(f"{k}={v}" for k, v in self.kwargs.items()
                         if v != (1 if k in ("stride", "dilation", "groups") else 0))
        return (f"input {tuple(self.input_shape)}, weight {self.weight_shape}"
                + (f", {args}" if args else ""))


# The benchmark suite; float32 on the CPU.
SEED = (20, 16, 50, 100)            # the seed blog post's input
RESNET = (8, 64, 56, 56)            # a ResNet stage-1 feature map
SUITE = [
    Case("seed: 3x3, stride 2", SEED, 33, 3, stride=2),
    Case("seed: 3x5, stride (2,1), pad (4,2)", SEED, 33, (3, 5), stride=(2, 1), padding=(4, 2)),
    Case("seed: ... + dilation (3,1)", SEED, 33, (3, 5), stride=(2, 1), padding=(4, 2),
         dilation=(3, 1)),
    Case("MNIST batch: 1->20, 5x5", (64, 1, 28, 28), 20, 5),
    Case("ResNet-like 3x3, pad 1", RESNET, 64, 3, padding=1),
    Case("strided 3x3 (stride 2)", RESNET, 128, 3, stride=2, padding=1),
    Case("dilated 3x3 (dilation 2)", RESNET, 64, 3, padding=2, dilation=2),
    Case("grouped 3x3 (groups 4)", RESNET, 64, 3, padding=1, groups=4),
    Case("depthwise 3x3 (groups 64)", RESNET, 64, 3, padding=1, groups=64),
    Case("pointwise 1x1", RESNET, 128, 1),
]
# conv2d_naive is plain Python loops: only small cases.
NAIVE_CASES = [
    # The course's rule: the naive loops answer a lesson-sized call within a second.
    Case("naive: one digit, 3 filters 3x3", (1, 1, 28, 28), 3, 3),
    Case("naive: MNIST, one image", (1, 1, 28, 28), 20, 5),
    Case("naive: seed 3x3 s2, a slice", (1, 16, 12, 20), 33, 3, stride=2),
    Case("naive: depthwise, 8 channels", (1, 8, 16, 16), 8, 3, padding=1, groups=8),
]
# A large input: a full im2col copy would be 9 x 64 MB; the vectorized path must not need it.
LARGE = Case("large input, 3x3", (1, 64, 512, 512), 64, 3, padding=1)


def small_suite(spatial: int, batch: int, per_group: int) -> tuple[list[Case], list[Case], Case]:
    """Every case shrunk alike (``--quick`` and the harness test)."""
    shrink = lambda c: c.shrunk(spatial, batch, per_group)  # noqa: E731
    return ([shrink(c) for c in SUITE], [shrink(c) for c in NAIVE_CASES],
            LARGE.shrunk(4 * spatial, 1, 4 * per_group))


# ---------------------------------------------------------------------------- measuring

def time_interleaved(fns: dict[str, Callable[[], object]], reps: int,
                     warmup: int = 2) -> dict[str, list[float]]:
    """Seconds per call of each function; the functions alternate within every repetition."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def paired_ratio(ours: list[float], reference: list[float]) -> float:
    """Median over repetitions of ours / reference, each pair timed back to back.

    A burst of load from another process slows both members of a pair, so this is steadier
    than a ratio of two medians taken over different moments.
    """
    return statistics.median(a / b for a, b in zip(ours, reference))


def peak_memory_bytes(fn: Callable[[], object]) -> int | None:
    """Largest number of bytes that ``fn`` holds at once in tensors it allocates (its result
    included), from ``torch.profiler``'s memory timeline; ``None`` if the profiler cannot say.
    """
    from torch.profiler import ProfilerActivity, profile

    try:
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True,
                     record_shapes=True, with_stack=True) as prof:
            fn()
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")          # the export is marked deprecated
            path = os.path.join(tmp, "memory.raw.json.gz")
            prof.export_memory_timeline(path, device="cpu")
            with gzip.open(path, "rt") as f:
                events = json.load(f)
    except Exception:  # noqa: BLE001 - an optional measurement; the table says n/a
        return None
    # (time, action, bytes, category); actions: 1 pre-existing, 2 create, 3 new version,
    # 4 destroy (negative bytes). Tensors that existed before the call do not count.
    live = peak = 0
    for _, action, nbytes, _ in sorted(events, key=lambda e: e[0]):
        if action in (2, 4):
            live += nbytes
            peak = max(peak, live)
    return peak


def check_case(case: Case, fn: Callable = conv2d_vectorized) -> None:
    """Fail loudly if ``fn`` does not give PyTorch's output on this case (before timing it)."""
    x, w, b = case.tensors()
    with torch.no_grad():
        torch.testing.assert_close(fn(x, w, b, **case.kwargs), F.conv2d(x, w, b, **case.kwargs),
                                   rtol=1e-4, atol=1e-4)


class Timing:
    """One case, checked and ready to time: forward (no grad) and forward + backward of
    conv2d_vectorized and F.conv2d on the same tensors. :meth:`run` may be called several
    times (passes); the times accumulate."""

    def __init__(self, case: Case):
        check_case(case)
        self.case = case
        x, w, b = case.tensors()
        kw = case.kwargs
        leaves = [t.clone().requires_grad_() for t in (x, w, b)]
        upstream = torch.randn(case.input_shape[0], case.out_channels, *case.out_size)
        if case.channels_last:                            # laid out as the output
            upstream = upstream.contiguous(memory_format=torch.channels_last)

        def forward(conv: Callable) -> Callable[[], object]:
            def call() -> object:
                with torch.no_grad():
                    return conv(x, w, b, **kw)
            return call

        def train_step(conv: Callable) -> Callable[[], None]:
            def step() -> None:
                for t in leaves:
                    t.grad = None
                conv(*leaves, **kw).backward(upstream)
            return step

        self.forward = {"vectorized": forward(conv2d_vectorized), "F.conv2d": forward(F.conv2d)}
        self.train = {"vectorized": train_step(conv2d_vectorized),
                      "F.conv2d": train_step(F.conv2d)}
        self.times: dict[str, dict[str, list[float]]] = {}

    def run(self, reps: int) -> None:
        for kind, fns, n in (("fwd", self.forward, reps),
                             ("fwdbwd", self.train, max(1, reps // 2))):
            new = time_interleaved(fns, n, warmup=1)
            for name, t in new.items():
                self.times.setdefault(kind, {}).setdefault(name, []).extend(t)

    def row(self, memory: bool = True) -> dict:
        case = self.case
        row = dict(case=case.name, shapes=case.describe(), flops=case.flops,
                   column_bytes=case.column_bytes, reps=len(self.times["fwd"]["vectorized"]))
        for kind, by_name in self.times.items():
            for name, t in by_name.items():
                row[f"{kind}_{name}"] = statistics.median(t)
        row["ratio"] = paired_ratio(self.times["fwd"]["vectorized"], self.times["fwd"]["F.conv2d"])
        row["ratio_fwdbwd"] = paired_ratio(self.times["fwdbwd"]["vectorized"],
                                           self.times["fwdbwd"]["F.conv2d"])
        if memory:
            row["peak_vectorized"] = peak_memory_bytes(self.forward["vectorized"])
            row["peak_F.conv2d"] = peak_memory_bytes(self.forward["F.conv2d"])
        return row


def measure_naive(case: Case, reps: int) -> dict:
    """conv2d_naive against F.conv2d (and vectorized) on a small case."""
    check_case(case, conv2d_naive)
    x, w, b = case.tensors()
    kw = case.kwargs
    with torch.no_grad():
        times = time_interleaved({"naive": lambda: conv2d_naive(x, w, b, **kw),
                                  "vectorized": lambda: conv2d_vectorized(x, w, b, **kw),
                                  "F.conv2d": lambda: F.conv2d(x, w, b, **kw)}, reps, warmup=1)
    row = dict(case=case.name, shapes=case.describe(), flops=case.flops, reps=reps)
    for name, t in times.items():
        row[f"fwd_{name}"] = statistics.median(t)
    row["ratio_naive"] = paired_ratio(times["naive"], times["F.conv2d"])
    row["ratio"] = paired_ratio(times["vectorized"], times["F.conv2d"])
    return row


def measure_large(case: Case, reps: int) -> dict:
    """Peak memory (and time) of one large input: the column buffer must stay bounded."""
    timing = Timing(case)
    timing.run(reps)
    row = timing.row(memory=True)
    x, _, _ = case.tensors()
    row["peak_unfold"] = peak_memory_bytes(lambda: F.unfold(x, case.weight_shape[2:],
                                                            padding=case.padding))
    row["input_bytes"] = x.numel() * x.element_size()
    return row


# ---------------------------------------------------------------------------- what each idea buys

def unfold_matmul(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """The plain im2col: ``F.unfold`` builds the whole column matrix, then one grouped matmul."""
    spec = check_conv2d(x, w, b, stride, padding, dilation, groups)
    xp, geo = pad_input(x, spec), spec.geometry
    n, (c_out, c_in_group, k_h, k_w), (h_out, w_out) = xp.shape[0], w.shape, geo.out_size
    columns = F.unfold(xp, (k_h, k_w), dilation=geo.dilation, stride=geo.stride)
    columns = columns.view(n, groups, c_in_group * k_h * k_w, h_out * w_out)
    out = torch.matmul(w.reshape(groups, c_out // groups, -1), columns)
    out = out.reshape(n, c_out, h_out, w_out)
    return out if b is None else out + b.view(1, -1, 1, 1)


def view_copy_matmul(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """The windows as an ``as_strided`` view, copied whole (no tiles), then one grouped matmul."""
    spec = check_conv2d(x, w, b, stride, padding, dilation, groups)
    xp, geo = pad_input(x, spec), spec.geometry
    n, (c_out, c_in_group, k_h, k_w), (h_out, w_out) = xp.shape[0], w.shape, geo.out_size
    columns = windows(xp, (k_h, k_w), geo.stride, geo.dilation, geo.out_size, groups)
    columns = columns.reshape(n, groups, c_in_group * k_h * k_w, h_out * w_out)
    out = torch.matmul(w.reshape(groups, c_out // groups, -1), columns)
    out = out.reshape(n, c_out, h_out, w_out)
    return out if b is None else out.add_(b.view(1, -1, 1, 1))


def tiled_im2col_only(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """conv2d_vectorized's main path for every shape: no pointwise or depthwise route."""
    spec = check_conv2d(x, w, b, stride, padding, dilation, groups)
    return im2col_conv2d(pad_input(x, spec), w, b, spec.geometry.stride, spec.geometry.dilation,
                         groups)


#: Each step adds one idea; the last one is conv2d_vectorized itself.
STEPS = {
    "F.unfold + matmul": unfold_matmul,
    "view, one full copy": view_copy_matmul,
    "tiled view (im2col only)": tiled_im2col_only,
    "+ pointwise, depthwise routes": conv2d_vectorized,
}


def measure_steps(cases: list[Case], reps: int) -> list[dict]:
    """Forward ratio to F.conv2d of every step in :data:`STEPS`, interleaved, per case."""
    rows = []
    for case in cases:
        x, w, b = case.tensors()
        kw = case.kwargs
        fns = {"F.conv2d": lambda: F.conv2d(x, w, b, **kw)}
        for name, step in STEPS.items():
            check_case(case, step)
            fns[name] = lambda step=step: step(x, w, b, **kw)
        with torch.no_grad():
            times = time_interleaved(fns, reps, warmup=1)
        rows.append(dict(case=case.name, **{name: paired_ratio(times[name], times["F.conv2d"])
                                             for name in STEPS}))
    return rows


def measure_columns(case: Case, reps: int) -> dict:
    """Time to build the column matrix of ``case`` three ways (no product): ``F.unfold``; one
    copy of the whole ``as_strided`` view; the same copy in tiles into one reused buffer."""
    x, w, _ = case.tensors()
    spec = check_conv2d(x, w, None, **case.kwargs)
    xp, geo = pad_input(x, spec), spec.geometry
    view = windows(xp, geo.kernel, geo.stride, geo.dilation, geo.out_size, case.groups)
    plan = Plan(xp, w, geo.stride, geo.dilation, case.groups, MAX_BUFFER_BYTES)
    buffer = plan.columns_buffer(xp)

    def tiled() -> None:
        for samples, rows, cols in plan.tiles:
            block = view[samples, ..., rows, cols]
            buffer[:block.numel()].view(block.shape).copy_(block)

    times = time_interleaved({
        "F.unfold": lambda: F.unfold(xp, geo.kernel, dilation=geo.dilation, stride=geo.stride),
        "one full copy of the view": lambda: view.reshape(xp.shape[0], -1),
        f"the same copy in {len(plan.tiles)} tile(s), one reused buffer": tiled}, reps)
    return dict(case=case.name, bytes=case.column_bytes,
                times={name: statistics.median(t) for name, t in times.items()})


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def run(cases: list[Case], naive_cases: list[Case], large: Case | None, reps: int,
        passes: int = 1, naive_reps: int = 3, memory: bool = True, with_steps: bool = True,
        log: Callable[[str], None] = print) -> dict:
    """Measure everything; returns a JSON-able dict (machine, rows, summary).

    Each case gets ``passes * reps`` forward repetitions; the passes go round the whole suite,
    so a stretch of heavy load elsewhere on the machine is shared out among the cases.
    """
    timings = [Timing(case) for case in cases]
    for p in range(passes):
        for timing in timings:
            timing.run(reps)
        log(f"  pass {p + 1}/{passes} done")
    rows = [timing.row(memory) for timing in timings]
    for row in rows:
        log(f"  {row['case']:40s} ratio {row['ratio']:.2f}")
    naive_rows = []
    for case in naive_cases:
        naive_rows.append(measure_naive(case, naive_reps))
        log(f"  {case.name:40s} naive ratio {naive_rows[-1]['ratio_naive']:.0f}")
    large_row = measure_large(large, max(2, reps // 2)) if large is not None else None
    steps = measure_steps(cases, max(2, reps // 2)) if with_steps else []
    columns = measure_columns(cases[4], reps) if with_steps and len(cases) > 4 else None
    ratios = [r["ratio"] for r in rows]
    return dict(machine=machine_info(), rows=rows, naive=naive_rows, large=large_row,
                steps=steps, columns=columns,
                summary=dict(geomean=geomean(ratios), max=max(ratios),
                             geomean_fwdbwd=geomean([r["ratio_fwdbwd"] for r in rows]),
                             target_geomean=TARGET_GEOMEAN, target_max=TARGET_MAX))


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return dict(torch=torch.__version__, threads=torch.get_num_threads(),
                cpu_count=os.cpu_count(), cpu=cpu, python=platform.python_version(),
                date=datetime.datetime.now().isoformat(timespec="minutes"),
                allocator=allocator_settings())


# ---------------------------------------------------------------------------- reporting

def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"


def _mib(nbytes: int | None) -> str:
    return "n/a" if nbytes is None else f"{nbytes / 2**20:.1f}"


def allocator_phrase(machine: dict) -> str:
    """The allocator settings of a report's machine, as one phrase (older reports: unknown)."""
    settings = machine.get("allocator", {"glibc": "unknown"})
    return ", ".join(f"{k}={v}" for k, v in settings.items())


def markdown(results: dict) -> str:
    """The report: machine header, the suite table, naive table, large-input memory."""
    m, s = results["machine"], results["summary"]
    lines = [
        "# conv2d_vectorized vs F.conv2d",
        "",
        f"torch {m['torch']}, {m['threads']} threads (cpu_count {m['cpu_count']}), {m['cpu']}, "
        f"Python {m['python']}, {m['date']}, allocator {allocator_phrase(m)}. float32, CPU. "
        "Times are medians over repetitions "
        "in which the two implementations alternate; ratio = vectorized / F.conv2d, the median "
        "of each repetition's pair (lower is better, 1.00 = as fast).",
        "",
        "| case | F.conv2d ms | vectorized ms | ratio | GFLOP/s F.conv2d | GFLOP/s vectorized "
        "| fwd+bwd F.conv2d ms | fwd+bwd vectorized ms | fwd+bwd ratio "
        "| peak MiB F.conv2d | peak MiB vectorized | full im2col MiB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results["rows"]:
        lines.append(
            f"| {r['case']} | {_ms(r['fwd_F.conv2d'])} | {_ms(r['fwd_vectorized'])} "
            f"| **{r['ratio']:.2f}** | {r['flops'] / r['fwd_F.conv2d'] / 1e9:.1f} "
            f"| {r['flops'] / r['fwd_vectorized'] / 1e9:.1f} | {_ms(r['fwdbwd_F.conv2d'])} "
            f"| {_ms(r['fwdbwd_vectorized'])} | {r['ratio_fwdbwd']:.2f} "
            f"| {_mib(r.get('peak_F.conv2d'))} | {_mib(r.get('peak_vectorized'))} "
            f"| {_mib(r['column_bytes'])} |")
    ok = s["geomean"] <= s["target_geomean"] and s["max"] <= s["target_max"]
    lines += [
        "",
        f"Geometric mean of the forward ratios: **{s['geomean']:.2f}** (target <= "
        f"{s['target_geomean']}); largest: **{s['max']:.2f}** (target <= {s['target_max']}); "
        f"{'targets met' if ok else 'TARGETS NOT MET'}. "
        f"Forward + backward geometric mean: {s['geomean_fwdbwd']:.2f}.",
        "",
        "Peak MiB: the most memory the call holds at once in tensors it allocates, its output "
        "included (torch.profiler, profile_memory=True). Full im2col: what F.unfold would build.",
        "",
        "Cases:",
        "",
    ]
    lines += [f"- {r['case']}: {r['shapes']}" for r in results["rows"]]
    if results["naive"]:
        lines += ["", "## conv2d_naive (small cases only)", "",
                  "| case | F.conv2d ms | vectorized ms | naive ms | naive / F.conv2d |",
                  "|---|--:|--:|--:|--:|"]
        for r in results["naive"]:
            lines.append(f"| {r['case']} | {_ms(r['fwd_F.conv2d'])} | {_ms(r['fwd_vectorized'])} "
                         f"| {_ms(r['fwd_naive'])} | {r['ratio_naive']:.0f} |")
    large = results.get("large")
    if large:
        lines += ["", "## A large input: the column buffer stays bounded", "",
                  f"{large['case']}: {large['shapes']}; input {_mib(large['input_bytes'])} MiB, "
                  f"a full im2col matrix would be {_mib(large['column_bytes'])} MiB.", "",
                  "| | peak MiB | forward ms |", "|---|--:|--:|",
                  f"| F.unfold alone (the plain im2col) | {_mib(large.get('peak_unfold'))} | |",
                  f"| F.conv2d | {_mib(large.get('peak_F.conv2d'))} "
                  f"| {_ms(large['fwd_F.conv2d'])} |",
                  f"| conv2d_vectorized | {_mib(large.get('peak_vectorized'))} "
                  f"| {_ms(large['fwd_vectorized'])} |"]
    if results.get("steps"):
        names = list(STEPS)
        lines += ["", "## What each idea buys (forward, ratio to F.conv2d)", "",
                  "Each column adds one idea to the one before; the last is conv2d_vectorized.", "",
                  "| case | " + " | ".join(names) + " |", "|---|" + "--:|" * len(names)]
        for r in results["steps"]:
            lines.append(f"| {r['case']} | " + " | ".join(f"{r[n]:.2f}" for n in names) + " |")
        lines.append("| geometric mean | " + " | ".join(
            f"{geomean([r[n] for r in results['steps']]):.2f}" for n in names) + " |")
    columns = results.get("columns")
    if columns:
        lines += ["", f"## Building the columns alone: {columns['case']}", "",
                  f"The full column matrix is {_mib(columns['bytes'])} MiB.", "",
                  "| how | ms |", "|---|--:|"]
        lines += [f"| {name} | {_ms(t)} |" for name, t in columns["times"].items()]
    return "\n".join(lines) + "\n"


def bar_chart(results: dict, path: Path) -> None:
    """Horizontal bars: vectorized / F.conv2d per case, forward and forward + backward."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from convlab.figures.style import DROPPED, INPUT, KERNEL, PADDING

    rows = results["rows"]
    names = [r["case"] for r in rows]
    y = list(range(len(rows)))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 2.2))
    ax.barh([i - 0.2 for i in y], [r["ratio"] for r in rows], height=0.4, color=INPUT,
            label="forward")
    ax.barh([i + 0.2 for i in y], [r["ratio_fwdbwd"] for r in rows], height=0.4, color=KERNEL,
            label="forward + backward")
    ax.axvline(1.0, color=PADDING, linestyle="-", linewidth=1, label="as fast as F.conv2d")
    ax.axvline(TARGET_GEOMEAN, color=PADDING, linestyle="--", linewidth=1,
               label=f"geometric-mean target {TARGET_GEOMEAN}")
    ax.axvline(TARGET_MAX, color=DROPPED, linestyle=":", linewidth=1,
               label=f"per-case limit {TARGET_MAX}")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("time of conv2d_vectorized / time of F.conv2d (lower is better)")
    m, s = results["machine"], results["summary"]
    ax.set_title(f"convlab conv2d_vectorized vs F.conv2d - geometric mean {s['geomean']:.2f}\n"
                 f"torch {m['torch']}, {m['threads']} threads, float32 CPU", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_reports(results: dict, out_dir: Path, name: str = "conv2d", table=None,
                  chart=None) -> list[Path]:
    """``name``.md (``table``), .json and .png (``chart``) in ``out_dir``; by default this
    benchmark's own table and bar chart (the model-zoo benchmark passes its own)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.md", out_dir / f"{name}.json", out_dir / f"{name}.png"]
    paths[0].write_text((table or markdown)(results), encoding="utf-8")
    paths[1].write_text(json.dumps(results, indent=1), encoding="utf-8")
    (chart or bar_chart)(results, paths[2])
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small shapes and few repetitions: a smoke run of the harness")
    parser.add_argument("--reps", type=int, default=None,
                        help="timed repetitions per case and pass (default 8, quick 3)")
    parser.add_argument("--passes", type=int, default=None,
                        help="rounds through the whole suite (default 5, quick 1)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench",
                        help="output directory (default build/bench)")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the profiler's memory measurement")
    parser.add_argument("--default-allocator", action="store_true",
                        help="keep glibc's default allocator settings (see STEADY_ALLOCATOR)")
    args = parser.parse_args(argv)
    if args.quick:
        cases, naive_cases, large = small_suite(spatial=24, batch=2, per_group=8)
        reps, passes = args.reps or 3, args.passes or 1
    else:
        cases, naive_cases, large = SUITE, NAIVE_CASES, LARGE
        reps, passes = args.reps or 8, args.passes or 5
    info = machine_info()
    print(f"torch {info['torch']}, {info['threads']} threads; {len(cases)} cases, "
          f"{passes} passes of {reps} repetitions")
    results = run(cases, naive_cases, large, reps, passes, naive_reps=1 if args.quick else 7,
                  memory=not args.no_memory)
    for path in write_reports(results, args.out):
        print("wrote", path)
    s = results["summary"]
    print(f"geometric mean {s['geomean']:.2f} (target {TARGET_GEOMEAN}), "
          f"max {s['max']:.2f} (target {TARGET_MAX})")
    return 0


if __name__ == "__main__":
    restart_with_steady_allocator(sys.argv[1:])
    raise SystemExit(main())
