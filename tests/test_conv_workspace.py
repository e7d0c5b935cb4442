"""The scratch memory the channels-last depthwise route keeps between calls: a layer called
again finds its buffers and views made, every layer sharing the scratch still gives PyTorch's
numbers, in and out of inference mode, and each thread has its own."""
from __future__ import annotations

import threading
from unittest import mock

import pytest
import torch
import torch.nn.functional as F

import convlab.conv.cache as cache
import convlab.conv.depthwise_last as depthwise_last
import convlab.conv.workspace as workspace
from convlab import conv2d_vectorized
from test_conv_paths import assert_every_autograd_check

#: Tests of each route's own kernels: the compiled loops (tests/test_conv_compiled.py) would
#: otherwise run the forward passes of depthwise layers and of layers of small windows.
pytestmark = pytest.mark.usefixtures("routes_only")

#: Depthwise layers the channels-last route takes (fewer output cells than channels):
#: (batch, channels, map side, kernel, padding, stride), the last one the largest.
LAYERS = [(2, 24, 4, 3, 1, 1), (3, 40, 5, 5, 2, 1), (2, 32, 6, 3, 1, 2), (4, 64, 7, 5, 2, 1)]


def layer(case: tuple[int, ...], seed: int, dtype: torch.dtype = torch.float64):
    n, c, side, k, pad, stride = case
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, side, side, dtype=dtype, generator=gen)
    w = torch.randn(c, 1, k, k, dtype=dtype, generator=gen)
    b = torch.randn(c, dtype=dtype, generator=gen)
    return x, w, b, dict(padding=pad, stride=stride, groups=c)


def forward_backward(conv, x, w, b, args):
    """The output and the three gradients of one forward and backward pass."""
    x, w, b = (t.detach().requires_grad_() for t in (x, w, b))
    out = conv(x, w, b, **args)
    out.backward(torch.linspace(-1, 1, out.numel(), dtype=out.dtype).reshape(out.shape))
    return out.detach(), x.grad, w.grad, b.grad


@pytest.fixture(autouse=True)
def fresh_scratch():
    workspace.release()
    yield
    workspace.release()


def test_a_layer_called_again_makes_no_views():
    """The first forward and backward pass of a layer makes its views (one strided view per
    tap and side, for the forward pass and both gradients). The weight's gradient, which keeps
    the most buffers, grows the scratch, so the second pass makes the others' again; from the
    third on every view is found made, and the numbers are the same."""
    x, w, b, args = layer(LAYERS[1], 0)
    views = depthwise_last.rectangle_views
    with mock.patch.object(depthwise_last, "rectangle_views", side_effect=views) as made:
        first = forward_backward(conv2d_vectorized, x, w, b, args)
        assert made.call_count == 3
        forward_backward(conv2d_vectorized, x, w, b, args)
        assert made.call_count == 5
        for _ in range(3):
            again = forward_backward(conv2d_vectorized, x, w, b, args)
            for ours, before in zip(again, first):
                torch.testing.assert_close(ours, before, rtol=0, atol=0)
        assert made.call_count == 5
    for ours, theirs in zip(first, forward_backward(F.conv2d, x, w, b, args)):
        torch.testing.assert_close(ours, theirs)


def test_layers_sharing_the_scratch_each_give_pytorchs_numbers():
    """Layers of several sizes take turns with one scratch (the last one grows it, which drops
    the views made of the smaller one); each of them, every time, gives F.conv2d's output and
    gradients."""
    for turn in range(2):
        for seed, case in enumerate(LAYERS + LAYERS[::-1]):
            x, w, b, args = layer(case, seed)
            for ours, theirs in zip(forward_backward(conv2d_vectorized, x, w, b, args),
                                    forward_backward(F.conv2d, x, w, b, args)):
                torch.testing.assert_close(ours, theirs, msg=lambda m: f"{case}, turn {turn}: {m}")


