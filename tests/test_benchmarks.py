"""The benchmark harness (benchmarks/bench_conv.py) measures what it says, on tiny shapes.

Only the harness is checked here: its cases are the layers it promises, its FLOP counts
agree with PyTorch's own FLOP counter, it refuses to time a wrong implementation, its memory
probe sees allocations, and its reports get written. No timing is asserted.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from convlab import conv2d_vectorized
from convlab.conv import cache, depthwise, depthwise_maps, depthwise_maps_last, winograd
from convlab.conv.autograd import Conf
from convlab.conv.im2col import MAX_BUFFER_BYTES

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_conv.py"
_spec = importlib.util.spec_from_file_location("bench_conv", BENCH)
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_conv"] = bench          # dataclasses look their module up while defining
_spec.loader.exec_module(bench)

TINY = bench.small_suite(spatial=8, batch=2, per_group=2)


def test_suite_has_the_seed_post_and_classic_layers():
    assert len(bench.SUITE) == 10
    seed = [c for c in bench.SUITE if c.input_shape == (20, 16, 50, 100)]
    assert [(c.weight_shape, c.stride, c.padding, c.dilation) for c in seed] == [
        ((33, 16, 3, 3), 2, 0, 1),
        ((33, 16, 3, 5), (2, 1), (4, 2), 1),
        ((33, 16, 3, 5), (2, 1), (4, 2), (3, 1))]
    groups = sorted(c.groups for c in bench.SUITE)
    assert groups[-2:] == [4, 64]                                # grouped and depthwise
    assert any(c.weight_shape[2:] == (1, 1) for c in bench.SUITE)  # pointwise


def test_shrunk_cases_keep_the_kind_of_layer():
    for big, small in zip(bench.SUITE, TINY[0]):
        assert (small.groups > 1) == (big.groups > 1)
        assert (small.weight_shape[1] == 1) == (big.weight_shape[1] == 1)   # depthwise stays
        assert small.weight_shape[2:] == big.weight_shape[2:]
        assert small.stride == big.stride and small.dilation == big.dilation


@pytest.mark.parametrize("case", bench.SUITE + bench.NAIVE_CASES, ids=lambda c: c.name)
def test_flop_count_agrees_with_pytorchs_flop_counter(case):
    x = torch.empty(case.input_shape, device="meta")
    w = torch.empty(case.weight_shape, device="meta")
    with FlopCounterMode(display=False) as counter:
        F.conv2d(x, w, **case.kwargs)
    assert case.flops == counter.get_total_flops()
    assert case.out_size == F.conv2d(x, w, **case.kwargs).shape[2:]


def test_harness_refuses_to_time_an_implementation_that_is_wrong():
    case = TINY[0][0]
    bench.check_case(case)                                       # the real one passes
    with pytest.raises(AssertionError):
        bench.check_case(case, lambda x, w, b, **kw: conv2d_vectorized(x, w, b, **kw) + 1e-3)


def test_interleaved_timing_runs_every_function_the_same_number_of_times():
    calls = {"a": 0, "b": 0}

    def counter(name):
        return lambda: calls.__setitem__(name, calls[name] + 1)

    times = bench.time_interleaved({"a": counter("a"), "b": counter("b")}, reps=4, warmup=1)
    assert calls == {"a": 5, "b": 5}
    assert {k: len(v) for k, v in times.items()} == {"a": 4, "b": 4}


def test_memory_probe_sees_a_full_column_matrix_and_vectorized_never_builds_one():
    case = bench.Case("probe", (1, 16, 256, 256), 8, 3, padding=1)   # columns: 36 MiB
    x, w, b = case.tensors()
    unfold_peak = bench.peak_memory_bytes(lambda: F.unfold(x, 3, padding=1))
    if unfold_peak is None:
        pytest.skip("torch.profiler gives no memory timeline here")
    assert unfold_peak >= case.column_bytes
    with torch.no_grad():
        ours = bench.peak_memory_bytes(lambda: conv2d_vectorized(x, w, b, padding=1))
    output_bytes = 4 * case.out_channels * case.out_size[0] * case.out_size[1]
    padded_input_bytes = 4 * 16 * 258 * 258
    bound = padded_input_bytes + output_bytes + MAX_BUFFER_BYTES + 2**20   # + 1 MiB slack
    assert ours <= bound < case.column_bytes   # never the full column matrix


def test_winograd_holds_one_block_of_transforms_never_the_whole_layers():
    """128 -> 128 on 128x128: the whole layer's transformed input and products would take 64
    MiB; the route holds one block of them (tile rows of the sample), a few times its 8 MiB."""
    x, w = torch.randn(1, 128, 128, 128), torch.randn(128, 128, 3, 3)
    conf = Conf((1, 1), (1, 1), 1, (130, 130), (3, 3))
    assert winograd.applies((1, 128, 130, 130), w.shape, conf)
    with torch.no_grad():
        ours = bench.peak_memory_bytes(lambda: conv2d_vectorized(x, w, padding=1))
    if ours is None:
        pytest.skip("torch.profiler gives no memory timeline here")
    whole = 2 * 16 * 128 * 64 * 64 * 4                         # V and M for every tile at once
    padded_input_bytes, output_bytes = 4 * 128 * 130 * 130, 4 * 128 * 128 * 128
    bound = padded_input_bytes + output_bytes + 4 * winograd.BLOCK_BYTES + 2**20
    assert ours <= bound < padded_input_bytes + output_bytes + whole


@pytest.mark.parametrize("stride, memory_format", [(2, torch.contiguous_format),
                                                   (1, torch.channels_last)],
                         ids=["at a stride", "channels last"])
def test_depthwise_on_the_maps_holds_one_block_never_a_copy_of_the_input(stride,
                                                                         memory_format,
                                                                         monkeypatch):
    """A 64 MiB input of long rows: the maps route reads it where it lies; besides the result
    it holds one block of full columns at a stride (:func:`cache.block_bytes`, fixed here at
    4 MiB: a machine with many cores has room for more) and nothing of the input's size."""
    monkeypatch.setattr(cache, "block_bytes", lambda: 4 * 2**20)
    x = torch.randn(4, 64, 256, 256).contiguous(memory_format=memory_format)
    w = torch.randn(64, 1, 3, 3)
    lay = depthwise._flat(x, 64, 64, Conf.padding_inside(x, w, (stride, stride), (1, 1), 64,
                                                         ((1, 1), (1, 1))))
    kernels = depthwise.route(x, lay)
    assert kernels in (depthwise_maps.MapKernels, depthwise_maps_last.LastMapKernels)
    with torch.no_grad():
        ours = bench.peak_memory_bytes(lambda: conv2d_vectorized(x, w, None, stride, 1,
                                                                 groups=64))
    if ours is None:
        pytest.skip("torch.profiler gives no memory timeline here")
    output_bytes = 4 * 4 * 64 * (256 // stride) ** 2
    bound = output_bytes + cache.block_bytes() + 2**20            # + 1 MiB slack
    assert ours <= bound < output_bytes + x.numel() * 4        # the result and a copy


def test_run_and_reports_on_tiny_shapes(tmp_path):
    cases, naive_cases, large = TINY
    results = bench.run(cases, naive_cases[:1], large, reps=1, passes=2, naive_reps=1,
                        memory=False, log=lambda _: None)
    assert [r["case"] for r in results["rows"]] == [c.name for c in cases]
    assert all(r["reps"] == 2 for r in results["rows"])          # one repetition per pass
    assert all(r["ratio"] > 0 and r["ratio_fwdbwd"] > 0 for r in results["rows"])
    paths = bench.write_reports(results, tmp_path)
    table = paths[0].read_text(encoding="utf-8")
    assert all(c.name in table for c in cases + naive_cases[:1])
    assert f"{results['machine']['threads']} threads" in table and torch.__version__ in table
    assert [r["case"] for r in results["steps"]] == [c.name for c in cases]
    assert all(step in table for step in bench.STEPS)
    assert paths[2].read_bytes().startswith(b"\x89PNG")


def test_quick_flag_runs_the_command_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "small_suite", lambda **_: TINY)
    assert bench.main(["--quick", "--reps", "1", "--no-memory", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"conv2d.md", "conv2d.json", "conv2d.png"}


def test_benchmarks_restart_under_a_steady_allocator_unless_told_otherwise():
    """glibc's default hands freed blocks back and faults on fresh ones; the benchmarks run
    with blocks kept, but never override what the caller set, nor outside Linux."""
    env = bench.steady_allocator_env({"PATH": "/bin"}, "linux")
    assert env == {"PATH": "/bin", "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
                   "MALLOC_TRIM_THRESHOLD_": str(16 * 2**30)}
    assert bench.steady_allocator_env({"MALLOC_TRIM_THRESHOLD_": "0"}, "linux") is None
    assert bench.steady_allocator_env({"PATH": "/bin"}, "darwin") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's settings")
def test_the_command_reports_the_allocator_it_ran_under(tmp_path):
    """Run as a script, the suite restarts itself with the steady settings and says so in
    its report; with --default-allocator it keeps glibc's defaults."""
    script = Path(bench.__file__)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    steady = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "17179869184"}
    for flag, expected, header in (
            ([], steady, "allocator MALLOC_MMAP_THRESHOLD_=33554432, "
                         "MALLOC_TRIM_THRESHOLD_=17179869184."),
            (["--default-allocator"], {"glibc": "default"}, "allocator glibc=default.")):
        out = tmp_path / (flag[0][2:] if flag else "steady")
        subprocess.run([sys.executable, str(script), "--quick", "--reps", "1", "--no-memory",
                        "--out", str(out), *flag], check=True, env=env, capture_output=True)
        report = json.loads((out / "conv2d.json").read_text())
        assert report["machine"]["allocator"] == expected
        assert header in (out / "conv2d.md").read_text()


