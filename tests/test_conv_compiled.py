"""The compiled loops (convlab.conv.compiled): built once a machine and kept, the same numbers,
layouts and derivatives as F.conv2d for every layer they take (depthwise layers; layers whose
windows hold few numbers), and where they cannot be built (no C compiler) or are turned off, the
routes of PyTorch operations give the same results."""
from __future__ import annotations

import math
import os
import shutil
import subprocess
from unittest import mock

import pytest
import torch
import torch.nn.functional as F

import convlab
import convlab.conv.compiled as compiled
import convlab.conv.compiled_gradients as gradients
from convlab import conv2d_vectorized
from convlab.conv.depthwise import depthwise_conv2d
from convlab.conv.im2col import im2col_conv2d
from test_conv_paths import assert_every_autograd_check
from torch_reference import TOLERANCE


def require_compiled_loop() -> None:
    """Skip where no C compiler with OpenMP is installed; CI installs one (``.ci/run``), so
    there the loop must build."""
    if compiled.library(torch.float32) is None:
        if os.environ.get("CI"):
            pytest.fail("the compiled depthwise loop did not build on a machine with gcc")
        pytest.skip("no C compiler with OpenMP on this machine")


@pytest.fixture
def fresh_build(monkeypatch, tmp_path):
    """A process that has not loaded the loop yet, keeping its builds in an empty folder."""
    monkeypatch.setenv("CONVLAB_KERNEL_DIR", str(tmp_path))
    compiled.library.cache_clear()
    yield tmp_path
    compiled.library.cache_clear()


def by_the_loop(fn, loop: str = "depthwise"):
    """``fn()``'s result, and whether the compiled loop ``loop`` (:func:`compiled.depthwise` or
    :func:`compiled.direct`) computed any of it."""
    with mock.patch.object(compiled, loop, side_effect=getattr(compiled, loop)) as spy:
        result = fn()
    return result, spy.called


#: (batch, channels, rows, columns, kernel, stride, padding, dilation): the kernels the loop
#: unrolls (3, 5, 7 wide at stride 1 and 2) and others (1, 2x4, 4, stride 3, dilation 2),
#: channels that fill its vector lanes and that do not, one-sided padding, and output rows
#: shorter than the 8 cells it sums together.
CASES = {
    "5x5, 32 channels": (2, 32, 9, 11, (5, 5), 1, 2, 1),
    "3x3 at stride 2, 17 channels, one-sided padding": (3, 17, 8, 13, (3, 3), 2, (1, 0), 1),
    "7x7, dilation 2, stride 3": (1, 40, 20, 17, (7, 7), 3, 3, 2),
    "5x5 without padding, 1x1 output": (2, 16, 5, 5, (5, 5), 1, 0, 1),
    "7x7 at stride 2 on a long row": (1, 8, 6, 70, (7, 7), 2, 3, 1),
    "2x4 kernel, rectangular stride": (2, 20, 7, 9, (2, 4), (1, 2), (1, 2), 1),
    "1x1": (2, 24, 4, 4, (1, 1), 1, 0, 1),
    "4x4, dilation (1, 2)": (1, 5, 6, 6, (4, 4), 2, (2, 1), (1, 2)),
    "one sample of three channels": (1, 3, 6, 6, (3, 3), 1, 1, 1),
}