@pytest.mark.parametrize("inference_first", [True, False])
def test_views_made_in_inference_mode_serve_outside_it(inference_first):
    """Views a call makes in inference mode are plain views: the same layer's training pass
    afterwards (or before) writes through them without complaint, and both give PyTorch's
    numbers."""
    x, w, b, args = layer(LAYERS[0], 1)
    expected = F.conv2d(x, w, b, **args)

    def inference():
        with torch.inference_mode():
            torch.testing.assert_close(conv2d_vectorized(x, w, b, **args), expected)

    if inference_first:
        inference()
    for ours, theirs in zip(forward_backward(conv2d_vectorized, x, w, b, args),
                            forward_backward(F.conv2d, x, w, b, args)):
        torch.testing.assert_close(ours, theirs)
    if not inference_first:
        inference()


def test_each_thread_has_its_own_scratch():
    """Two threads running different layers at once (PyTorch lets go of the interpreter while
    it computes) never write into each other's buffers."""
    errors: list[str] = []

    def run(cases, seed):
        try:
            for repeat in range(30):
                for case in cases:
                    x, w, b, args = layer(case, seed)
                    ours, theirs = conv2d_vectorized(x, w, b, **args), F.conv2d(x, w, b, **args)
                    if not torch.allclose(ours, theirs):
                        errors.append(f"{case}, repeat {repeat}")
        except Exception as error:                    # a thread's exception would be lost
            errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(LAYERS[:2], 3)),
               threading.Thread(target=run, args=(LAYERS[2:], 4))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_release_frees_the_scratch_and_the_next_call_makes_it_again():
    x, w, b, args = layer(LAYERS[2], 5, torch.float32)
    conv2d_vectorized(x, w, b, **args)
    assert workspace._kept.slots                      # one scratch, float32 on the CPU
    workspace.release()
    assert not workspace._kept.slots
    torch.testing.assert_close(conv2d_vectorized(x, w, b, **args), F.conv2d(x, w, b, **args))


def test_a_thread_keeps_the_views_of_the_most_recent_layouts_only():
    """Beyond ``MAX_LAYOUTS`` the least recently used layout's views go; layers taking turns
    with fewer kept than they need still give PyTorch's numbers."""
    with mock.patch.object(workspace, "MAX_LAYOUTS", 2):
        for turn in range(2):
            for seed, case in enumerate(LAYERS[:3]):
                x, w, b, args = layer(case, seed)
                torch.testing.assert_close(conv2d_vectorized(x, w, b, **args),
                                           F.conv2d(x, w, b, **args))
                (_, made), = workspace._kept.slots.values()
                assert len(made) <= 2


def test_a_call_needing_more_than_a_few_blocks_gets_memory_of_its_own():
    """A scratch larger than ``KEPT_BLOCKS`` blocks (here blocks of 1 KiB, one sample each)
    is made for the call and freed with it: nothing is kept, and the numbers are PyTorch's."""
    x, w, b, args = layer(LAYERS[3], 6)
    with mock.patch.object(cache, "block_bytes", return_value=1024):
        for ours, theirs in zip(forward_backward(conv2d_vectorized, x, w, b, args),
                                forward_backward(F.conv2d, x, w, b, args)):
            torch.testing.assert_close(ours, theirs)
    assert not workspace._kept.slots


def test_memory_made_for_one_call_serves_it_in_inference_mode():
    """The padded fallback (a NaN weight: PyTorch multiplies the padding's zeros by it) makes
    its buffers for the call; in inference mode too it gives PyTorch's NaNs and numbers."""
    x, w, b, args = layer(LAYERS[1], 7)
    w[3, 0, 0, 0] = float("nan")
    with torch.inference_mode():
        torch.testing.assert_close(conv2d_vectorized(x, w, b, **args), F.conv2d(x, w, b, **args),
                                   equal_nan=True)


def test_every_autograd_mode_runs_through_kept_views():
    """gradcheck with forward-mode AD, gradgradcheck forward-over-reverse and vmap, twice: the
    second time every kernel of every order runs on views made by the first."""
    x, w, b, args = layer(LAYERS[0], 8)
    fn = lambda *t: conv2d_vectorized(*t, **args)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, **args)  # noqa: E731
    x, w, b = (t.requires_grad_() for t in (x, w, b))
    for _ in range(2):
        assert_every_autograd_check(fn, ref, x, w, b)
    assert workspace._kept.slots
