"""Time convlab on the convolutions of real networks: torchvision's model zoo, layer by layer.

    .venv/bin/python benchmarks/bench_zoo.py                       # the default zoo (long)
    .venv/bin/python benchmarks/bench_zoo.py resnet18 --batches 1  # a quick run
    .venv/bin/python benchmarks/bench_zoo.py regnet_x_400mf --no-train
    .venv/bin/python benchmarks/bench_zoo.py mobilenet_v2 --channels-last   # as such models run
    .venv/bin/python benchmarks/bench_zoo.py --train-only --train-batch 2   # training steps only

The shapes of every ``nn.Conv2d`` of an architecture come from one forward pass on the ``meta``
device (no weights, no arithmetic): a forward hook records each call's input shape and
arguments. Each distinct layer is then timed exactly as ``benchmarks/bench_conv.py`` times its
suite (the same :class:`bench_conv.Timing`: checked against ``F.conv2d`` first, then
``conv2d_vectorized`` and ``F.conv2d`` alternating in one process, forward and forward +
backward, several passes round all layers), and weighted by how often the model calls it.

Reported per model and batch: the whole-model convolution time ratio (sum of count x median
time, convlab over PyTorch) forward and forward + backward, the geometric mean over layers,
the worst layer, and the per-layer table; a plot of the ratio per layer coloured by kind.
Then one training step (forward, cross-entropy loss, backward) of whole models at batch 8:
the model with its convolutions swapped (:func:`convlab.swap_convs`) against the unmodified
model, alternating. Writes ``build/bench/zoo.md``, ``zoo.json`` and ``zoo.png``.
Not part of the test suite; ``tests/test_benchmarks.py`` runs it on one tiny model.
"""
from __future__ import annotations

import argparse
import copy
import inspect
import os
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (ROOT, HERE):  # run as a script from a checkout; bench_conv sits beside this file
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import bench_conv  # noqa: E402
from bench_conv import (Case, Timing, geomean, machine_info, paired_ratio,  # noqa: E402
                        restart_with_steady_allocator, time_interleaved)
from convlab import swap_convs  # noqa: E402
from convlab.conv.geometry import resolve_padding  # noqa: E402

MODELS = ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0",
          "vgg11"]
TRAIN_MODELS = ["resnet18", "mobilenet_v2"]
BATCHES = [1, 8]
KINDS = ["stem", "depthwise", "grouped", "pointwise", "strided", "dense"]
# targets: whole-model and geometric mean at or below 1.5, no layer above 2.5, a training step
# at or below 1.4 (ratios to PyTorch, float32, CPU)
TARGET_MODEL, TARGET_GEOMEAN, TARGET_LAYER, TARGET_TRAIN = 1.5, 1.5, 2.5, 1.4


def kind(case: Case, first: bool) -> str:
    """What sort of layer this is, for the plot: the model's first conv is its stem."""
    c_in = case.input_shape[1]
    if first:
        return "stem"
    if case.groups > 1 and case.groups == c_in:
        return "depthwise"
    if case.groups > 1:
        return "grouped"
    if case.weight_shape[2:] == (1, 1):
        return "pointwise"
    if case.stride not in (1, (1, 1)):
        return "strided"
    return "dense"


class NotTimed(ValueError):
    """An architecture the zoo cannot time, with the reason; the run goes on without it."""


def _said(error: Exception) -> str:
    """An exception's type and the start of its message's first line, for a report."""
    first = (str(error).splitlines() or [""])[0]
    return f"{type(error).__name__}: {first[:120]}"


def model_config(name: str) -> dict:
    """``get_model`` arguments for an architecture with no weights at all: segmentation and
    detection builders also load an ImageNet backbone unless told ``weights_backbone=None``."""
    from torchvision.models import get_model_builder

    config: dict = {"weights": None}
    if "weights_backbone" in inspect.signature(get_model_builder(name)).parameters:
        config["weights_backbone"] = None
    return config