@pytest.mark.parametrize("layout", ["default", "channels last", "channels-last weight",
                                    "strided view"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_depthwise_layers_give_pytorchs_numbers_and_layout_by_the_loop(case, dtype, layout):
    require_compiled_loop()
    n, c, h, w_, kernel, stride, padding, dilation = case
    gen = torch.Generator().manual_seed(sum(case[:4]))
    x = torch.randn(n, c, h, 2 * w_, dtype=dtype, generator=gen)[..., ::2]
    if layout != "strided view":
        x = x.contiguous()
    w = torch.randn(c, 1, *kernel, dtype=dtype, generator=gen)
    b = torch.randn(c, dtype=dtype, generator=gen)
    if layout == "channels last":
        x = x.contiguous(memory_format=torch.channels_last)
    if layout == "channels-last weight":
        w = w.contiguous(memory_format=torch.channels_last)
    for bias in (b, None):
        args = (bias, stride, padding, dilation, c)
        ours, used = by_the_loop(lambda: conv2d_vectorized(x, w, *args))
        theirs = F.conv2d(x, w, *args)
        assert used
        torch.testing.assert_close(ours, theirs)
        if theirs.shape[-2:] != (1, 1):    # PyTorch's float64 strides of 1x1 maps vary
            assert ours.stride() == theirs.stride()


#: (batch, input and output channels, groups, rows, columns, kernel, stride, padding,
#: dilation): first layers of three channels, groups of a few channels (output channels a group
#: that fill the vector lanes and that fill half of them or more), kernels the loop unrolls and
#: others.
DIRECT_CASES = {
    "3x3 first layer at stride 2": (2, 3, 16, 1, 20, 22, (3, 3), 2, 1, 1),
    "7x7 first layer at stride 2": (1, 3, 24, 1, 19, 21, (7, 7), 2, 3, 1),
    "11x11 at stride 4": (1, 3, 8, 1, 31, 29, (11, 11), 4, 2, 1),
    "groups of 8 channels at stride 2": (2, 48, 48, 6, 13, 12, (3, 3), 2, 1, 1),
    "groups of 20 output channels": (1, 12, 60, 3, 9, 9, (3, 3), 1, 1, 1),
    "5x5, 4 channels, dilation 2": (2, 4, 8, 1, 12, 12, (5, 5), 1, 4, 2),
    "3x5 kernel, one-sided padding": (2, 5, 9, 1, 9, 10, (3, 5), (1, 2), (0, 2), 1),
}


@pytest.mark.parametrize("layout", ["default", "channels last", "strided view"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("case", DIRECT_CASES.values(), ids=DIRECT_CASES.keys())
def test_layers_of_small_windows_give_pytorchs_numbers_and_layout_by_the_loop(case, dtype,
                                                                             layout):
    require_compiled_loop()
    n, c_in, c_out, groups, h, w_, kernel, stride, padding, dilation = case
    gen = torch.Generator().manual_seed(sum(case[:6]))
    x = torch.randn(n, c_in, h, 2 * w_, dtype=dtype, generator=gen)[..., ::2]
    if layout != "strided view":
        x = x.contiguous()
    if layout == "channels last":
        x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(c_out, c_in // groups, *kernel, dtype=dtype, generator=gen)
    b = torch.randn(c_out, dtype=dtype, generator=gen)
    for bias in (b, None):
        args = (bias, stride, padding, dilation, groups)
        ours, used = by_the_loop(lambda: conv2d_vectorized(x, w, *args), "direct")
        theirs = F.conv2d(x, w, *args)
        assert used
        # sums of up to 363 products, in another order than oneDNN's
        torch.testing.assert_close(ours, theirs, **TOLERANCE[dtype])
        assert ours.stride() == theirs.stride()


def test_large_windows_and_windows_side_by_side_stay_with_the_matrix_product():
    """Windows of more than MAX_DIRECT_WINDOW numbers that take in more than
    MAX_DIRECT_INPUTS_A_STEP new ones a step, and windows that do not overlap (1x1; 2x2 at
    stride 2), whose columns copy each input number once: the route's one matrix product, not
    the loop. 3x3 windows within either bound: the loop."""
    gen = torch.Generator().manual_seed(10)
    most = compiled.MAX_DIRECT_WINDOW // 9                # channels of 3x3 windows within it
    a_step = compiled.MAX_DIRECT_INPUTS_A_STEP            # channels a stride-1 step takes in
    calls = [(most + 1, 3, 2, False), (most, 3, 1, True), (most, 3, 2, True), (8, 1, 1, False),
             (8, 2, 2, False), (8, 2, 1, True), (a_step, 3, 1, True), (a_step + 1, 3, 1, False)]
    for c_in, k, stride, takes in calls:
        x, w = torch.randn(1, c_in, 6, 6, generator=gen), torch.randn(16, c_in, k, k)
        ours, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, stride), "direct")
        assert used == (takes and compiled.library(torch.float32) is not None), (c_in, k)
        torch.testing.assert_close(ours, F.conv2d(x, w, None, stride),
                                   **TOLERANCE[torch.float32])


def test_groups_of_two_blocks_take_the_loop_whatever_their_windows():
    """A group of more output channels than a vector holds is summed two blocks at a time,
    each input number loaded once for both: its forward pass takes the loop whatever the
    window, its input gradient at stride 1 on maps of at least MIN_PAIR_MAP cells too, its
    weight gradient where the weight holds at most MAX_WEIGHT_SUMS numbers. One block (a
    vector's channels) with the same window stays with the route, and so does a product of
    PRODUCT_ROWS rows (output channels, or for the input gradient input channels) on
    PRODUCT_CELLS cells."""
    require_compiled_loop()
    lanes = compiled.library(torch.float32).lanes
    # channels above both bounds of few numbers, on either side of the layer
    wide = max(compiled.MAX_DIRECT_WINDOW // 9, compiled.MAX_DIRECT_INPUTS_A_STEP) + 1
    side = int(gradients.MIN_PAIR_MAP ** 0.5)
    rows, large = compiled.PRODUCT_ROWS, int(compiled.PRODUCT_CELLS ** 0.5)
    heavy = math.isqrt(gradients.MAX_WEIGHT_SUMS // 9) + 1    # a weight of more numbers
    gen = torch.Generator().manual_seed(17)
    # c_in, c_out, map side; whether the forward pass, input and weight gradients take loops
    for c_in, c_out, size, *taken in ((wide, wide, side, True, True, True),
                                      (wide, wide, side - 1, True, False, True),
                                      (wide, lanes, side, False, False, False),
                                      (wide, rows, large, False, False, False),
                                      (rows, wide, large, True, False, True),
                                      (heavy, heavy, 5, True, False, False)):
        x = torch.randn(1, c_in, size, size, generator=gen, requires_grad=True)
        w = torch.randn(c_out, c_in, 3, 3, generator=gen, requires_grad=True)
        spies = {name: mock.patch.object(gradients, name, side_effect=getattr(gradients, name))
                 for name in ("direct_grad_input", "direct_grad_weight")}
        with spies["direct_grad_input"] as by_input, spies["direct_grad_weight"] as by_weight:
            out, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, 1, 1), "direct")
            g = torch.randn(out.shape, generator=gen)
            grads = torch.autograd.grad(out, (x, w), g)
        assert [used, by_input.called, by_weight.called] == taken, (c_in, c_out, size)
        leaves = [t.detach().requires_grad_() for t in (x, w)]
        theirs = F.conv2d(*leaves, None, 1, 1)      # sums of up to 3,078 products
        for ours, reference in zip((out, *grads), (theirs, *torch.autograd.grad(theirs, leaves,
                                                                               g))):
            torch.testing.assert_close(ours, reference, rtol=1e-4, atol=2e-3)


def test_channels_that_fill_less_than_half_a_vector_stay_with_the_route():
    """The direct loop sums LANES output channels at a time: a layer of fewer than half as many
    output channels a group runs its forward pass by the route, and a layer of fewer input
    channels (the first layer's three) its input gradient."""
    require_compiled_loop()
    half = compiled.library(torch.float32).lanes // 2
    gen = torch.Generator().manual_seed(13)
    for c_in, c_out, forward, backward in ((half, half - 1, False, False),
                                           (half - 1, half, True, False),
                                           (half, half, True, True)):
        x = torch.randn(2, c_in, 9, 9, generator=gen, requires_grad=True)
        w = torch.randn(c_out, c_in, 3, 3, generator=gen)
        with mock.patch.object(gradients, "direct_grad_input",
                               side_effect=gradients.direct_grad_input) as spy:
            out, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, 2, 1), "direct")
            (grad,) = torch.autograd.grad(out, x, torch.ones_like(out))
        assert (used, spy.called) == (forward, backward), (c_in, c_out)
        reference = x.detach().requires_grad_()
        theirs = F.conv2d(reference, w, None, 2, 1)
        torch.testing.assert_close(out, theirs, **TOLERANCE[torch.float32])
        torch.testing.assert_close(grad, torch.autograd.grad(theirs, reference,
                                                             torch.ones_like(theirs))[0],
                                   **TOLERANCE[torch.float32])


def test_the_input_gradient_takes_the_loop_within_either_bound():
    """The input's gradient runs by the loop where its transposed windows (the output
    gradient's channels times the taps) hold at most MAX_DIRECT_WINDOW numbers, or where
    its stride-1 steps take in at most MAX_DIRECT_INPUTS_A_STEP new ones (the output
    channels a group); 3x3 windows of more output channels than both: the route."""
    require_compiled_loop()
    gen = torch.Generator().manual_seed(14)
    most = compiled.MAX_DIRECT_WINDOW // 9
    a_step = compiled.MAX_DIRECT_INPUTS_A_STEP
    assert most < a_step          # else the second bound adds nothing to test
    for c_out, takes in ((most, True), (a_step, True), (a_step + 1, False)):
        x = torch.randn(2, 16, 7, 7, generator=gen, requires_grad=True)
        w = torch.randn(c_out, 16, 3, 3, generator=gen)
        with mock.patch.object(gradients, "direct_grad_input",
                               side_effect=gradients.direct_grad_input) as spy:
            out, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, 1, 1), "direct")
            g = torch.randn(out.shape, generator=gen)
            (grad,) = torch.autograd.grad(out, x, g)
        assert (used, spy.called) == (True, takes), c_out
        reference = x.detach().requires_grad_()
        theirs = torch.autograd.grad(F.conv2d(reference, w, None, 1, 1), reference, g)[0]
        torch.testing.assert_close(grad, theirs, **TOLERANCE[torch.float32])