ZOO = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_zoo.py"


def _zoo():
    pytest.importorskip("torchvision")
    spec = importlib.util.spec_from_file_location("bench_zoo", ZOO)
    zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zoo)
    return zoo


def _real_conv_calls(model: torch.nn.Module, x: torch.Tensor) -> list[tuple]:
    """(input shape, weight shape, dilation) of every Conv2d call of one real forward pass."""
    seen = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(lambda mod, a, out: seen.append(
                (tuple(a[0].shape), tuple(mod.weight.shape), mod.dilation)))
    with torch.no_grad():
        model.eval()(x)
    return seen


def test_zoo_benchmark_collects_every_conv_and_runs_on_a_tiny_model(tmp_path, monkeypatch):
    zoo = _zoo()
    # the shapes come from the meta device; compare with a real forward pass of the model
    from torchvision.models import get_model
    model, seen = get_model("mobilenet_v3_small", weights=None), []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            m.register_forward_hook(lambda mod, a, out: seen.append((tuple(a[0].shape),
                                                                      tuple(mod.weight.shape))))
    with torch.no_grad():
        model.eval()(torch.randn(2, 3, 32, 32))
    layers = zoo.conv_layers("mobilenet_v3_small", 2, image_size=32)
    assert sum(count for _, count, _ in layers) == len(seen)
    assert sorted(set(seen)) == sorted({(c.input_shape, c.weight_shape) for c, _, _ in layers})
    kinds = {k for _, _, k in layers}
    assert layers[0][2] == "stem" and {"depthwise", "pointwise"} <= kinds

    # the command end to end, timing only the first few layers (the harness, not the numbers)
    monkeypatch.setattr(zoo, "conv_layers", lambda *a, **k: layers[:4])
    assert zoo.main(["mobilenet_v3_small", "--batches", "1", "--reps", "1", "--passes", "1",
                     "--image-size", "32", "--train", "mobilenet_v3_small", "--train-batch", "2",
                     "--train-reps", "1", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "zoo.md").read_text(encoding="utf-8")
    assert "| mobilenet_v3_small | 1 |" in table and "training step" in table
    assert (tmp_path / "zoo.png").read_bytes().startswith(b"\x89PNG")


def _browser_harness():
    path = BENCH.with_name("bench_browser.py")
    spec = importlib.util.spec_from_file_location("bench_browser", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("pictures, values, kept_up", [
    (30, 60, True),     # 20 a second over 1.5 s, whatever the slider passed
    (29, 60, False),    # a slider of many values: fewer than 20 a second
    (24, 25, True),     # 25 values passed, every one but the last drawn
    (15, 25, False),    # a slider of 25 values, 10 of them never drawn
    (0, 1, True),       # one value, whose picture came after the release
])
def test_browser_budget_asks_20_pictures_a_second_or_every_value_the_drag_passed(
        pictures, values, kept_up):
    dragged = {"pictures": pictures, "values": values, "seconds": 1.5}
    assert _browser_harness().keeps_up(dragged) is kept_up


def test_zoo_collects_a_segmentation_model_without_downloading_its_backbone(tmp_path,
                                                                           monkeypatch):
    zoo = _zoo()
    from torchvision.models import get_model

    def refuse(url, *args, **kwargs):
        raise AssertionError(f"the zoo tried to download {url}")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))      # nothing cached to hide a download
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    layers = zoo.conv_layers("lraspp_mobilenet_v3_large", 1, image_size=64)
    model = get_model("lraspp_mobilenet_v3_large", weights=None, weights_backbone=None)
    seen = _real_conv_calls(model, torch.randn(1, 3, 64, 64))
    assert sum(count for _, count, _ in layers) == len(seen)
    assert {(c.input_shape, c.weight_shape) for c, _, _ in layers} == {s[:2] for s in seen}
    assert any(" d2" in case.name for case, _, _ in layers)     # its dilated last blocks