def build_on_meta(name: str) -> nn.Module:
    """torchvision's architecture ``name`` with its parameters on the meta device (no memory)."""
    from torchvision.models import get_model

    try:
        with torch.device("meta"):
            return get_model(name, **model_config(name))
    except Exception:  # noqa: BLE001 - some models initialise in ways meta cannot; build, move
        return get_model(name, **model_config(name)).to("meta")


def conv_layers(name: str, batch: int, image_size: int = 224, channels_last: bool = False
                ) -> list[tuple[Case, int, str]]:
    """``(case, count, kind)`` for every distinct ``nn.Conv2d`` call of one forward pass of
    ``name`` at ``batch``, in the order the model first calls them (with ``channels_last``,
    each case's input and weight laid out as a channels-last model holds them)."""
    model = build_on_meta(name).eval()
    seen: Counter = Counter()
    order: list[tuple] = []
    skipped: list[str] = []

    def hook(module: nn.Conv2d, args: tuple, _output: torch.Tensor) -> None:
        shape = tuple(args[0].shape)
        if module.padding_mode != "zeros":
            skipped.append(f"{module} (padding_mode)")
            return
        (top, bottom), (left, right) = resolve_padding(module.padding, module.kernel_size,
                                                       module.dilation)
        if top != bottom or left != right:
            skipped.append(f"{module} (uneven 'same' padding)")
            return
        key = (shape, module.out_channels, module.kernel_size, module.stride, (top, left),
               module.dilation, module.groups)
        if key not in seen:
            order.append(key)
        seen[key] += 1

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(torch.empty(batch, 3, image_size, image_size, device="meta"))
    except Exception as error:  # noqa: BLE001 - any failure: say which model, and why
        raise NotTimed(
            f"{name}: not timed, its forward pass did not run on a batch of images on the meta "
            f"device ({_said(error)}); the zoo times models that take one batch of images "
            "and whose layers' shapes do not depend on the values (classification and "
            "segmentation)") from error
    finally:
        for handle in handles:
            handle.remove()
    if not order:
        raise NotTimed(f"{name}: not timed, it calls no nn.Conv2d with zero padding")
    if skipped:
        print(f"  {name}: not timed (F.conv2d has no padding_mode argument): {skipped}")
    layers = []
    for index, key in enumerate(order):
        shape, c_out, k, s, p, d, g = key
        label = (f"{k[0]}x{k[1]} {shape[1]}->{c_out} @{shape[2]}x{shape[3]}"
                 + (f" s{s[0]}" if s != (1, 1) else "") + (f" d{d[0]}" if d != (1, 1) else "")
                 + (f" g{g}" if g > 1 else ""))
        case = Case(label, shape, c_out, k, stride=s, padding=p, dilation=d, groups=g,
                    channels_last=channels_last)
        layers.append((case, seen[key], kind(case, index == 0)))
    return layers


def measure_model(name: str, batch: int, reps: int, passes: int, image_size: int,
                  log: Callable[[str], None] = print, channels_last: bool = False) -> dict:
    """Time every distinct conv layer of one model at one batch size (see the module doc)."""
    layers = conv_layers(name, batch, image_size, channels_last)
    timings = [Timing(case) for case, _, _ in layers]
    for _ in range(passes):
        for timing in timings:
            timing.run(reps)
    rows = []
    for (case, count, layer_kind), timing in zip(layers, timings):
        row = timing.row(memory=False)
        rows.append(dict(row, count=count, kind=layer_kind, layer=case.name))
    totals = {f"{kind}_{who}": sum(r["count"] * r[f"{kind}_{who}"] for r in rows)
              for kind in ("fwd", "fwdbwd") for who in ("vectorized", "F.conv2d")}
    worst = max(rows, key=lambda r: max(r["ratio"], r["ratio_fwdbwd"]))
    result = dict(model=name, batch=batch, rows=rows, **totals,
                  ratio=totals["fwd_vectorized"] / totals["fwd_F.conv2d"],
                  ratio_fwdbwd=totals["fwdbwd_vectorized"] / totals["fwdbwd_F.conv2d"],
                  geomean=geomean([r["ratio"] for r in rows]),
                  geomean_fwdbwd=geomean([r["ratio_fwdbwd"] for r in rows]),
                  worst=dict(layer=worst["layer"], kind=worst["kind"], ratio=worst["ratio"],
                             ratio_fwdbwd=worst["ratio_fwdbwd"]),
                  load=os.getloadavg()[0])
    log(f"  {name} batch {batch}: whole-model {result['ratio']:.2f} fwd, "
        f"{result['ratio_fwdbwd']:.2f} fwd+bwd; geomean {result['geomean']:.2f}; worst "
        f"{worst['layer']} {worst['ratio']:.2f}/{worst['ratio_fwdbwd']:.2f}; "
        f"load {result['load']:.1f}")
    return result