@pytest.mark.parametrize("groups", [1, 24], ids=["dense", "depthwise"])
def test_a_layers_parameters_are_read_by_the_loops(groups):
    """convlab.Conv2d hands the loops its weight, an nn.Parameter: a layer the loops take runs
    its forward pass and gradients by them, with nn.Conv2d's outputs and gradients."""
    require_compiled_loop()
    torch.manual_seed(15)
    theirs = torch.nn.Conv2d(24, 24, 3, padding=1, groups=groups)
    ours = convlab.Conv2d(24, 24, 3, padding=1, groups=groups)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 24, 9, 9)
    loop, grad_loop = ("direct", "direct_grad_weight") if groups == 1 else \
        ("depthwise", "depthwise_grad_input")
    with mock.patch.object(gradients, grad_loop,
                           side_effect=getattr(gradients, grad_loop)) as spy:
        mine, used = by_the_loop(lambda: ours(x.requires_grad_()), loop)
        grads = torch.autograd.grad(mine.square().sum(), (x, ours.weight, ours.bias))
    assert used and spy.called
    x = x.detach().requires_grad_()
    reference = theirs(x)
    torch.testing.assert_close(mine, reference)
    for a, b in zip(grads, torch.autograd.grad(reference.square().sum(),
                                               (x, theirs.weight, theirs.bias))):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_half_precision_is_summed_in_float32_by_the_loop(dtype):
    require_compiled_loop()
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, 20, 9, 9, generator=gen)
    w, b = torch.randn(20, 1, 5, 5, generator=gen), torch.randn(20, generator=gen)
    ours, used = by_the_loop(lambda: conv2d_vectorized(x.to(dtype), w.to(dtype), b.to(dtype),
                                                       padding=2, groups=20))
    assert used and ours.dtype == dtype
    # the float32 sums rounded once: what PyTorch's float32 result rounds to
    torch.testing.assert_close(ours, F.conv2d(x.to(dtype).float(), w.to(dtype).float(),
                                              b.to(dtype).float(), padding=2,
                                              groups=20).to(dtype), rtol=0, atol=0)