def test_zoo_reports_an_architecture_it_cannot_time_and_times_the_rest(tmp_path, monkeypatch):
    zoo = _zoo()
    collect = zoo.conv_layers
    monkeypatch.setattr(zoo, "conv_layers", lambda *a, **k: collect(*a, **k)[:3])
    # a detector's forward pass picks boxes by their scores: it cannot run on the meta device
    assert zoo.main(["ssdlite320_mobilenet_v3_large", "mobilenet_v3_small", "--batches", "1",
                     "--reps", "1", "--passes", "1", "--image-size", "32", "--no-train",
                     "--out", str(tmp_path)]) == 0
    table = (tmp_path / "zoo.md").read_text(encoding="utf-8")
    assert "| mobilenet_v3_small | 1 |" in table
    assert "- ssdlite320_mobilenet_v3_large: not timed, its forward pass did not run" in table

    out = tmp_path / "only"
    assert zoo.main(["r3d_18", "--batches", "1", "--no-train", "--out", str(out)]) == 1
    assert not out.exists()                             # nothing timed, no empty report


def test_zoo_reports_a_forward_pass_that_failed_without_a_message(monkeypatch):
    zoo = _zoo()

    class Silent(torch.nn.Module):
        def forward(self, x):
            raise RuntimeError()

    monkeypatch.setattr(zoo, "build_on_meta", lambda name: Silent())
    with pytest.raises(zoo.NotTimed, match=r"silent: not timed, .*\(RuntimeError: \)"):
        zoo.conv_layers("silent", 1, image_size=8)