def training_loss(output) -> torch.Tensor:
    """Cross-entropy of every head a model returns in training mode, against random classes
    drawn from a fixed seed (the same targets for both models): one tensor of logits, a
    segmentation model's dict of per-pixel logits, or a tuple with auxiliary heads (googlenet,
    inception_v3), whose losses are added as in their training."""
    heads = (list(output.values()) if isinstance(output, dict)
             else list(output) if isinstance(output, tuple) else [output])
    generator, loss = torch.Generator().manual_seed(2), 0
    for logits in (h for h in heads if h is not None):
        target = torch.randint(0, logits.shape[1], (logits.shape[0], *logits.shape[2:]),
                               generator=generator)
        loss = loss + nn.functional.cross_entropy(logits, target)
    return loss


def measure_training_step(name: str, batch: int, reps: int, image_size: int,
                          channels_last: bool = False) -> dict:
    """One step (forward, cross-entropy, backward) of ``name`` with its convolutions swapped,
    against the unmodified model on the same data, alternating; gradients checked to agree.
    With ``channels_last`` both models and the images are laid out channels last
    (``model.to(memory_format=torch.channels_last)``, PyTorch's advice for CNNs on CPUs)."""
    from torchvision.models import get_model

    torch.manual_seed(0)
    original = get_model(name, **model_config(name))  # training mode, as in a real step
    x = torch.randn(batch, 3, image_size, image_size)
    if channels_last:
        original = original.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    swapped = swap_convs(copy.deepcopy(original))

    def step(model: nn.Module) -> Callable[[], None]:
        def call() -> None:
            torch.manual_seed(1)                       # the same dropout in both models
            model.zero_grad(set_to_none=True)
            training_loss(model(x)).backward()
        return call

    fns = {"swapped": step(swapped), "torch": step(original)}
    try:
        fns["torch"]()
    except Exception as error:  # noqa: BLE001 - any failure: say which model, and why
        raise NotTimed(f"{name}: no training step, one step of the unmodified model on a batch "
                       f"of images failed ({_said(error)})") from error
    fns["swapped"]()
    # float32 through a deep network, where some gradients are sums that cancel: compare all
    # gradients at once by relative norm (a wrong route is off by its whole size;
    # tests/test_nn.py checks every gradient in float64)
    pairs = [(p.grad, q.grad) for p, q in zip(swapped.parameters(), original.parameters())]
    assert all((a is None) == (b is None) for a, b in pairs), f"{name}: gradients missing"
    mine = torch.cat([a.flatten() for a, _ in pairs if a is not None])
    ref = torch.cat([b.flatten() for _, b in pairs if b is not None])
    error = ((mine - ref).norm() / ref.norm()).item()
    assert error < 5e-2, f"{name}: swapped gradients differ by {error:.1e} of their norm"
    times = time_interleaved(fns, reps, warmup=0)     # the checked step above warmed both up
    return dict(model=name, batch=batch, image_size=image_size,
                swapped=statistics.median(times["swapped"]),
                torch=statistics.median(times["torch"]),
                ratio=paired_ratio(times["swapped"], times["torch"]), load=os.getloadavg()[0])


# ---------------------------------------------------------------------------- reporting