@pytest.mark.parametrize("channels, layout", [(6, "default"), (40, "default"),
                                             (40, "channels last")])
def test_bands_of_single_rows_and_more_threads_than_channel_blocks_give_the_same_numbers(
        monkeypatch, channels, layout):
    """A band of input rows that fits no cache (one output row a band) and one sample of a few
    channels on two threads (bands cut smaller so both threads have some): every row once; with
    several blocks of channels (each band's blocks one after another), every block's rows."""
    require_compiled_loop()
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(1, channels, 23, 31, generator=gen)
    if layout == "channels last":
        x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(channels, 1, 5, 5, generator=gen)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for share in (compiled.BAND_SHARE, 1e-9):
            monkeypatch.setattr(compiled, "BAND_SHARE", share)
            for stride in (1, 2):
                ours, used = by_the_loop(
                    lambda: conv2d_vectorized(x, w, None, stride, 2, 1, channels))
                assert used
                torch.testing.assert_close(ours, F.conv2d(x, w, None, stride, 2, 1, channels))
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("loop, c_in, c_out, groups, stride, padding", [
    ("depthwise", 3, 3, 3, 1, 2), ("depthwise", 3, 3, 3, 2, (1, 2)),
    ("direct", 3, 8, 1, 2, 2), ("direct", 16, 16, 2, 2, (1, 2))])
