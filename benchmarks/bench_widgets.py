"""Median redraw time of each explorer after a slider move, headless (Agg, no browser).

Run: ``.venv/bin/python benchmarks/bench_widgets.py``. Prints a Markdown table and writes it to
``build/bench/widgets.md``. A "redraw" is everything one control change triggers: PyTorch's
answer, the readout text, the picture and its PNG for the Output widget. Budgets:
150 ms for the shape, groups and arithmetic explorers, 300 ms for the others.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import convlab.explorers as W  # noqa: E402

BUDGET_MS = {"shape": 150, "sliding_window": 300, "groups": 150, "channel_arithmetic": 150,
             "mnist_filter": 300, "many_filters": 300}


def _moves(explorer: W.Explorer, name: str) -> list[tuple[str, object]]:
    """A representative sweep of (control, value) moves for one explorer."""
    if name == "shape":
        return [("in_channels", 16), ("out_channels", 32), ("kernel_h", 5), ("kernel_w", 7),
                ("stride_h", 2), ("stride_w", 3), ("padding_h", 2), ("padding_w", 3),
                ("dilation_h", 2), ("dilation_w", 3), ("groups", 4), ("groups", 16),
                ("padding_mode", "reflect"), ("padding_mode", "circular"), ("height", 64),
                ("width", 17), ("batch", 8), ("channels", 5), ("channels", 16),
                ("padding_type", "same"), ("stride_h", 1), ("stride_w", 1),
                ("padding_type", "valid"), ("padding_type", "int"), ("bias", False),
                ("kernel_h", 11), ("height", 3), ("height", 40), ("in_channels", 64),
                ("out_channels", 128)]
    if name == "sliding_window":
        steps = [("step", k) for k in range(1, 9)]
        return steps + [("channels", 3), ("height", 8), ("width", 8), ("padding_h", 2),
                        ("padding_w", 2), ("padding_mode", "reflect"), ("kernel_h", 5),
                        ("dilation_w", 2), ("stride_h", 2), ("seed", 7), ("bias", False)] + \
            [("step", k) for k in range(0, 12, 2)]
    if name == "groups":
        return [("in_channels", 8), ("out_channels", 16), ("groups", 4), ("groups", 8),
                ("kernel_size", 5), ("bias", False), ("in_channels", 16), ("out_channels", 32),
                ("groups", 16), ("kernel_size", 1), ("in_channels", 3), ("out_channels", 12),
                ("groups", 3), ("bias", True), ("in_channels", 12), ("groups", 2)]
    if name == "channel_arithmetic":
        return [(f"{op}_{c}", v) for v in (-2.0, 0.5, 3.0) for c in range(3)
                for op in ("mul", "add")] + [("seed", 3), ("seed", 4)]
    if name == "mnist_filter":
        return [("index", 1), ("kernel", "blur"), ("kernel", "sharpen"), ("index", 2),
                ("kernel", "sobel_y"), ("kernel", "identity"), ("kernel", "random"),
                ("seed", 5), ("seed", 6), ("kernel", "layer"), ("filter", 3), ("filter", 7),
                ("index", 3), ("kernel", "sobel_x")]
    if name == "many_filters":
        return [("filter", 1), ("out_channels", 3), ("filter", 2), ("kernel_size", 2),
                ("seed", 4), ("bias", False), ("kernel_size", 1), ("out_channels", 4),
                ("seed", 9), ("filter", 0)]
    raise KeyError(name)


def _build(name: str, lang: str) -> W.Explorer:
    if name == "shape":
        return W.shape_explorer(lang)
    if name == "sliding_window":
        return W.sliding_window_explorer(lang)
    if name == "groups":
        return W.groups_explorer(lang)
    if name == "channel_arithmetic":
        return W.channel_arithmetic_explorer(lang)
    if name == "many_filters":
        return W.many_filters_explorer(lang)
    images = torch.rand(8, 1, 28, 28)
    layer = torch.nn.Conv2d(1, 8, 5)
    return W.mnist_filter_explorer(images, lang, layer=layer)


def bench(name: str, lang: str, rounds: int = 2) -> list[float]:
    """Milliseconds of each control change, over ``rounds`` sweeps (after one warm-up build)."""
    _build(name, lang)   # warm-up: imports, font cache, glyph cache
    times = []
    for _ in range(rounds):
        explorer = _build(name, lang)
        for control, value in _moves(explorer, name):
            widget = explorer.controls[control]
            if widget.value == value:
                continue
            start = time.perf_counter()
            widget.value = value
            times.append((time.perf_counter() - start) * 1000.0)
    return times


def main() -> str:
    rows = ["| explorer | lang | moves | median ms | 90th pct ms | budget ms | within |",
            "|---|---|---|---|---|---|---|"]
    for name, budget in BUDGET_MS.items():
        for lang in ("en", "ko"):
            times = sorted(bench(name, lang))
            median = statistics.median(times)
            p90 = times[int(0.9 * (len(times) - 1))]
            rows.append(f"| {name} | {lang} | {len(times)} | {median:.0f} | {p90:.0f} | "
                        f"{budget} | {'yes' if median < budget else 'NO'} |")
    table = "\n".join(rows) + "\n"
    out = ROOT / "build" / "bench" / "widgets.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    header = ("# Explorer redraw times (headless, Agg)\n\nMedian time from setting a control's "
              "value to the new readout and picture being in the widget.\n\n")
    out.write_text(header + table, encoding="utf-8")
    print(table)
    return table


if __name__ == "__main__":
    main()