def markdown(results: dict) -> str:
    """Summary per model and batch, training steps, then one per-layer table per model."""
    m = results["machine"]
    lines = [
        "# convlab on torchvision's convolutions",
        "",
        f"torch {m['torch']}, {m['threads']} threads (cpu_count {m['cpu_count']}), {m['cpu']}, "
        f"{m['date']}, allocator {bench_conv.allocator_phrase(m)}; image {results['image_size']}x"
        f"{results['image_size']}, float32, CPU"
        + (", inputs, weights and models channels last" if results.get("channels_last") else "")
        + ". "
        "ratio = conv2d_vectorized / F.conv2d (lower is better): whole-model = sum over layers "
        "of count x median time; per layer, the median of back-to-back pairs. `load` is the "
        "1-minute load average when the model finished (the machine is shared).",
        "",
        f"Targets: whole-model <= {TARGET_MODEL}, geometric mean <= {TARGET_GEOMEAN}, no layer "
        f"> {TARGET_LAYER}, training step <= {TARGET_TRAIN}.",
        "",
        "| model | batch | whole-model fwd | whole-model fwd+bwd | geomean fwd | geomean fwd+bwd "
        "| worst layer | worst fwd | worst fwd+bwd | layers | load |",
        "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    for r in results["models"]:
        w = r["worst"]
        lines.append(f"| {r['model']} | {r['batch']} | {r['ratio']:.2f} | "
                     f"{r['ratio_fwdbwd']:.2f} | {r['geomean']:.2f} | {r['geomean_fwdbwd']:.2f} "
                     f"| {w['layer']} ({w['kind']}) | {w['ratio']:.2f} | {w['ratio_fwdbwd']:.2f} "
                     f"| {len(r['rows'])} | {r['load']:.1f} |")
    if results.get("skipped"):
        lines += ["", "Not timed:", ""] + [f"- {why}" for why in results["skipped"]]
    if results["train"]:
        lines += ["", "## One training step (forward, loss, backward)", "",
                  "| model | batch | unmodified ms | swapped ms | ratio | load |",
                  "|---|--:|--:|--:|--:|--:|"]
        for t in results["train"]:
            lines.append(f"| {t['model']} | {t['batch']} | {t['torch'] * 1e3:.1f} | "
                         f"{t['swapped'] * 1e3:.1f} | {t['ratio']:.2f} | {t['load']:.1f} |")
    for r in results["models"]:
        lines += ["", f"## {r['model']}, batch {r['batch']}", "",
                  "| layer | kind | count | F.conv2d ms | vectorized ms | ratio | fwd+bwd ratio |",
                  "|---|---|--:|--:|--:|--:|--:|"]
        for row in r["rows"]:
            lines.append(f"| {row['layer']} | {row['kind']} | {row['count']} | "
                         f"{row['fwd_F.conv2d'] * 1e3:.3f} | {row['fwd_vectorized'] * 1e3:.3f} "
                         f"| {row['ratio']:.2f} | {row['ratio_fwdbwd']:.2f} |")
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    """Ratio per layer (forward: dots, forward + backward: crosses), coloured by kind."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from convlab.figures.style import BIAS, DROPPED, INPUT, KERNEL, OUTPUT, PADDING

    colours = dict(zip(KINDS, [DROPPED, KERNEL, BIAS, INPUT, OUTPUT, PADDING]))
    runs = results["models"]
    if not runs:                                        # training steps only
        fig, ax = plt.subplots(figsize=(6, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no model's layers were timed", ha="center", va="center")
    else:
        fig, axes = plt.subplots(len(runs), 1, figsize=(10, 2.2 * len(runs) + 0.6),
                                 squeeze=False)
        for ax, r in zip(axes[:, 0], runs):
            for i, row in enumerate(r["rows"]):
                c = colours[row["kind"]]
                ax.scatter(i, row["ratio"], color=c, s=14 + 4 * min(row["count"], 8), marker="o")
                ax.scatter(i, row["ratio_fwdbwd"], color=c, s=14, marker="x")
            ax.axhline(1.0, color=PADDING, linewidth=0.8)
            ax.axhline(TARGET_LAYER, color=DROPPED, linestyle=":", linewidth=0.8)
            ax.set_ylabel("ratio")
            ax.set_title(f"{r['model']}, batch {r['batch']}: whole-model {r['ratio']:.2f} fwd, "
                         f"{r['ratio_fwdbwd']:.2f} fwd+bwd", fontsize=9)
        axes[-1, 0].set_xlabel("distinct conv layer, in the order the model calls it "
                               "(o forward, x forward + backward)")
        handles = [plt.Line2D([], [], color=colours[k], marker="o", linestyle="", label=k)
                   for k in KINDS]
        fig.legend(handles=handles, loc="upper center", ncol=len(KINDS), fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (2.2 * len(runs) + 0.6)))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(results: dict, out_dir: Path) -> list[Path]:
    return bench_conv.write_reports(results, out_dir, "zoo", table=markdown, chart=plot)


def run(models: list[str], batches: list[int], reps: int, passes: int, image_size: int,
        train_models: list[str], train_batch: int, train_reps: int,
        log: Callable[[str], None] = print, channels_last: bool = False) -> dict:
    """Every model at every batch, then the training steps; a JSON-able dict. A model that
    cannot be timed (:class:`NotTimed`) is reported under ``skipped``, and the run goes on."""
    runs, train, skipped = [], [], []
    for name in models:
        try:
            runs += [measure_model(name, batch, reps, passes, image_size, log, channels_last)
                     for batch in batches]
        except NotTimed as why:
            log(f"  {why}")
            skipped.append(str(why))
    for name in train_models:
        try:
            train.append(measure_training_step(name, train_batch, train_reps, image_size,
                                               channels_last))
        except NotTimed as why:
            log(f"  {why}")
            skipped.append(str(why))
            continue
        log(f"  training step {name} batch {train_batch}: {train[-1]['ratio']:.2f} "
            f"(load {train[-1]['load']:.1f})")
    return dict(machine=machine_info(), image_size=image_size, models=runs, train=train,
                skipped=skipped, channels_last=channels_last)


def unknown_names(names: list[str]) -> list[str]:
    """The names ``torchvision.models.get_model`` does not know, each with the closest it does."""
    import difflib

    from torchvision.models import list_models

    known, unknown = list_models(), []
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            unknown.append(name + (f" (did you mean {close[0]}?)" if close else ""))
    return unknown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="*", default=MODELS,
                        help=f"torchvision.models.get_model names (default {' '.join(MODELS)})")
    parser.add_argument("--batches", type=int, nargs="+", default=BATCHES)
    parser.add_argument("--reps", type=int, default=4, help="repetitions per layer and pass")
    parser.add_argument("--passes", type=int, default=3, help="rounds through a model's layers")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--train", nargs="*", default=TRAIN_MODELS,
                        help="models whose training step is timed (default "
                             f"{' '.join(TRAIN_MODELS)}; none with --no-train)")
    parser.add_argument("--no-train", action="store_true")
    parser.add_argument("--train-only", action="store_true",
                        help="time the training steps alone, no model's layers")
    parser.add_argument("--train-batch", type=int, default=8)
    parser.add_argument("--train-reps", type=int, default=5)
    parser.add_argument("--channels-last", action="store_true",
                        help="inputs, weights and models laid out channels last")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--default-allocator", action="store_true",
                        help="keep glibc's default allocator settings "
                             "(bench_conv.STEADY_ALLOCATOR)")
    args = parser.parse_args(argv)
    if args.train_only and args.no_train:
        parser.error("--train-only and --no-train leave nothing to time")
    if args.train_only:
        args.models = []
    unknown = unknown_names(args.models + ([] if args.no_train else args.train))
    if unknown:
        parser.error("torchvision.models.get_model does not know " + ", ".join(unknown)
                     + "; torchvision.models.list_models() names every architecture")
    info = machine_info()
    print(f"torch {info['torch']}, {info['threads']} threads; models {args.models}, "
          f"batches {args.batches}, load {os.getloadavg()[0]:.1f}")
    results = run(args.models, args.batches, args.reps, args.passes, args.image_size,
                  [] if args.no_train else args.train, args.train_batch, args.train_reps,
                  channels_last=args.channels_last)
    if not (results["models"] or results["train"]):
        print("nothing was timed; no report written")
        return 1
    for path in write_reports(results, args.out):
        print("wrote", path)
    return 0


if __name__ == "__main__":
    restart_with_steady_allocator(sys.argv[1:])
    raise SystemExit(main())