def test_every_derivative_of_a_layer_a_loop_runs(loop, c_in, c_out, groups, stride, padding):
    """Backward, double backward, forward mode and vmap: the loop computes the forward passes
    (the first one and those inside the derivatives), the route the gradients."""
    require_compiled_loop()
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(2, c_in, 7, 8, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(c_out, c_in // groups, 5, 5, dtype=torch.float64, generator=gen,
                    requires_grad=True)
    b = torch.randn(c_out, dtype=torch.float64, generator=gen, requires_grad=True)
    _, used = by_the_loop(lambda: assert_every_autograd_check(
        lambda *t: conv2d_vectorized(*t, stride, padding, 1, groups),
        lambda *t: F.conv2d(*t, stride, padding, 1, groups), x, w, b), loop)
    assert used


def test_infinite_numbers_give_pytorchs_infinities_and_nans():
    """PyTorch's float64 sums multiply the padding's zeros by the weights: an infinite weight
    makes NaN where its tap reads padding; an infinite input cell, infinite outputs."""
    require_compiled_loop()
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(2, 3, 7, 8, dtype=torch.float64, generator=gen)
    w = torch.randn(3, 1, 3, 3, dtype=torch.float64, generator=gen)
    x[0, 1, 3, 4], w[2, 0, 0, 1] = float("inf"), -float("inf")
    ours, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, 1, 1, 1, 3))
    assert used
    torch.testing.assert_close(ours, F.conv2d(x, w, None, 1, 1, 1, 3), equal_nan=True)


def test_layers_the_loop_does_not_take_run_on_the_routes(monkeypatch):
    """Two output channels an input channel, complex numbers, and any layer with the loop
    turned off (``CONVLAB_COMPILED=0``): the tap routes, with PyTorch's numbers."""
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(2, 4, 6, 6, generator=gen)
    calls = {
        "channel multiplier 2": (x, torch.randn(8, 1, 3, 3, generator=gen)),
        "complex": (x.to(torch.complex64), torch.randn(4, 1, 3, 3, dtype=torch.complex64)),
    }
    for x_, w in calls.values():
        ours, used = by_the_loop(lambda: conv2d_vectorized(x_, w, None, 1, 1, 1, 4))
        assert not used
        torch.testing.assert_close(ours, F.conv2d(x_, w, None, 1, 1, 1, 4))
    monkeypatch.setenv("CONVLAB_COMPILED", "0")
    w = torch.randn(4, 1, 5, 5, generator=gen)
    ours, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, 1, 2, 1, 4))
    assert not used
    torch.testing.assert_close(ours, F.conv2d(x, w, None, 1, 2, 1, 4))