def test_zoo_refuses_a_name_torchvision_does_not_know_before_timing_anything(capsys):
    zoo = _zoo()
    with pytest.raises(SystemExit) as stop:
        zoo.main(["resnet18", "resnet181", "--no-train"])
    assert stop.value.code == 2
    assert "does not know resnet181 (did you mean resnet18?)" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["lraspp_mobilenet_v3_large", "googlenet"])
def test_training_step_takes_every_head_a_model_returns(name):
    # a segmentation model returns per-pixel logits in a dict, googlenet in training mode a
    # tuple with two auxiliary heads; the step checks that both models' gradients agree
    result = _zoo().measure_training_step(name, 2, 1, 64)
    assert result["model"] == name and result["swapped"] > 0 and result["torch"] > 0


def test_zoo_times_only_the_training_steps_when_asked(tmp_path, monkeypatch):
    """``--train-only``: no model's layers are collected or timed, the training steps are, at
    the batch asked for; with ``--no-train`` as well there is nothing to time, and it says so."""
    zoo = _zoo()

    def no_layers(*args, **kwargs):
        raise AssertionError("--train-only collected a model's layers")

    monkeypatch.setattr(zoo, "conv_layers", no_layers)
    assert zoo.main(["--train-only", "--train", "mobilenet_v3_small", "--train-batch", "2",
                     "--train-reps", "1", "--image-size", "32", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "zoo.json").read_text(encoding="utf-8"))
    assert report["models"] == []
    assert [(t["model"], t["batch"]) for t in report["train"]] == [("mobilenet_v3_small", 2)]
    with pytest.raises(SystemExit):
        zoo.main(["--train-only", "--no-train", "--out", str(tmp_path)])


def test_zoo_times_channels_last_models_as_they_run(tmp_path, monkeypatch):
    """``--channels-last``: each layer's input and weight as a channels-last model holds them,
    and the training step of both models moved to channels last (gradients checked to agree)."""
    zoo = _zoo()
    layers = zoo.conv_layers("mobilenet_v3_small", 1, image_size=32, channels_last=True)
    x, w, _ = layers[1][0].tensors()
    assert x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
    assert w.is_contiguous(memory_format=torch.channels_last)
    collect = zoo.conv_layers
    monkeypatch.setattr(zoo, "conv_layers", lambda *a, **k: collect(*a, **k)[:3])
    assert zoo.main(["mobilenet_v3_small", "--batches", "1", "--reps", "1", "--passes", "1",
                     "--image-size", "32", "--train", "mobilenet_v3_small", "--train-batch", "2",
                     "--train-reps", "1", "--channels-last", "--out", str(tmp_path)]) == 0
    table = (tmp_path / "zoo.md").read_text(encoding="utf-8")
    assert "channels last" in table and "training step" in table