def test_the_loop_is_built_once_and_loaded_after(fresh_build):
    """The first process builds the loop into the kernel folder; a later one (the process's
    cache cleared) loads the kept file and compiles nothing."""
    require_compiled_loop()
    kept = sorted(fresh_build.glob("loops-float-*.so"))
    assert len(kept) == 1
    compiled.library.cache_clear()
    with mock.patch.object(subprocess, "run", side_effect=subprocess.run) as ran:
        assert compiled.library(torch.float32) is not None
    assert all("-o" not in call.args[0] for call in ran.call_args_list)
    assert sorted(fresh_build.glob("*")) == kept


def test_without_a_compiler_the_routes_give_the_same_numbers(fresh_build, monkeypatch):
    """No C compiler, or one that fails: no loop, no file left behind, the same results."""
    gen = torch.Generator().manual_seed(8)
    x, w = torch.randn(2, 6, 9, 9, generator=gen), torch.randn(6, 1, 5, 5, generator=gen)
    failing = shutil.which("false")
    for found in ([], [failing] if failing else []):
        monkeypatch.setattr(compiled, "compilers", lambda found=found: found)
        compiled.library.cache_clear()
        ours, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, 1, 2, 1, 6))
        assert compiled.library(torch.float32) is None and not used
        torch.testing.assert_close(ours, F.conv2d(x, w, None, 1, 2, 1, 6))
    assert not list(fresh_build.glob("**/*.so"))


def test_a_kernel_folder_that_cannot_be_written_builds_into_the_process_own(fresh_build,
                                                                          monkeypatch):
    """A kernel folder that cannot be made (here its parent is a file; a read-only home alike):
    the loop is built into a folder of the process's own, and runs."""
    blocked = fresh_build / "a file"
    blocked.write_text("")
    monkeypatch.setenv("CONVLAB_KERNEL_DIR", str(blocked / "kernels"))
    require_compiled_loop()
    assert compiled.library(torch.float32) is not None
    assert not (blocked / "kernels").exists()
    gen = torch.Generator().manual_seed(9)
    x, w = torch.randn(2, 6, 9, 9, generator=gen), torch.randn(6, 1, 5, 5, generator=gen)
    ours, used = by_the_loop(lambda: conv2d_vectorized(x, w, None, 1, 2, 1, 6))
    assert used
    torch.testing.assert_close(ours, F.conv2d(x, w, None, 1, 2, 1, 6))


#: (kernel, stride, dilation, padding ((top, bottom), (left, right)), groups): each residue of
#: the stride reached by a different number of taps, residues no tap reaches (3x3 at stride 2,
#: dilation 2), a stride wider than the kernel's reach along one axis, one-sided padding.
GRAD_INPUT_CASES = {
    "3x3 stride 2": ((3, 3), (2, 2), (1, 1), ((1, 1), (1, 1)), 1),
    "3x3 stride 2 dilation 2, untouched cells": ((3, 3), (2, 2), (2, 2), ((2, 2), (2, 2)), 2),
    "5x5 stride 3 dilation (1, 3)": ((5, 5), (3, 3), (1, 3), ((2, 0), (0, 2)), 1),
    "2x3 stride (2, 1)": ((2, 3), (2, 1), (1, 1), ((0, 1), (1, 1)), 2),
    "4x4 stride 3, no padding": ((4, 4), (3, 3), (1, 1), ((0, 0), (0, 0)), 1),
    "3x3 stride 1 dilation 2": ((3, 3), (1, 1), (2, 2), ((2, 2), (2, 2)), 2),
}


@pytest.mark.parametrize("layout", ["default", "channels last"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("case", GRAD_INPUT_CASES.values(), ids=GRAD_INPUT_CASES.keys())
def test_the_input_gradient_of_small_windows_by_the_loop_is_pytorchs(case, dtype, layout):
    """The input's gradient of a layer the direct loop runs: one stride-1 convolution of the
    output gradient for each residue of the stride, written into every stride-th input cell
    (zeros where no tap reaches), equal to F.conv2d's and laid out as its."""
    require_compiled_loop()
    kernel, groups = case[0], case[4]
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(2, 16, 10, 11, dtype=dtype, generator=gen)
    if layout == "channels last":
        x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(16, 16 // groups, *kernel, dtype=dtype, generator=gen)
    assert_input_gradient_is_pytorchs(im2col_route, "direct_grad_input", x, w, case)


@pytest.mark.parametrize("share", ["L2 bands", "one output row a band"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("case", GRAD_INPUT_CASES.values(), ids=GRAD_INPUT_CASES.keys())
def test_the_weight_gradient_of_small_windows_by_the_loop_is_pytorchs(monkeypatch, case, dtype,
                                                                       share):
    """The weight's gradient of a layer the direct loop runs, summed over every sample and
    output cell (in bands of rows, and with samples cut into parts where there are fewer
    blocks of output channels than threads): F.conv2d's."""
    require_compiled_loop()
    if share != "L2 bands":
        monkeypatch.setattr(compiled, "BAND_SHARE", 1e-9)
    kernel, stride, dilation, padding, groups = case
    gen = torch.Generator().manual_seed(14)
    x = torch.randn(3, 16, 10, 11, dtype=dtype, generator=gen)
    w = torch.randn(16, 16 // groups, *kernel, dtype=dtype, generator=gen)
    (top, bottom), (left, right) = padding
    leaf = w.detach().requires_grad_()
    with mock.patch.object(gradients, "direct_grad_weight",
                           side_effect=gradients.direct_grad_weight) as spy:
        out = im2col_conv2d(x, leaf, None, stride, dilation, groups, padding=padding)
        g = torch.randn(out.shape, dtype=dtype, generator=gen)
        (ours,) = torch.autograd.grad(out, leaf, g)
    assert spy.called
    theirs = F.conv2d(F.pad(x, (left, right, top, bottom)), leaf, None, stride, 0, dilation,
                      groups)
    torch.testing.assert_close(ours, torch.autograd.grad(theirs, leaf, g)[0], **TOLERANCE[dtype])


@pytest.mark.parametrize("layout", ["default", "channels last"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("case", GRAD_INPUT_CASES.values(), ids=GRAD_INPUT_CASES.keys())
def test_the_input_gradient_of_a_depthwise_layer_by_the_loop_is_pytorchs(case, dtype, layout):
    """The input's gradient of a depthwise layer, by the depthwise loop one residue of the
    stride at a time: F.conv2d's, laid out as its."""
    require_compiled_loop()
    gen = torch.Generator().manual_seed(15)
    x = torch.randn(2, 20, 10, 11, dtype=dtype, generator=gen)
    if layout == "channels last":
        x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(20, 1, *case[0], dtype=dtype, generator=gen)
    assert_input_gradient_is_pytorchs(depthwise_route, "depthwise_grad_input", x, w,
                                      (*case[:4], 20))


#: GRAD_INPUT_CASES and the kernels the depthwise weight loop unrolls (3, 5, 7 wide at stride 1
#: and 2), on rows of 11 cells: whole blocks of the cells it sums together and a remainder.
DEPTHWISE_WEIGHT_CASES = {
    **GRAD_INPUT_CASES,
    "3x3 stride 1": ((3, 3), (1, 1), (1, 1), ((1, 1), (1, 1)), 1),
    "5x5 stride 1, one-sided padding": ((5, 5), (1, 1), (1, 1), ((2, 0), (1, 2)), 1),
    "7x7 stride 2": ((7, 7), (2, 2), (1, 1), ((3, 3), (3, 3)), 1),
    "5x5 stride 2 dilation 2": ((5, 5), (2, 2), (2, 2), ((4, 4), (4, 4)), 1),
}


@pytest.mark.parametrize("layout", ["default", "channels last",
                                    "one output row a band, four threads"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("case", DEPTHWISE_WEIGHT_CASES.values(),
                         ids=DEPTHWISE_WEIGHT_CASES.keys())
def test_the_weight_gradient_of_a_depthwise_layer_by_the_loop_is_pytorchs(monkeypatch, case,
                                                                          dtype, layout):
    """The weight's gradient of a depthwise layer by the depthwise weight loop (channels a
    vector at a time, 20 of them: a whole vector and part of one; the samples' bands cut into
    parts, added at the end, when there are fewer blocks of channels than twice the threads),
    equal to F.conv2d's."""
    require_compiled_loop()
    threads = torch.get_num_threads()
    if layout.startswith("one output row"):
        monkeypatch.setattr(compiled, "BAND_SHARE", 1e-9)
        torch.set_num_threads(4)
    try:
        assert_depthwise_weight_gradient_is_pytorchs(case, dtype, layout == "channels last")
    finally:
        torch.set_num_threads(threads)


def assert_depthwise_weight_gradient_is_pytorchs(case, dtype, channels_last: bool) -> None:
    kernel, stride, dilation, padding, _ = case
    gen = torch.Generator().manual_seed(16)
    x = torch.randn(3, 20, 10, 11, dtype=dtype, generator=gen)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(20, 1, *kernel, dtype=dtype, generator=gen, requires_grad=True)
    (top, bottom), (left, right) = padding
    with mock.patch.object(gradients, "depthwise_grad_weight",
                           side_effect=gradients.depthwise_grad_weight) as spy:
        out = depthwise_conv2d(x, w, None, stride, dilation, padding)
        g = torch.randn(out.shape, dtype=dtype, generator=gen)
        (ours,) = torch.autograd.grad(out, w, g)
    assert spy.called
    theirs = F.conv2d(F.pad(x, (left, right, top, bottom)), w, None, stride, 0, dilation, 20)
    torch.testing.assert_close(ours, torch.autograd.grad(theirs, w, g)[0], **TOLERANCE[dtype])


def assert_input_gradient_is_pytorchs(route, loop: str, x, w, case) -> None:
    """The input's gradient of ``route(x, w, None, stride, dilation, groups, padding)`` (a route
    that adds one-sided padding as it reads) equals F.conv2d's of the padded input and is laid
    out as it, and the gradient loop ``loop`` of compiled_gradients computed it."""
    _, stride, dilation, padding, groups = case
    (top, bottom), (left, right) = padding

    def grad_x(ours: bool) -> torch.Tensor:
        leaf = x.detach().requires_grad_()
        if ours:
            out = route(leaf, w, None, stride, dilation, groups, padding)
        else:
            out = F.conv2d(F.pad(leaf, (left, right, top, bottom)), w, None, stride, 0,
                           dilation, groups)
        g = torch.randn(out.shape, dtype=x.dtype, generator=torch.Generator().manual_seed(12))
        return torch.autograd.grad(out, leaf, g)[0]

    with mock.patch.object(gradients, loop, side_effect=getattr(gradients, loop)) as spy:
        ours = grad_x(True)
    assert spy.called
    theirs = grad_x(False)
    torch.testing.assert_close(ours, theirs, **TOLERANCE[x.dtype])
    assert ours.stride() == theirs.stride()


def im2col_route(x, w, b, stride, dilation, groups, padding):
    return im2col_conv2d(x, w, b, stride, dilation, groups, padding=padding)


def depthwise_route(x, w, b, stride, dilation, groups, padding):
    return depthwise_conv2d(x, w, b, stride, dilation, padding)
