"""Every fast path of conv2d_vectorized gives PyTorch's output and gradients on its own.

conv2d_vectorized picks one of three routes (lesson 06): a plain matrix product for 1x1
kernels, a per-tap multiply-add for depthwise layers, and tiled im2col for everything else.
The property tests in test_conv_matches_pytorch.py go through the dispatcher with small
inputs, so they never make im2col cut its work into several tiles. Here hypothesis draws
arguments for each route directly, including tiny column-buffer bounds that force every way of
tiling, and compares the result and all three gradients with F.conv2d.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from unittest import mock

from hypothesis import assume, example, given
from hypothesis import strategies as st

import convlab.conv.functional as conv
from convlab import conv2d_vectorized
import convlab.conv.cache as cache
import convlab.conv.depthwise as depthwise
import convlab.conv.depthwise_last as depthwise_last
import convlab.conv.depthwise_maps as depthwise_maps
import convlab.conv.depthwise_maps_last as depthwise_maps_last
import convlab.conv.im2col as im2col
import convlab.conv.im2col_last as im2col_last
import convlab.conv.input_grad as input_grad
import convlab.conv.workspace as workspace
import convlab.conv.kernel_rows as kernel_rows
import convlab.conv.rectangles as rectangles
import convlab.conv.shifted as shifted
import convlab.conv.threads as threads
import convlab.conv.winograd as winograd
from convlab.conv.autograd import CONV, Conf, bilinear
from convlab.conv.depthwise import depthwise_conv2d
from convlab.conv.pointwise import pointwise_conv2d
from convlab.conv.geometry import output_size
from convlab.conv.im2col import MAX_BUFFER_BYTES, im2col_conv2d
from convlab.conv.layout import laid_out_channels_last, result_channels_last
from convlab.conv.threads import row_pieces, tiles
from convlab.conv.shifted import row_exceeds_buffer, shifted_conv2d
from torch_reference import TOLERANCE
from torch_reference import reference_conv2d

#: Tests of each route's own kernels: the compiled loops (tests/test_conv_compiled.py) would
#: otherwise run the forward passes of depthwise layers and of layers of small windows.
pytestmark = pytest.mark.usefixtures("routes_only")


@st.composite
def padded_calls(draw, kernel=None, c_in_group=None, max_size: int = 11):
    """(x, weight, bias, stride, dilation, groups): an already padded input, as the paths get."""
    groups = draw(st.integers(1, 3))
    c_in_g = c_in_group if c_in_group is not None else draw(st.integers(1, 3))
    c_out_g = draw(st.integers(1, 3))
    k = kernel or (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    sizes = [draw(st.integers(d * (kk - 1) + 1, max(d * (kk - 1) + 1, max_size)))
             for kk, d in zip(k, dilation)]
    n = draw(st.integers(0, 3))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    x = torch.randn(n, groups * c_in_g, *sizes, generator=gen, dtype=dtype)
    w = torch.randn(groups * c_out_g, c_in_g, *k, generator=gen, dtype=dtype)
    b = torch.randn(groups * c_out_g, generator=gen, dtype=dtype) if draw(st.booleans()) else None
    return x, w, b, stride, dilation, groups


def assert_same_outputs_and_gradients(ours_fn, reference_fn, *tensors):
    """``ours_fn(*tensors)`` equals ``reference_fn(*tensors)``, and so do the gradients of
    every tensor (None entries skipped) for the same random upstream gradient."""
    ours = [t.clone().requires_grad_() if t is not None else None for t in tensors]
    theirs = [t.clone().requires_grad_() if t is not None else None for t in tensors]
    got, expected = ours_fn(*ours), reference_fn(*theirs)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    tolerance = TOLERANCE[expected.dtype]
    torch.testing.assert_close(got, expected, **tolerance)
    upstream = torch.randn_like(expected)
    (got * upstream).sum().backward()
    (expected * upstream).sum().backward()
    for mine, ref in zip(ours, theirs):
        if mine is not None:
            torch.testing.assert_close(mine.grad, ref.grad, **tolerance)


def float64_tensors(seed: int, *shapes: tuple[int, ...]) -> list[torch.Tensor]:
    """Random float64 tensors of these shapes, from one seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, dtype=torch.float64, generator=gen) for shape in shapes]


def assert_path_matches_pytorch(path, x, w, b, stride, dilation, groups):
    """A path on a padded input equals F.conv2d with no padding, gradients included."""
    assert_same_outputs_and_gradients(
        path, lambda *t: F.conv2d(*t, stride=stride, dilation=dilation, groups=groups), x, w, b)


def assert_every_autograd_check(fn, reference_fn, x, w, b):
    """gradcheck with forward AD, gradgradcheck with forward-over-reverse, and vmap over a
    batch of inputs equal to ``reference_fn``'s."""
    assert torch.autograd.gradcheck(fn, (x, w, b), check_forward_ad=True, fast_mode=True)
    assert torch.autograd.gradgradcheck(fn, (x, w, b), check_fwd_over_rev=True, fast_mode=True)
    stacked = torch.stack([x, 2 * x + 1]).detach()
    torch.testing.assert_close(torch.func.vmap(fn, (0, None, None))(stacked, w, b),
                               torch.func.vmap(reference_fn, (0, None, None))(stacked, w, b))


def window_bytes(x, w, groups):
    """Bytes of one output position's window in the column buffer."""
    return groups * w.shape[1] * w.shape[2] * w.shape[3] * x.element_size()


@given(padded_calls(), st.data())
@example(  # several samples per tile, a remainder tile
    (torch.randn(3, 2, 5, 5), torch.randn(2, 2, 3, 3), torch.randn(2), (1, 1), (1, 1), 1), None)
def test_im2col_path_matches_pytorch_for_any_column_buffer_bound(call, data):
    x, w, b, stride, dilation, groups = call
    out_positions = (output_size(x.shape[2], w.shape[2], stride[0], 0, dilation[0])
                     * output_size(x.shape[3], w.shape[3], stride[1], 0, dilation[1]))
    per_position = window_bytes(x, w, groups)
    # from "less than one window" (one position per tile) to "every sample at once"
    bound = (2 * per_position * out_positions if data is None else
             data.draw(st.integers(1, 3 * per_position * out_positions), label="bound"))
    assert_path_matches_pytorch(
        lambda *t: im2col_conv2d(*t, stride, dilation, groups, max_buffer_bytes=bound),
        x, w, b, stride, dilation, groups)


@given(padded_calls(max_size=8), st.lists(st.integers(0, 4), min_size=4, max_size=4),
       st.booleans())
@example((torch.randn(2, 2, 3, 4), torch.randn(2, 2, 3, 3), None, (1, 1), (1, 1), 1),
         [4, 0, 1, 3], True)                  # padding beyond the kernel's reach, one-sided
def test_im2col_route_pads_itself_and_its_input_gradient_skips_the_padding(call, pad, flipped):
    """With ``padding`` the route adds the zeros itself: same output and gradients as F.conv2d
    of the zero-padded input, the input's gradient by col2im (cut to the input's cells) or by
    the flipped convolution (which computes only those), for any padding on each side."""
    x, w, b, stride, dilation, groups = call
    top, bottom, left, right = pad
    stride = (1, 1) if flipped else stride    # the flipped convolution is for stride 1
    with mock.patch.object(input_grad, "applies", lambda *args: flipped):
        assert_same_outputs_and_gradients(
            lambda *t: im2col_conv2d(*t, stride, dilation, groups,
                                     padding=((top, bottom), (left, right))),
            lambda x, *t: F.conv2d(F.pad(x, (left, right, top, bottom)), *t, stride=stride,
                                   dilation=dilation, groups=groups), x, w, b)


@pytest.mark.parametrize("flipped", [False, True], ids=["col2im", "flipped convolution"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_im2col_route_with_its_own_padding_passes_every_autograd_check(dtype, flipped):
    """Asymmetric padding, one side beyond the kernel's reach: gradcheck, forward AD, double
    backward and vmap, with either input gradient."""
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(2, 4, 4, 5, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(6, 2, 2, 3, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=dtype, generator=gen, requires_grad=True)
    fn = lambda *t: im2col_conv2d(*t, (1, 1), (1, 1), 2,  # noqa: E731
                                  padding=((3, 0), (1, 2)))
    ref = lambda x, *t: F.conv2d(F.pad(x, (1, 2, 3, 0)), *t, groups=2)  # noqa: E731
    with mock.patch.object(input_grad, "applies", lambda *args: flipped):
        assert_every_autograd_check(fn, ref, x, w, b)


@given(padded_calls(max_size=13), st.integers(1, 8), st.integers(1, 4000))
def test_im2col_forward_by_row_pieces_matches_pytorch_for_any_threads_and_bound(call, threads,
                                                                                  bound):
    """Row pieces on small layers: every piece counts as enough work, and the threads vary."""
    x, w, b, stride, dilation, groups = call
    with mock.patch.object(im2col.threads, "PIECE_WORK", 1), \
            mock.patch.object(im2col.threads, "PIECE_POSITIONS", 1), \
            mock.patch.object(torch, "get_num_threads", lambda: threads):
        assert_path_matches_pytorch(
            lambda *t: im2col_conv2d(*t, stride, dilation, groups, max_buffer_bytes=bound),
            x, w, b, stride, dilation, groups)


@given(st.integers(0, 6), st.integers(0, 40), st.integers(0, 40), st.integers(1, 64),
       st.integers(1, 20_000), st.integers(1, 4), st.integers(1, 300), st.integers(1, 8))
def test_row_pieces_keep_whole_samples_when_every_thread_already_has_a_matrix(
        n, rows, cols, bytes_per_position, max_bytes, groups, work, threads):
    plan = row_pieces(n, rows, cols, bytes_per_position, max_bytes, groups, work, threads)
    per_row = cols * bytes_per_position
    samples_fit = min(n, max_bytes // max(rows * per_row, 1))
    if samples_fit * groups >= threads or per_row > max_bytes:
        assert plan is None


@given(st.data(), st.integers(1, 3), st.integers(2, 40), st.integers(1, 30), st.integers(1, 64),
       st.integers(1, 2), st.integers(1, 300), st.integers(1, 50), st.integers(1, 10))
def test_row_pieces_cover_every_row_in_equal_pieces_within_the_buffer(
        data, n, rows, cols, bytes_per_position, groups, work, least_work, least_positions):
    """Where pieces are wanted (fewer samples fit than threads): every row of every sample
    is covered, by pieces of one size and enough work, each product within the buffer."""
    per_row = cols * bytes_per_position
    threads = data.draw(st.integers(n * groups + 1, 12), label="threads")
    max_bytes = data.draw(st.integers(per_row, 3 * rows * per_row), label="max_bytes")
    with mock.patch.object(im2col.threads, "PIECE_WORK", least_work), \
            mock.patch.object(im2col.threads, "PIECE_POSITIONS", least_positions):
        plan = row_pieces(n, rows, cols, bytes_per_position, max_bytes, groups, work, threads)
    assume(plan is not None)
    r, products = plan
    assert 0 < r < rows and r * cols >= least_positions and r * cols * work >= least_work
    covered = set()
    for product in products:
        assert 0 < len(product) <= -(-2 * threads // groups)        # two matrices a thread
        assert len(product) * r * per_row <= max_bytes
        for sample, first in product:
            assert 0 <= first <= rows - r
            covered |= {(sample, y) for y in range(first, first + r)}
    assert covered == {(s, y) for s in range(n) for y in range(rows)}


def test_im2col_forward_by_row_pieces_passes_every_autograd_check(monkeypatch):
    """One sample of two groups, four threads: the forward product runs as four pieces of 3
    of the 10 output rows (the last two overlap), through gradcheck, forward AD, double
    backward and vmap."""
    monkeypatch.setattr(threads, "PIECE_WORK", 1)
    monkeypatch.setattr(threads, "PIECE_POSITIONS", 1)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(1, 4, 12, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(4, 2, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, generator=gen, requires_grad=True)
    fn = lambda *t: im2col_conv2d(*t, (1, 1), (1, 2), 2)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, dilation=(1, 2), groups=2)  # noqa: E731
    per_position = 2 * 2 * 3 * 2 * 8
    assert row_pieces(1, 10, 4, per_position, MAX_BUFFER_BYTES, 2, 2 * 12, 4) == (
        3, [[(0, 0), (0, 3), (0, 6), (0, 7)]])
    assert_every_autograd_check(fn, ref, x, w, b)


@pytest.mark.parametrize("bound, n_tiles", [(500, 6), (1_000, 3), (MAX_BUFFER_BYTES, 1)],
                         ids=["a row a tile", "a sample a tile", "all samples"])
def test_im2col_with_samples_inside_one_product_passes_every_autograd_check(
        monkeypatch, bound, n_tiles):
    """Many output channels on a small map: the forward pass and both gradients take a tile's
    samples in one product (18 channels in 2 groups, 9 a group, against 4 positions a
    sample), through gradcheck, forward AD, double backward and vmap."""
    # output 2 x 2 per sample; one window is 2 groups x 2 channels x 3 x 2 taps x 8 bytes
    assert len(list(tiles(3, 2, 2, 2 * 2 * 3 * 2 * 8, bound, 2))) == n_tiles
    monkeypatch.setattr(im2col, "ONE_MATRIX_ROWS", 1)
    gen = torch.Generator().manual_seed(8)
    x = torch.randn(3, 4, 4, 3, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(18, 2, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(18, dtype=torch.float64, generator=gen, requires_grad=True)
    fn = lambda *t: im2col_conv2d(*t, (1, 1), (1, 1), 2, max_buffer_bytes=bound)  # noqa: E731
    assert_path_matches_pytorch(fn, x.detach(), w.detach(), b.detach(), (1, 1), (1, 1), 2)
    assert_every_autograd_check(fn, lambda *t: F.conv2d(*t, groups=2), x, w, b)


@pytest.mark.parametrize("layer, grouped, col2im", [
    (((8, 1024, 9, 9), (1024, 32, 3, 3), 32), True, False),   # 49 positions, 32 rows a group
    (((8, 256, 9, 9), (256, 128, 3, 3), 2), True, False),     # 49 against 128 rows
    (((8, 512, 9, 9), (512, 512, 3, 3), 1), True, True),      # 512 rows: every product
    (((8, 96, 18, 18), (96, 32, 3, 3), 3), False, False),     # 256 positions against 32 rows
    (((8, 64, 16, 16), (64, 64, 3, 3), 1), False, False),     # one group for two threads
], ids=["32 groups on 7x7", "2 groups on 7x7", "512 channels on 7x7", "3 groups on 16x16",
        "one group on 14x14"])
def test_samples_go_inside_one_product_on_small_maps(monkeypatch, layer, grouped, col2im):
    """With two threads: a grouped product of the forward pass or the weight's gradient takes a
    tile's samples when a sample has at most four positions per row of the product; a product
    with 256 rows or more, col2im's too, when a sample has fewer than half as many positions as
    rows."""
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    x_shape, w_shape, groups = layer
    plan = im2col.Plan(torch.empty(x_shape, device="meta"), torch.empty(w_shape, device="meta"),
                       (1, 1), (1, 1), groups, MAX_BUFFER_BYTES)
    positions = plan.out_size[0] * plan.out_size[1]
    assert im2col.samples_inside(plan, positions, grouped=True) is grouped
    assert im2col.samples_inside(plan, positions) is col2im


def _taking_kernel_rows(monkeypatch):
    """Make the kernel-row route apply to small layers; record its forward passes and weight
    gradients."""
    monkeypatch.setattr(kernel_rows, "MIN_POSITIONS", 1)
    monkeypatch.setattr(kernel_rows, "MAX_OUT_CHANNELS", 1_000)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    spies = [mock.Mock(wraps=kernel_rows.forward), mock.Mock(wraps=kernel_rows.weight_grad)]
    monkeypatch.setattr(kernel_rows, "forward", spies[0])
    monkeypatch.setattr(kernel_rows, "weight_grad", spies[1])
    return spies


@given(padded_calls(max_size=13), st.data())
def test_kernel_row_route_matches_pytorch_for_any_columns_and_bound(call, data):
    """The forward pass and the weight's gradient: stride 1 down the rows, anything across
    them; from one sample a tile to all of them."""
    x, w, b, (_, s_w), dilation, groups = call
    stride = (1, s_w)
    h_out, w_out, per_sample = kernel_rows._sizes(x, tuple(w.shape[2:]), stride, dilation)
    bound = data.draw(st.integers(max(per_sample, 1), max(3 * per_sample, 1)), label="bound")
    with pytest.MonkeyPatch.context() as patch:
        spies = _taking_kernel_rows(patch)
        assert_path_matches_pytorch(
            lambda *t: im2col_conv2d(*t, stride, dilation, groups, max_buffer_bytes=bound),
            x, w, b, stride, dilation, groups)
    assert [spy.called for spy in spies] == [w.shape[2] > 1 and x.shape[0] > 0] * 2


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_kernel_row_route_passes_every_autograd_check(monkeypatch, dtype):
    """Two groups, a stride and a dilation across the rows, a dilation down them: gradcheck,
    forward AD, double backward and vmap, running this forward pass and weight gradient."""
    spies = _taking_kernel_rows(monkeypatch)
    gen = torch.Generator().manual_seed(10)
    x = torch.randn(3, 4, 7, 9, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(6, 2, 3, 2, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=dtype, generator=gen, requires_grad=True)
    args = dict(stride=(1, 2), padding=1, dilation=(2, 3), groups=2)
    fn = lambda *t: conv2d_vectorized(*t, **args)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, **args)  # noqa: E731
    assert_every_autograd_check(fn, ref, x, w, b)
    assert all(spy.called for spy in spies)


def test_tiles_share_their_matrices_evenly_among_the_threads(monkeypatch):
    """Room for 3 samples of 128 x 3 x 58 x 56 columns: 2 threads take tiles of 2 (one matrix
    each), not 3 (two for one thread, one for the other: 128 -> 32 on 56x56 at batch 8 ran
    2.72x F.conv2d in tiles of 3 and 2.02x in tiles of 2)."""
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    x = torch.empty(8, 128, 58, 58, device="meta")
    per_sample = kernel_rows._sizes(x, (3, 3), (1, 1), (1, 1))[2]
    column_tiles = kernel_rows._column_tiles(x, (3, 3), (1, 1), (1, 1), 1, 3 * per_sample)
    assert [samples for samples, _ in column_tiles] == [slice(0, 2), slice(2, 4), slice(4, 6),
                                                         slice(6, 8)]
    w = torch.empty(128, 128, 3, 3, device="meta")       # im2col: 3 of 8 samples fit, 2 a tile
    plan = im2col.Plan(torch.empty(8, 128, 34, 34, device="meta"), w, (1, 1), (1, 1), 1,
                       3 * 128 * 9 * 32 * 32 * 4)
    assert [samples for samples, _, _ in plan.tiles] == [slice(0, 2), slice(2, 4), slice(4, 6),
                                                         slice(6, 8)]
    cases = [(3, 8, 1), (5, 8, 1), (3, 8, 2), (3, 8, 3), (1, 8, 1), (9, 3, 1), (4, 0, 1)]
    assert [threads.balanced(*case) for case in cases] == [2, 4, 3, 2, 1, 3, 1]  # (fit, n, G)


@pytest.mark.parametrize("layer, taken", [
    (((8, 128, 58, 58), (32, 128, 3, 3), (1, 1), 1), True),     # few output channels
    (((8, 128, 58, 58), (128, 128, 3, 3), (1, 1), 32), True),   # 4 a group
    (((8, 128, 58, 58), (64, 128, 3, 3), (1, 1), 1), False),    # 64: as often slower
    (((8, 128, 58, 58), (32, 128, 3, 3), (2, 1), 1), False),    # a stride down the rows
    (((8, 128, 58, 58), (32, 128, 1, 3), (1, 1), 1), False),    # one kernel row
    (((8, 128, 16, 16), (32, 128, 3, 3), (1, 1), 1), False),    # 14x14: products too small
    (((1, 128, 58, 58), (32, 128, 3, 3), (1, 1), 1), False),    # one matrix for two threads
    (((8, 440, 9, 9), (440, 8, 3, 3), (1, 1), 55), True),       # 8 a group: any map
    (((8, 512, 16, 16), (512, 16, 3, 3), (1, 1), 32), True),    # 16 a group
    (((8, 1024, 9, 9), (1024, 32, 3, 3), (1, 1), 32), False),   # 32 a group: large maps only
    (((8, 16, 16, 16), (16, 16, 3, 3), (1, 1), 1), False),      # few inputs, but one group
], ids=["128 -> 32", "grouped", "64 outputs", "stride 2", "1x3 kernel", "small map",
        "one sample", "small map, 8 a group", "small map, 16 a group",
        "small map, 32 a group", "small map, 16 inputs, dense"])
def test_kernel_row_route_is_taken_for_few_outputs_per_group_on_large_maps(
        monkeypatch, layer, taken):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    x_shape, w_shape, stride, groups = layer
    x, w = torch.empty(x_shape, device="meta"), torch.empty(w_shape, device="meta")
    assert kernel_rows.applies(x, w.shape[0], tuple(w.shape[2:]), stride, (1, 1), groups,
                               MAX_BUFFER_BYTES) is taken


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.data())
def test_input_gradient_as_a_flipped_convolution_matches_pytorch(n, groups, c_out_group, data):
    """Stride 1, fewer output than input channels a group: the padded input's gradient as a
    convolution of the output gradient with the flipped kernel, any dilation and bound."""
    c_in_group = data.draw(st.integers(c_out_group + 1, 4), label="c_in_group")
    kernel = (data.draw(st.integers(1, 4), label="k_h"), data.draw(st.integers(1, 4), label="k_w"))
    dilation = (data.draw(st.integers(1, 3), label="d_h"),
                data.draw(st.integers(1, 3), label="d_w"))
    size = [data.draw(st.integers(d * (k - 1) + 1, 11), label="size") for k, d in
            zip(kernel, dilation)]
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 2**31 - 1), label="seed"))
    w = torch.randn(groups * c_out_group, c_in_group, *kernel, generator=gen, dtype=torch.float64)
    out_size = [output_size(s, k, 1, 0, d) for s, k, d in zip(size, kernel, dilation)]
    grad = torch.randn(n, groups * c_out_group, *out_size, generator=gen, dtype=torch.float64)
    conf = Conf((1, 1), dilation, groups, tuple(size), kernel,
                data.draw(st.integers(1, 4000), label="bound"))
    assert input_grad.applies(w, conf)
    expected = torch.nn.grad.conv2d_input((n, groups * c_in_group, *size), w, grad,
                                          dilation=dilation, groups=groups)
    torch.testing.assert_close(input_grad.input_grad(grad, w, conf), expected,
                               **TOLERANCE[torch.float64])


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_input_gradient_as_a_flipped_convolution_passes_every_autograd_check(monkeypatch,
                                                                              dtype):
    """Two groups of 3 input and 2 output channels, a dilation, padding: gradcheck, forward
    AD, double backward (which differentiates the input's gradient again) and vmap."""
    spy = mock.Mock(wraps=input_grad.input_grad)
    monkeypatch.setattr(input_grad, "input_grad", spy)
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(2, 6, 7, 8, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(4, 3, 3, 2, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(4, dtype=dtype, generator=gen, requires_grad=True)
    args = dict(padding=1, dilation=(2, 1), groups=2)
    fn = lambda *t: conv2d_vectorized(*t, **args)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, **args)  # noqa: E731
    assert_every_autograd_check(fn, ref, x, w, b)
    assert spy.called


@pytest.mark.parametrize("weight, stride, groups, taken", [
    ((32, 128, 3, 3), (1, 1), 1, True),       # few output channels
    ((64, 8, 3, 3), (1, 1), 16, True),        # 4 of 8 a group
    ((128, 4, 3, 3), (1, 1), 32, True),       # 4 of 4 a group: as many, few
    ((32, 128, 3, 3), (2, 2), 1, False),      # a stride: zeros between the cells
    ((64, 64, 3, 3), (1, 1), 1, True),        # as many output as input channels, few
    ((128, 128, 5, 5), (1, 1), 1, True),
    ((256, 256, 5, 5), (1, 1), 1, False),     # as many, not few: col2im's product is deep
    ((1024, 256, 3, 3), (1, 1), 4, False),
    ((64, 3, 7, 7), (1, 1), 1, False),        # more output channels
    ((64, 32, 5, 5), (1, 1), 1, False),
], ids=["128 -> 32", "grouped, fewer", "grouped, as many", "stride 2", "64 -> 64",
        "128 -> 128", "256 -> 256", "grouped, 256 a group", "3 -> 64", "32 -> 64"])
def test_input_gradient_is_a_convolution_at_stride_1_with_at_most_as_many_outputs_as_inputs(
        weight, stride, groups, taken):
    """col2im's product is only ``C_out/G`` deep, the flipped convolution's ``kH*kW`` times
    deeper: it is taken with fewer output channels than input channels a group, or as many
    and at most 128 (5x5 kernels: Winograd's rule would not take them)."""
    w = torch.empty(weight, device="meta")
    conf = Conf(stride, (1, 1), groups, (58, 58), tuple(weight[2:]))
    assert input_grad.applies(w, conf) is taken


@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 4), st.integers(1, 4),
       st.integers(3, 13), st.integers(3, 13), st.integers(0, 12_000), st.booleans(),
       st.integers(0, 2**31 - 1))
def test_winograd_route_matches_pytorch_for_any_map_groups_and_block(n, groups, c_in_group,
                                                                      c_out_group, height,
                                                                      width, bound, bias, seed):
    """F(2x2, 3x3) on a padded input, the forward pass and the weight's gradient: odd and even
    maps (a last row and column of blocks cut off), groups, and blocks from one row of tiles of
    one sample (a small bound) to all."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, groups * c_in_group, height, width, generator=gen, dtype=torch.float64)
    w = torch.randn(groups * c_out_group, c_in_group, 3, 3, generator=gen, dtype=torch.float64)
    b = torch.randn(groups * c_out_group, generator=gen, dtype=torch.float64) if bias else None
    conf = Conf((1, 1), (1, 1), groups, (height, width), (3, 3), bound)
    expected = F.conv2d(x, w, b, groups=groups)
    torch.testing.assert_close(winograd.forward(x, w, b, conf), expected,
                               **TOLERANCE[torch.float64])
    grad = torch.randn(expected.shape, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(winograd.weight_grad(x, grad, conf),
                               torch.nn.grad.conv2d_weight(x, w.shape, grad, groups=groups),
                               **TOLERANCE[torch.float64])


def test_winograd_rounding_stays_within_pytorchs_own():
    """Against a float64 reference, the float32 result of the transforms (which add and halve
    before they multiply) is off by no more than F.conv2d's own float32 result on PyTorch's own
    kernels. oneDNN, which F.conv2d calls on most float32 layers, sums in another order, whose
    rounding depends on the processor: with AVX-512 it rounded less (root mean square error
    2.2e-7 against 3.5e-7 here, for PyTorch's own kernels and im2col alike), so it is not the
    yardstick."""
    gen = torch.Generator().manual_seed(12)
    x = torch.randn(4, 128, 18, 18, generator=gen, dtype=torch.float64)
    w = torch.randn(128, 128, 3, 3, generator=gen, dtype=torch.float64) / 34
    exact = F.conv2d(x, w)
    conf = Conf((1, 1), (1, 1), 1, (18, 18), (3, 3))
    ours = winograd.forward(x.float(), w.float(), None, conf).double()
    with torch.backends.mkldnn.flags(enabled=False):
        theirs = F.conv2d(x.float(), w.float()).double()
    assert (ours - exact).abs().max() <= (theirs - exact).abs().max()


def _taking_winograd(monkeypatch):
    """Make the Winograd route apply to small layers; record its calls."""
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 0)
    monkeypatch.setattr(winograd, "MIN_PRODUCT", 0)
    monkeypatch.setattr(winograd, "MAX_WASTE", 2.0)
    spies = [mock.Mock(wraps=winograd.forward), mock.Mock(wraps=winograd.weight_grad)]
    monkeypatch.setattr(winograd, "forward", spies[0])
    monkeypatch.setattr(winograd, "weight_grad", spies[1])
    return spies


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_winograd_route_passes_every_autograd_check(monkeypatch, dtype):
    """Two groups, padding, an odd map: gradcheck, forward AD, double backward and vmap, with
    the forward pass, the input's gradient (a flipped 3x3 convolution) and the weight's
    gradient by F(2x2, 3x3)."""
    spy, weight_spy = _taking_winograd(monkeypatch)
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(2, 4, 5, 6, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(6, 2, 3, 3, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=dtype, generator=gen, requires_grad=True)
    fn = lambda *t: conv2d_vectorized(*t, padding=1, groups=2)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, padding=1, groups=2)  # noqa: E731
    assert_every_autograd_check(fn, ref, x, w, b)
    shapes = {tuple(call.args[0].shape) for call in spy.call_args_list}
    assert {(2, 4, 7, 8), (2, 6, 7, 8)} <= shapes    # the padded input; the output gradient,
    #                                                  padded by the kernel's reach less the
    #                                                  padding: the input's cells only
    assert weight_spy.called


@pytest.mark.parametrize("x, weight, stride, dilation, groups, taken", [
    ((8, 256, 16, 16), (256, 256, 3, 3), (1, 1), (1, 1), 1, True),     # wide, enough tiles
    ((8, 128, 30, 30), (128, 128, 3, 3), (1, 1), (1, 1), 1, True),
    ((2, 128, 58, 58), (128, 128, 3, 3), (1, 1), (1, 1), 1, True),
    ((2, 256, 16, 16), (256, 256, 3, 3), (1, 1), (1, 1), 1, False),    # 98 tiles a product
    ((8, 512, 9, 9), (512, 512, 3, 3), (1, 1), (1, 1), 1, False),      # 7x7: 8x8 computed
    ((8, 512, 11, 11), (512, 512, 3, 3), (1, 1), (1, 1), 1, False),    # 9x9: 10x10 computed
    ((8, 384, 15, 15), (256, 384, 3, 3), (1, 1), (1, 1), 1, True),     # 13x13: 14x14 computed,
    ((8, 256, 13, 13), (256, 256, 3, 3), (1, 1), (1, 1), 1, True),     # 11x11: 12x12, with work
    ((8, 192, 15, 15), (192, 192, 3, 3), (1, 1), (1, 1), 1, False),    # but not with less work
    ((8, 192, 16, 16), (192, 192, 3, 3), (1, 1), (1, 1), 1, True),     # (which 14x14 takes)
    ((2, 768, 15, 15), (768, 768, 3, 3), (1, 1), (1, 1), 1, False),    # or 98 tiles in all
    ((8, 64, 30, 30), (64, 64, 3, 3), (1, 1), (1, 1), 1, False),       # too few channels
    ((8, 64, 58, 58), (64, 64, 3, 3), (1, 1), (1, 1), 1, True),        # enough on a large map
    ((1, 64, 58, 58), (64, 64, 3, 3), (1, 1), (1, 1), 1, False),       # but too little work
    ((8, 48, 58, 58), (48, 48, 3, 3), (1, 1), (1, 1), 1, False),
    ((8, 128, 58, 58), (32, 128, 3, 3), (1, 1), (1, 1), 1, False),
    ((8, 256, 16, 16), (256, 8, 3, 3), (1, 1), (1, 1), 32, False),     # 8 a group
    ((8, 256, 16, 16), (256, 256, 3, 3), (2, 2), (1, 1), 1, False),    # a stride
    ((8, 256, 16, 16), (256, 256, 3, 3), (1, 1), (2, 2), 1, False),    # a dilation
    ((8, 256, 16, 16), (256, 256, 5, 5), (1, 1), (1, 1), 1, False),    # not 3x3
], ids=["256 on 14x14", "128 on 28x28", "128 on 56x56, batch 2", "256 on 14x14, batch 2",
        "7x7 map", "9x9 map", "13x13 map", "11x11 map", "13x13 map, less work",
        "14x14 map, same work", "13x13 map, batch 2", "64 -> 64 on 28x28", "64 -> 64 on 56x56", "64 -> 64 on 56x56, batch 1",
        "48 -> 48 on 56x56", "128 -> 32", "grouped", "stride 2", "dilation 2", "5x5"])
def test_winograd_route_is_taken_for_wide_3x3_layers_with_enough_tiles(
        x, weight, stride, dilation, groups, taken):
    conf = Conf(stride, dilation, groups, x[2:], weight[2:])
    assert winograd.applies(x, weight, conf) is taken
    assert not winograd.applies(x, weight, conf, torch.int64)   # integers: the transforms halve


@pytest.mark.parametrize("x, taken", [
    ((8, 256, 16, 16), True), ((8, 256, 15, 15), True), ((8, 64, 58, 58), False)],
    ids=["256 on 14x14", "256 on 13x13", "64 on 56x56"])
def test_weight_gradient_by_winograd_keeps_the_small_map_rule(monkeypatch, x, taken):
    """The forward pass takes both layers; the weight's gradient only the first (for 64 -> 64
    on 56x56 at batch 8 im2col's took 1.36x F.conv2d's, Winograd's 1.59x)."""
    spy = mock.Mock(wraps=winograd.weight_grad)
    monkeypatch.setattr(winograd, "weight_grad", spy)
    n, c, size, _ = x
    conf = Conf((1, 1), (1, 1), 1, (size, size), (3, 3))
    assert winograd.applies(x, (c, c, 3, 3), conf)
    im2col.Im2colKernels.grad_weight(torch.randn(x), torch.randn(n, c, size - 2, size - 2), conf)
    assert spy.called is taken


@pytest.mark.parametrize("n, c_in, c_out, size, pad, taken", [
    (8, 256, 256, 16, 0, True), (1, 256, 256, 16, 0, False), (8, 64, 96, 58, 0, False),
    (8, 256, 256, 15, 1, True), (8, 512, 512, 9, 1, False)],
    ids=["256 on 16x16", "batch 1", "64 -> 96 on 58x58", "256 on 13x13 padded",
         "512 on 7x7 padded"])
def test_input_gradient_of_a_wide_3x3_layer_is_a_winograd_convolution(n, c_in, c_out, size, pad,
                                                                      taken):
    """The input's gradient is a 3x3 convolution of the output gradient padded by 2 on every
    side, less the layer's own zero padding (whose cells' gradient is not wanted), by F(2x2,
    3x3) when that convolution would take it on a small map: at batch 1 its products are too
    small, and the rule for large maps is the forward pass's only (64 -> 96 on 56x56 takes it
    forward). A 13x13 map padded by 1 is a 13x13 convolution (14x14 computed), a 7x7 one a 7x7
    convolution (8x8: too many)."""
    conf = Conf((1, 1), (1, 1), 1, (size, size), (3, 3), pad=(pad,) * 4)
    weight = torch.empty(c_out, c_in, 3, 3, device="meta")
    assert input_grad.applies(weight, conf, n) is taken
    if c_in == 64:
        assert winograd.applies((n, c_in, size, size), weight.shape, conf)


@given(padded_calls(kernel=(1, 1)))
def test_pointwise_path_matches_pytorch(call):
    x, w, b, stride, dilation, groups = call
    assert_path_matches_pytorch(lambda *t: pointwise_conv2d(*t, stride, groups),
                                x, w, b, stride, dilation, groups)


@given(st.integers(0, 3), st.integers(1, 16), st.integers(1, 16), st.integers(1, 4),
       st.integers(1, 4), st.integers(1, 2), st.booleans(), st.integers(0, 2**31 - 1))
def test_pointwise_path_matches_pytorch_with_many_channels_on_small_maps(
        n, c_in, c_out, height, width, step, with_bias, seed):
    """Small maps with more channels: where the weight outweighs a sample's input and output,
    the samples go inside one product."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c_in, height, width, generator=gen, dtype=torch.float64)
    w = torch.randn(c_out, c_in, 1, 1, generator=gen, dtype=torch.float64)
    b = torch.randn(c_out, generator=gen, dtype=torch.float64) if with_bias else None
    stride = (step, 1)
    assert_path_matches_pytorch(lambda *t: pointwise_conv2d(*t, stride, 1),
                                x, w, b, stride, (1, 1), 1)


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_pointwise_path_with_samples_inside_one_product_passes_every_autograd_check(dtype):
    """8 -> 6 channels, 2 positions a sample after the stride: a sample's input and output
    (2 x (8 + 6) = 28 numbers) are smaller than the weight (48), so the samples go inside one
    product."""
    gen = torch.Generator().manual_seed(9)
    x = torch.randn(3, 8, 4, 1, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(6, 8, 1, 1, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=dtype, generator=gen, requires_grad=True)
    fn = lambda *t: pointwise_conv2d(*t, (2, 1), 1)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, stride=(2, 1))  # noqa: E731
    assert_every_autograd_check(fn, ref, x, w, b)


@pytest.mark.parametrize("stride", [(1, 1), (2, 1)])
def test_pointwise_path_on_a_channels_last_input_is_one_product_and_passes_every_check(stride):
    """Channels last, each cell's channels are a row already: the product of those rows with
    the weight is F.conv2d's channels-last result itself (no copy of it afterwards). Real
    numbers only: PyTorch lays out a complex input's gradient in the default layout."""
    gen = torch.Generator().manual_seed(4)
    make = lambda *s: torch.randn(*s, dtype=torch.float64, generator=gen)  # noqa: E731
    x = make(2, 5, 4, 3).contiguous(memory_format=torch.channels_last).requires_grad_()
    w, b = make(6, 5, 1, 1).requires_grad_(), make(6).requires_grad_()
    out = pointwise_conv2d(x.detach(), w.detach(), b.detach(), stride, 1)
    assert out.stride() == torch.empty(out.shape, memory_format=torch.channels_last).stride()
    fn = lambda *t: pointwise_conv2d(*t, stride, 1)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, stride=stride)  # noqa: E731
    assert_every_autograd_check(fn, ref, x, w, b)


@given(padded_calls(c_in_group=1), st.booleans())
def test_depthwise_path_matches_pytorch_with_any_channel_multiplier(call, last):
    x, w, b, stride, dilation, groups = call   # one input channel per group: depthwise
    with mock.patch.object(depthwise_last, "channels_last", lambda lay: last):   # either layout
        assert_path_matches_pytorch(lambda *t: depthwise_conv2d(*t, stride, dilation),
                                    x, w, b, stride, dilation, groups)


@given(padded_calls(max_size=13), st.booleans(), st.integers(1, 4000))
def test_shifted_path_matches_pytorch_per_tap_and_gathered_for_any_buffer_bound(call, tap, bound):
    x, w, b, stride, dilation, groups = call
    with mock.patch.object(shifted, "PER_TAP_MIN_CHANNELS", 1 if tap else 10**9):
        assert_path_matches_pytorch(
            lambda *t: shifted_conv2d(*t, stride, dilation, groups, max_buffer_bytes=bound),
            x, w, b, stride, dilation, groups)


@pytest.mark.parametrize("tap", [True, False], ids=["per tap", "gathered"])
def test_shifted_path_passes_gradcheck_forward_ad_gradgradcheck_and_vmap(tap):
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, 4, 9, 8, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(6, 2, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, generator=gen, requires_grad=True)
    fn = lambda *t: shifted_conv2d(*t, (2, 3), (2, 1), 2, max_buffer_bytes=300)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, stride=(2, 3), dilation=(2, 1), groups=2)  # noqa: E731
    with mock.patch.object(shifted, "PER_TAP_MIN_CHANNELS", 1 if tap else 10**9):
        assert_every_autograd_check(fn, ref, x, w, b)


def test_im2col_makes_one_plan_per_layer_for_every_step_and_both_gradients(monkeypatch):
    """A network calls the same layers every step: the forward pass and both gradients share
    one plan, made once; another thread count is another plan (it cuts the work anew)."""
    made, plan = [], im2col.Plan
    monkeypatch.setattr(im2col, "Plan", lambda *args: made.append(args) or plan(*args))
    im2col._plan_of.cache_clear()
    x = torch.randn(2, 3, 9, 9, requires_grad=True)
    w = torch.randn(5, 3, 3, 3, requires_grad=True)

    def step():
        out = im2col_conv2d(x, w, None, (2, 1), (1, 1), 1, padding=((1, 1), (0, 2)))
        return torch.autograd.grad(out.square().sum(), (x, w))
    for _ in range(3):
        step()
    assert len(made) == 1
    with mock.patch.object(torch, "get_num_threads", lambda: 7):
        step()
    assert len(made) == 2


@pytest.mark.parametrize("bound, n_tiles", [(1, 24), (500, 12), (2_000, 4), (MAX_BUFFER_BYTES, 1)],
                         ids=["one position per tile", "half rows", "two rows", "all samples"])
def test_im2col_path_passes_gradcheck_in_every_tiling(bound, n_tiles):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, 7, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(4, 2, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, generator=gen, requires_grad=True)
    # output 3 x 4 per sample; one window is 2 groups x 2 channels x 3 x 2 taps x 8 bytes
    assert len(list(tiles(2, 3, 4, 2 * 2 * 3 * 2 * 8, bound, 2))) == n_tiles
    assert torch.autograd.gradcheck(
        lambda *t: im2col_conv2d(*t, (2, 1), (1, 2), 2, max_buffer_bytes=bound), (x, w, b))


@pytest.mark.parametrize("path", ["pointwise", "depthwise"])
def test_fast_paths_pass_gradcheck(path):
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    if path == "pointwise":
        w = torch.randn(6, 1, 1, 1, dtype=torch.float64, generator=gen, requires_grad=True)
        fn = lambda *t: pointwise_conv2d(*t, (2, 1), 3)  # noqa: E731
    else:
        w = torch.randn(6, 1, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
        fn = lambda *t: depthwise_conv2d(*t, (1, 2), (2, 1))  # noqa: E731
    b = torch.randn(6, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x, w, b))


@pytest.mark.parametrize("last", [False, True], ids=["flat", "channels last"])
@pytest.mark.parametrize("stride, dilation, multiplier", [((2, 2), (1, 1), 1), ((3, 2), (2, 1), 2)],
                         ids=["polyphase stride 2", "stride 3x2, dilated, multiplier 2"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_depthwise_path_passes_every_autograd_check(monkeypatch, stride, dilation, multiplier,
                                                    dtype, last):
    """Sub-images that do not divide the map evenly (9x8 into strides of 3 and 2), and every
    mode the autograd Function gives: gradcheck, forward AD, double backward, vmap; in both
    layouts of the forward."""
    monkeypatch.setattr(depthwise_last, "channels_last", lambda lay: last)
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, 9, 8, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(3 * multiplier, 1, 3, 2, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(3 * multiplier, dtype=dtype, generator=gen, requires_grad=True)
    fn = lambda *t: depthwise_conv2d(*t, stride, dilation)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, stride=stride, dilation=dilation, groups=3)  # noqa: E731
    assert_every_autograd_check(fn, ref, x, w, b)


@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_pointwise_path_with_one_output_position_passes_every_autograd_check(groups, dtype):
    """A 1x1 map (or a stride that keeps one cell), as in squeeze-excitation blocks: the
    samples become the rows of the product."""
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(3, 4, 3, 2, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(6, 4 // groups, 1, 1, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=dtype, generator=gen, requires_grad=True)
    fn = lambda *t: pointwise_conv2d(*t, (3, 2), groups)  # noqa: E731
    ref = lambda *t: F.conv2d(*t, stride=(3, 2), groups=groups)  # noqa: E731
    assert fn(x, w, b).shape == (3, 6, 1, 1)
    torch.testing.assert_close(fn(x, w, b), ref(x, w, b))
    assert_every_autograd_check(fn, ref, x, w, b)


@given(padded_calls(c_in_group=1), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3),
       st.integers(0, 3), st.booleans())
def test_depthwise_path_adds_any_zero_padding_itself(call, top, bottom, left, right, last):
    """Padding added while the maps are copied equals padding the input first, gradients of
    the unpadded input included, in both layouts."""
    x, w, b, stride, dilation, groups = call
    padding = ((top, bottom), (left, right))
    with mock.patch.object(depthwise_last, "channels_last", lambda lay: last):
        assert_same_outputs_and_gradients(
            lambda *t: depthwise_conv2d(*t, stride, dilation, padding),
            lambda x, *t: F.conv2d(F.pad(x, (left, right, top, bottom)), *t, stride=stride,
                                   dilation=dilation, groups=groups),
            x, w, b)


@pytest.mark.parametrize("last", [False, True], ids=["flat", "channels last"])
def test_depthwise_path_taken_in_many_blocks_gives_the_same_numbers(monkeypatch, last):
    """A large input is taken a block of maps (or samples) at a time; with blocks of one map
    each, the sum over blocks and its gradients are still PyTorch's."""
    monkeypatch.setattr(depthwise_last, "channels_last", lambda lay: last)
    monkeypatch.setattr(cache, "block_bytes", lambda: 1)
    counts = {}
    for layout in (depthwise._Flat, depthwise_last._Last):
        def counted(self, _blocks=layout.blocks, _name=layout.__name__):
            blocks = _blocks(self)
            counts.setdefault(_name, []).append(len(blocks))
            return blocks
        monkeypatch.setattr(layout, "blocks", counted)
    x, w, b = float64_tensors(8, (3, 4, 9, 7), (8, 1, 3, 3), (8,))
    assert_same_outputs_and_gradients(
        lambda *t: depthwise_conv2d(*t, (2, 1), (1, 2), ((1, 1), (2, 0))),
        lambda x, *t: F.conv2d(F.pad(x, (2, 0, 1, 1)), *t, stride=(2, 1), dilation=(1, 2),
                               groups=4),
        x, w, b)
    # one block per map (12) in the flat loops, one per sample (3) channels-last, where at
    # this stride the forward pass and both gradients run
    assert counts == ({"_Last": [3, 3, 3]} if last else {"_Flat": [12, 12, 12]})


@pytest.mark.parametrize("last", [False, True], ids=["flat", "channels last"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_padded_depthwise_path_passes_every_autograd_check(monkeypatch, dtype, last):
    monkeypatch.setattr(depthwise_last, "channels_last", lambda lay: last)
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(2, 3, 7, 6, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(6, 1, 3, 2, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=dtype, generator=gen, requires_grad=True)
    fn = lambda *t: depthwise_conv2d(*t, (2, 1), (1, 2), ((2, 1), (0, 3)))  # noqa: E731
    ref = lambda x, *t: F.conv2d(F.pad(x, (0, 3, 2, 1)), *t, stride=(2, 1),  # noqa: E731
                                 dilation=(1, 2), groups=3)
    torch.testing.assert_close(fn(x, w, b), ref(x, w, b))
    assert_every_autograd_check(fn, ref, x, w, b)


# ---- which route conv2d_vectorized takes

ROUTES = {
    "1x1 kernel": ((2, 4, 6, 6), (8, 4, 1, 1), 1, "pointwise"),
    "1x1 grouped kernel": ((2, 4, 6, 6), (4, 2, 1, 1), 2, "pointwise"),
    "depthwise": ((2, 4, 6, 6), (4, 1, 3, 3), 4, "depthwise"),
    "depthwise with multiplier 2": ((2, 4, 6, 6), (8, 1, 3, 3), 4, "depthwise"),
    "depthwise, more channels than a map's cells": ((2, 64, 4, 4), (64, 1, 3, 3), 64, "depthwise"),
    "dense 3x3": ((2, 4, 6, 6), (8, 4, 3, 3), 1, "im2col"),
    "one input channel, no groups (MNIST)": ((2, 1, 6, 6), (8, 1, 3, 3), 1, "im2col"),
    "grouped 3x3": ((2, 4, 6, 6), (4, 2, 3, 3), 2, "im2col"),
}
# one output row's columns: 8 x 5 x 5 x 4 bytes x 27,000 columns > the 16 MiB buffer
WIDE_ROW = {"a row of columns beyond the buffer": ((1, 8, 5, 27_000), (2, 8, 5, 5), 1, "shifted")}


@pytest.mark.parametrize("route", [*ROUTES.values(), *WIDE_ROW.values()],
                         ids=[*ROUTES, *WIDE_ROW])
def test_vectorized_takes_the_cheapest_route_for_the_shape(monkeypatch, route):
    x_shape, w_shape, groups, expected = route
    taken = []
    for name in ("pointwise", "depthwise", "im2col", "shifted"):
        original = getattr(conv, f"{name}_conv2d")
        monkeypatch.setattr(conv, f"{name}_conv2d",
                            lambda *a, _f=original, _n=name, **k: taken.append(_n) or _f(*a, **k))
    x, w = torch.randn(x_shape), torch.randn(w_shape)
    torch.testing.assert_close(conv2d_vectorized(x, w, padding=1, groups=groups),
                               F.conv2d(x, w, padding=1, groups=groups), **TOLERANCE[x.dtype])
    assert taken == [expected]


@pytest.mark.parametrize("groups, route", [(1, "pointwise"), (8, "depthwise")])
def test_a_kernel_whose_outer_taps_read_only_padding_runs_as_its_middle_tap(monkeypatch, groups,
                                                                             route):
    """A 3x3 at dilation 5 with padding 5 on a 5x5 map: every tap but the middle one lands on
    padding at every output, so the layer is a 1x1 convolution, with PyTorch's numbers and
    gradients (zero for the dropped taps)."""
    taken = []
    for name in ("pointwise", "depthwise", "im2col", "shifted"):
        original = getattr(conv, f"{name}_conv2d")
        monkeypatch.setattr(conv, f"{name}_conv2d",
                            lambda *a, _f=original, _n=name, **k: taken.append(
                                (_n, tuple(a[1].shape[2:]))) or _f(*a, **k))
    x = torch.randn(2, 8, 5, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(8, 8 // groups, 3, 3, dtype=torch.float64, requires_grad=True)
    got = conv2d_vectorized(x, w, padding=5, dilation=5, groups=groups)
    expected = F.conv2d(x, w, padding=5, dilation=5, groups=groups)
    torch.testing.assert_close(got, expected)
    assert taken == [(route, (1, 1))]
    g = torch.randn_like(got)
    torch.testing.assert_close(torch.autograd.grad(got, (x, w), g),
                               torch.autograd.grad(expected, (x, w), g))


def test_a_dropped_tap_with_an_infinite_or_nan_weight_gives_pytorchs_nans():
    # PyTorch multiplies the padding's zeros by every weight: 0 * inf is NaN
    x, w, b = torch.randn(2, 3, 6, 6), torch.randn(4, 3, 3, 3), torch.randn(4)
    w[0, 1, 0, 2], w[2, 0, 1, 0] = float("inf"), float("nan")    # dropped taps
    w[3, 2, 1, 1] = float("inf")                                     # the middle tap, kept
    for bias in (b, None):
        expected = F.conv2d(x, w, bias, padding=7, dilation=7)
        got = conv2d_vectorized(x, w, bias, padding=7, dilation=7)
        torch.testing.assert_close(got, expected, equal_nan=True)
        assert got[:, 0].isnan().all() and got[:, 2].isnan().all() and not got[:, 1].isnan().any()


@pytest.mark.parametrize("shape, kernel, stride, last", [
    ((8, 960, 7, 7), 3, 1, True),       # 49 output cells against 960 channels
    ((1, 672, 14, 14), 5, 1, True),     # 196 against 672
    ((8, 240, 14, 14), 5, 1, True),     # 196 against 240 (the flat route's run: 248)
    ((1, 192, 28, 28), 3, 2, True),     # 196 against 4 sub-images x 192 channels
    ((8, 256, 16, 16), 3, 1, True),     # 256 against 256, a sample 0.5 MiB
    ((2, 240, 28, 28), 5, 1, True),     # 784 against 240 (3.3 a channel), 1.5 MiB
    ((1, 144, 56, 56), 5, 2, True),     # 784 against 4 x 144, 2.2 MiB
    ((1, 144, 56, 56), 3, 2, False),    # ... but the maps route's long rows, 3x3
    ((8, 144, 56, 56), 3, 1, False),    # 3,136 against 144: 22 a channel
    ((2, 4, 6, 6), 3, 1, False),        # 36 against 4: 9 a channel
    ((1, 672, 56, 56), 3, 1, False),    # 4.7 a channel, but a sample is 17 MiB
    ((1, 120, 112, 112), 3, 2, False),  # 3,136 against 4 x 120, but a sample is 7.5 MiB
])
def test_depthwise_runs_channels_last_on_maps_of_few_cells_a_channel(shape, kernel, stride,
                                                                     last):
    """Channels last when a map has fewer output cells than channels (at a stride, than its
    channels times the sub-images the flat route would cut), or up to
    ``MOST_CELLS_A_CHANNEL`` times as many when a block of 3 MiB holds a whole sample's
    channels-last input and output cells, unless the maps route reads long rows of a small
    kernel."""
    n, c, h, w = shape
    pad = kernel // 2                       # "same" padding, added while copying
    conf = Conf((stride, stride), (1, 1), c, (h + 2 * pad, w + 2 * pad), (kernel, kernel),
                pad=(pad,) * 4)
    with mock.patch.object(cache, "block_bytes", return_value=3 * 2**20):
        lay = depthwise._flat(torch.empty(shape, device="meta"), c, c, conf)
    assert depthwise_last.channels_last(lay) is last


@pytest.mark.parametrize("stride", [1, 2])
def test_a_channels_last_input_takes_the_channels_last_route_and_sums_into_the_result(stride):
    """A channels-last input (a large map, few channels: the flat route's shape) runs
    channels last, with no transposing copies: the taps sum straight into a channels-last
    result, the input's gradient is written channels last, the weight's gradient reads the
    input channels last at stride 1 too; every autograd check holds."""
    gen = torch.Generator().manual_seed(6)
    make = lambda *s: torch.randn(*s, dtype=torch.float64, generator=gen)  # noqa: E731
    x = make(2, 3, 21, 20).contiguous(memory_format=torch.channels_last).requires_grad_()
    w, b = make(6, 1, 3, 3).requires_grad_(), make(6).requires_grad_()
    lay = depthwise._flat(x, 3, 6, Conf.padding_inside(x, w, (stride,) * 2, (1, 1), 3,
                                                       ((1, 1), (1, 1))))
    assert not depthwise_last.channels_last(lay)           # by its sizes, the flat route's
    spy = mock.patch.object(depthwise.DepthwiseKernels, "grad_weight",
                            side_effect=AssertionError("the flat route read the input"))
    fn = lambda *t: depthwise_conv2d(*t, (stride, stride), (1, 1), ((1, 1), (1, 1)))  # noqa: E731
    ref = lambda *t: F.conv2d(*t, stride=stride, padding=1, groups=3)  # noqa: E731
    with spy:
        out = fn(x, w, b)
        grad_x, _ = torch.autograd.grad(out.sum(), (x, w))
    assert out.stride() == torch.empty(out.shape, memory_format=torch.channels_last).stride()
    assert grad_x.stride() == x.stride()
    assert_every_autograd_check(fn, ref, x, w, b)


@pytest.mark.parametrize("size, channels, run, work, flat_taken", [
    (7, 8, 6 * 9 + 7, 2 * 8 * 7 * 7 * 9, False),
    (14, 8, 13 * 16 + 14, 2 * 8 * 14 * 14 * 9, False),
    (28, 8, 27 * 30 + 28, 2 * 8 * 28 * 28 * 9, True),
    (28, 160, 27 * 30 + 28, 2 * 160 * 28 * 28 * 9, False)],
    ids=["7x7: a short flat run", "14x14: still short", "28x28: a long one",
         "28x28 with 2.3 million multiply-adds"])
def test_the_channels_last_routes_weight_gradient_is_flat_only_on_long_runs_of_little_work(
        size, channels, run, work, flat_taken):
    """At stride 1 the channels-last route's weight gradient is the flat route's where each
    map's flat run (output rows less one times the padded width, plus a row) reaches
    MIN_FLAT_RUN and the layer has fewer than MAX_FLAT_WORK multiply-adds, else channels
    last; either gives PyTorch's gradient."""
    gen = torch.Generator().manual_seed(9)
    x = torch.randn(2, channels, size, size, dtype=torch.float64, generator=gen)
    g = torch.randn(2, channels, size, size, dtype=torch.float64, generator=gen)
    conf = Conf.padding_inside(x, torch.empty(channels, 1, 3, 3), (1, 1), (1, 1), channels,
                               ((1, 1), (1, 1)))
    assert depthwise._flat(x, channels, channels, conf).length == run
    assert (run >= depthwise_last.MIN_FLAT_RUN
            and work < depthwise_last.MAX_FLAT_WORK) is flat_taken
    flat_grad = mock.Mock(wraps=depthwise.DepthwiseKernels.grad_weight)
    with mock.patch.object(depthwise.DepthwiseKernels, "grad_weight", flat_grad):
        grad = depthwise_last.ChannelsLastKernels.grad_weight(x, g, conf)
    assert flat_grad.called is flat_taken
    torch.testing.assert_close(grad, torch.nn.grad.conv2d_weight(
        x, (channels, 1, 3, 3), g, padding=1, groups=channels))


@pytest.mark.parametrize("size, multiplier, stride, pairs", [
    (14, 1, 1, True), (14, 3, 1, True), (28, 2, 2, True), (7, 1, 1, False)],
    ids=["14x14", "14x14, 3 outputs a map", "28x28 at stride 2", "7x7: short runs"])
def test_the_flat_weight_gradient_sums_long_runs_two_maps_at_a_time(size, multiplier, stride,
                                                                     pairs):
    """On runs of at least MIN_PAIR_RUN positions the flat route sums each tap's products two
    maps at a time, as one small matrix product whose diagonal blocks are the sums, and
    PyTorch's gradient comes out: every output of a map, blocks of 3, 3 and 2 maps (a map
    left over), at a stride too."""
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(2, 4, size, size, dtype=torch.float64, generator=gen)
    shape = (4 * multiplier, 1, 3, 3)
    out = F.conv2d(x, torch.empty(shape, dtype=torch.float64), stride=stride, padding=1,
                   groups=4)
    g = torch.randn(out.shape, dtype=torch.float64, generator=gen)
    conf = Conf.padding_inside(x, torch.empty(shape), (stride,) * 2, (1, 1), 4, ((1, 1), (1, 1)))
    side = -(-(size + 2) // stride)                      # each sub-image's rows and columns
    map_bytes = side * side * (stride * stride + multiplier) * 8
    dots = mock.Mock(wraps=depthwise._pair_dots)
    with mock.patch.object(cache, "block_bytes", return_value=3 * map_bytes), \
            mock.patch.object(depthwise, "_pair_dots", dots):
        lay = depthwise._flat(x, 4, 4 * multiplier, conf)
        assert lay.rows == 3 and (lay.length >= depthwise.MIN_PAIR_RUN) is pairs
        grad = depthwise.DepthwiseKernels.grad_weight(x, g, conf)
    assert dots.called is pairs
    torch.testing.assert_close(grad, torch.nn.grad.conv2d_weight(
        x, shape, g, stride=stride, padding=1, groups=4))


def test_by_thread_cuts_the_channels_into_equal_slices_outermost_as_a_view():
    """Slice k holds channels k*C/P ... (k+1)*C/P - 1 of every sample, in a view of the same
    memory: written contiguously in that order, each thread gets one slice."""
    t = torch.arange(2 * 6 * 3).view(2, 6, 3)                   # (samples, channels, cells)
    sliced = threads.by_thread(t, 3, 1)
    assert sliced.shape == (3, 2, 2, 3)
    assert sliced._is_view() and sliced.data_ptr() == t.data_ptr()
    for k in range(3):
        assert torch.equal(sliced[k], t[:, 2 * k:2 * k + 2])


@pytest.mark.parametrize("padded", [True, False], ids=["padded input", "rectangles"])
@pytest.mark.parametrize("thread_count, channels, multiplier, stride, dilation", [
    (2, 6, 1, 1, 1), (3, 6, 2, 2, 1), (4, 8, 1, 1, 2), (2, 5, 3, 2, 1), (6, 6, 1, 2, 2)])
def test_the_channels_last_weight_gradient_gives_each_thread_a_slice_of_the_channels(
        thread_count, channels, multiplier, stride, dilation, padded):
    """The channels-last weight gradient cuts the channels into one slice a thread (none when
    they do not divide evenly) and still gives PyTorch's gradient: any multiplier, stride and
    dilation, over the padded input or each tap's rectangle; and blocks of 3, 3 and 2 samples
    when 3 samples' input cells (padded or not), output gradient and products fill the cache
    bound."""
    gen = torch.Generator().manual_seed(12)
    shape = (channels * multiplier, 1, 3, 3)
    x = torch.randn(8, channels, 9, 8, dtype=torch.float64, generator=gen)
    out = F.conv2d(x, torch.empty(shape, dtype=torch.float64), stride=stride, padding=1,
                   dilation=dilation, groups=channels)
    g = torch.randn(out.shape, dtype=torch.float64, generator=gen)
    conf = Conf.padding_inside(x, torch.empty(shape), (stride,) * 2, (dilation,) * 2, channels,
                               ((1, 1), (1, 1)))
    lay = depthwise._flat(x, channels, channels * multiplier, conf)
    (h, w), (h_o, w_o) = lay.in_size if padded else lay.map_size, lay.out_size
    per_sample = (h * w * workspace.lane_step(channels, 8)
                  + 2 * h_o * w_o * workspace.lane_step(channels * multiplier, 8)) * 8
    kernels = depthwise_last.ChannelsLastKernels
    blocks, seen = depthwise_last._Last.blocks, []
    with mock.patch.object(torch, "get_num_threads", return_value=thread_count), \
            mock.patch.object(cache, "block_bytes", return_value=3 * per_sample), \
            mock.patch.object(depthwise_last._Last, "blocks",
                              lambda self: seen.append(blocks(self)) or seen[-1]):
        assert threads.channel_parts(channels) == (thread_count if channels % thread_count == 0
                                                   else 1)
        grad = (kernels.grad_weight_last if padded else kernels.grad_weight)(x, g, conf)
    assert seen == [[(0, 3), (3, 6), (6, 8)]]
    torch.testing.assert_close(grad, torch.nn.grad.conv2d_weight(
        x, shape, g, stride=stride, padding=1, dilation=dilation, groups=channels))


def test_channels_last_blocks_count_the_input_cells_a_call_reads():
    """The forward pass and the input's gradient keep the input's cells without padding and
    one output-sized buffer: with a bound of two samples' worth, they run in blocks of two
    samples, where the padded input's cells would make them blocks of one."""
    x = torch.randn(4, 6, 5, 5, dtype=torch.float64)
    w = torch.randn(6, 1, 5, 5, dtype=torch.float64)
    conf = Conf.padding_inside(x, w, (1, 1), (1, 1), 6, ((4, 4), (4, 4)))
    lay = depthwise._flat(x, 6, 6, conf)
    per_sample = (5 * 5 + 9 * 9) * workspace.lane_step(6, 8) * 8     # 9x9 outputs
    blocks, seen = depthwise_last._Last.blocks, []
    with mock.patch.object(cache, "block_bytes", return_value=2 * per_sample), \
            mock.patch.object(depthwise_last._Last, "blocks",
                              lambda self: seen.append(blocks(self)) or seen[-1]):
        out = depthwise_last.ChannelsLastKernels.conv(x, w, None, conf)
        depthwise_last.ChannelsLastKernels.grad_input(out, w, conf)
    assert seen == [[(0, 2), (2, 4)]] * 2
    torch.testing.assert_close(out, F.conv2d(x, w, padding=4, groups=6))


@pytest.mark.parametrize("pad", [(1, 1, 1, 1), (0, 2, 3, 0)], ids=["even", "uneven"])
def test_a_channels_last_frame_zeroes_the_padding_and_leaves_the_interior_to_the_copy(pad):
    """Where the taps must multiply the padding's zeros (an infinity about), the forward pass
    and the weight's gradient copy every block over the interior of a padded buffer, so only
    its frame, the padding's cells, is zeroed: here fresh memory holds
    NaN, the padding reads 0 and the interior is untouched, in each slice of the channels."""
    x = torch.empty(3, 6, 5, 4)
    conf = Conf.padding_inside(x, torch.empty(6, 1, 3, 3), (1, 1), (1, 1), 6,
                               ((pad[0], pad[1]), (pad[2], pad[3])))
    last = depthwise_last._Last(depthwise._flat(x, 6, 6, conf), 4)
    frame = torch.full(last.frame(2), float("nan"))
    last.zero_frame(frame)
    assert frame.shape == (2, 3, 5 + pad[0] + pad[1], 4 + pad[2] + pad[3], 3)
    inside = torch.zeros(frame.shape[2:4], dtype=torch.bool)
    inside[pad[0]:pad[0] + 5, pad[2]:pad[2] + 4] = True
    assert frame[:, :, ~inside].eq(0).all()
    assert frame[:, :, inside].isnan().all()


@pytest.mark.parametrize("channels, multiplier, dtype", [
    (1024, 1, torch.float32), (512, 2, torch.float32), (2048, 1, torch.float32),
    (960, 1, torch.float32), (240, 1, torch.float32), (112, 1, torch.float32),
    (144, 1, torch.float32), (15, 1, torch.float32), (49, 1, torch.float32),
    (96, 1, torch.float64),
    (64, 1, torch.complex128)])
def test_channels_last_buffers_step_an_odd_number_of_cache_lines_from_cell_to_cell(
        channels, multiplier, dtype):
    """Copying a channels-last block back to (B, C, H, W) reads one number a cell; cells a
    power of two of cache lines apart (1024 float channels: 4 KiB; 240 with 16 spare
    numbers: 1 KiB) put every read in a few cache sets. So each cell takes an odd number of
    64-byte lines, its channels first and then spare lanes (never read), fewer than two lines
    of them. A call's buffers share one piece of memory, each from a cache line."""
    conf = Conf((1, 1), (1, 1), channels, (9, 9), (3, 3), pad=(1, 1, 1, 1))
    lay = depthwise._flat(torch.empty(2, channels, 7, 7, device="meta"), channels,
                          channels * multiplier, conf)
    x = torch.randn(2, channels, 7, 7).to(dtype)
    last = depthwise_last._Last(lay, x.element_size())
    cells, frame, outputs = workspace.Blocks(
        x, (), [last.cells(), last.frame(), last.outputs()], lambda buffers, count: None,
        keep=False).buffers
    outputs = last.split(outputs)
    assert cells.shape[-1] == frame.shape[-1] == channels
    assert outputs.shape[-2:] == (channels, multiplier)
    assert len({t.untyped_storage().data_ptr() for t in (cells, frame, outputs)}) == 1
    assert all(t.data_ptr() % 64 == 0 for t in (cells, frame, outputs))
    assert cells.data_ptr() < frame.data_ptr() < outputs.data_ptr()
    for step, numbers in ((cells.stride(2), channels), (frame.stride(2), channels),
                          (outputs.stride(2), channels * multiplier)):
        lines, rest = divmod(step * x.element_size(), 64)
        assert rest == 0 and lines % 2 == 1
        assert 0 <= (step - numbers) * x.element_size() < 128


@pytest.mark.parametrize("kernel, stride, padding, cells, first, back", [
    (5, 1, 2, 29 * 29, 12, True),   # 'same' on 7x7: rows of 5, 6, 7, 6, 5; the middle first
    (3, 1, 1, 19 * 19, 4, True),    # 6 + 7 + 6
    (5, 2, 2, 16 * 16, 12, False),  # 7x7 to 4x4: rows of 3, 3, 4, 3, 3, every other input row
    (3, 1, 3, 21 * 21, None, True),  # 11x11 outputs: each tap reads all 7 rows, for 7 of them
])
def test_channels_last_taps_read_only_the_input_cells_of_their_rectangle(kernel, stride, padding,
                                                                        cells, first, back):
    """Each tap multiplies only the output cells whose window it keeps on the 7x7 input, a
    rectangle (5x5 'same': 29 rows x 29 columns of tap-cells, 69 % of the padded sum). A tap
    whose rectangle holds every output cell starts the sum (every input cell, for the input's
    gradient), so nothing is zeroed first."""
    conf = Conf.padding_inside(torch.empty(1, 4, 7, 7), torch.empty(4, 1, kernel, kernel),
                               (stride, stride), (1, 1), 4, ((padding, padding),) * 2)
    lay = depthwise._flat(torch.empty(1, 4, 7, 7, device="meta"), 4, 4, conf)
    rects, starts = rectangles.rectangles(lay, backwards=False)
    assert sum((y1 - y0) * (x1 - x0) for _, (y0, y1, _), (x0, x1, _) in rects) == cells
    assert starts == (first is not None) and (not starts or rects[0][0] == first)
    for _, (y0, y1, in_y), (x0, x1, in_x) in rects:   # every cell read lies in the input
        assert 0 <= in_y and in_y + (y1 - y0 - 1) * stride < 7
        assert 0 <= in_x and in_x + (x1 - x0 - 1) * stride < 7
    backwards, whole = rectangles.rectangles(lay, backwards=True)
    assert sorted(backwards) == sorted(rects) and whole == back
    if whole:                                       # the first reads the input from its corner
        _, (y0, y1, in_y), (x0, x1, in_x) = backwards[0]
        assert (in_y, in_x, y1 - y0, x1 - x0) == (0, 0, 7, 7)


# ---- depthwise on the maps as they are: each tap a rectangle, nothing copied

def on_the_maps(monkeypatch):
    """Every depthwise call (not channels last) takes the maps route."""
    monkeypatch.setattr(depthwise_last, "channels_last", lambda lay: False)
    monkeypatch.setattr(depthwise_maps, "wide_rows", lambda lay: True)


@pytest.mark.parametrize("shape, kernel, stride, memory_format, route", [
    ((2, 32, 112, 112), 3, 1, torch.contiguous_format, "maps"),   # MobileNet's first layers
    ((8, 144, 56, 56), 3, 1, torch.contiguous_format, "maps"),
    ((2, 16, 20, 56), 3, 1, torch.contiguous_format, "maps"),     # rows, not maps, count
    ((2, 64, 28, 28), 3, 1, torch.contiguous_format, "maps gradients"),   # shorter rows
    ((8, 96, 28, 28), 3, 1, torch.contiguous_format, "maps"),     # ... of a large input
    ((2, 4, 28, 28), 3, 2, torch.contiguous_format, "flat"),      # short rows at a stride
    ((2, 16, 14, 14), 3, 1, torch.contiguous_format, "flat"),     # rows too short for both
    ((8, 192, 28, 28), 3, 1, torch.contiguous_format, "channels last"),   # 4 cells a channel
    ((2, 144, 56, 56), 5, 1, torch.contiguous_format, "flat"),    # too many taps
    ((2, 96, 112, 112), 3, 2, torch.contiguous_format, "maps"),   # at a stride too
    ((2, 144, 56, 56), 3, 2, torch.contiguous_format, "maps"),    # rows of the input count
    ((2, 96, 112, 112), 3, 3, torch.contiguous_format, "flat"),   # thrice the sums at 3
    ((2, 240, 28, 28), 3, 2, torch.contiguous_format, "channels last"),
    ((8, 960, 7, 7), 3, 1, torch.contiguous_format, "channels last"),
    ((2, 32, 112, 112), 3, 1, torch.channels_last, "channels-last maps"),
    ((2, 96, 112, 112), 3, 2, torch.channels_last, "channels last"),   # a stride
    ((2, 32, 112, 112), 5, 1, torch.channels_last, "channels last"),   # too many taps
    ((8, 960, 7, 7), 3, 1, torch.channels_last, "channels last"),      # rows too short
    ((2, 144, 56, 56), 3, 1, torch.channels_last, "channels last"),    # a long run already
])
def test_long_rows_of_a_small_depthwise_kernel_take_the_maps_route(
        shape, kernel, stride, memory_format, route):
    n, c, h, w = shape
    pad = kernel // 2
    x = torch.empty(shape, device="meta", memory_format=memory_format)
    conf = Conf((stride, stride), (1, 1), c, (h + 2 * pad, w + 2 * pad), (kernel, kernel),
                pad=(pad,) * 4)
    kernels = {"maps": depthwise_maps.MapKernels, "flat": depthwise.DepthwiseKernels,
               "channels last": depthwise_last.ChannelsLastKernels,
               "channels-last maps": depthwise_maps_last.LastMapKernels,
               "maps gradients": depthwise_maps.ShortRowKernels}[route]
    assert depthwise.route(x, depthwise._flat(x, c, c, conf)) is kernels


@given(padded_calls(c_in_group=1, max_size=9), st.integers(0, 3), st.integers(0, 3),
       st.integers(0, 3), st.integers(0, 3))
def test_depthwise_on_the_maps_adds_any_zero_padding_by_leaving_it_out(call, top, bottom,
                                                                        left, right):
    """Each tap reads only the output cells whose window it keeps inside the input, for any
    padding on each side, stride, dilation and channel multiplier (some taps then reach no
    output, or none reaches them all): PyTorch's numbers and gradients."""
    x, w, b, stride, dilation, groups = call
    padding = ((top, bottom), (left, right))
    with mock.patch.object(depthwise_last, "channels_last", lambda lay: False), \
            mock.patch.object(depthwise_maps, "wide_rows", lambda lay: True), \
            mock.patch.object(depthwise.DepthwiseKernels, "conv",
                              side_effect=AssertionError("the flat route ran")):
        assert_same_outputs_and_gradients(
            lambda *t: depthwise_conv2d(*t, stride, dilation, padding),
            lambda x, *t: F.conv2d(F.pad(x, (left, right, top, bottom)), *t, stride=stride,
                                   dilation=dilation, groups=groups),
            x, w, b)


@pytest.mark.parametrize("stride", [(1, 1), (2, 2), (1, 3)])
@pytest.mark.parametrize("padding, dilation", [(((1, 1), (1, 1)), (1, 1)),
                                               (((2, 1), (0, 3)), (1, 2))],
                         ids=["same: the middle tap starts every sum", "no tap reaches all"])
@pytest.mark.parametrize("multiplier", [1, 2])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_depthwise_on_the_maps_passes_every_autograd_check(monkeypatch, padding, dilation,
                                                          multiplier, dtype, stride):
    on_the_maps(monkeypatch)
    gen = torch.Generator().manual_seed(9)
    x = torch.randn(2, 3, 6, 7, dtype=dtype, generator=gen, requires_grad=True)
    w = torch.randn(3 * multiplier, 1, 3, 2, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(3 * multiplier, dtype=dtype, generator=gen, requires_grad=True)
    (top, bottom), (left, right) = padding
    fn = lambda *t: depthwise_conv2d(*t, stride, dilation, padding)  # noqa: E731
    ref = lambda x, *t: F.conv2d(F.pad(x, (left, right, top, bottom)), *t,  # noqa: E731
                                 stride=stride, dilation=dilation, groups=3)
    assert_every_autograd_check(fn, ref, x, w, b)


# ---- channels-last maps: the same rectangles, each tap's weights repeated along a row

def on_channels_last_maps(monkeypatch):
    """Every channels-last depthwise call at stride 1 with one output channel per input
    channel takes the channels-last maps route; the other channels-last kernels may not run."""
    monkeypatch.setattr(depthwise_maps_last, "channels_last_rows",
                        lambda lay: (lay.s_h, lay.s_w) == (1, 1) and lay.m == 1)
    monkeypatch.setattr(depthwise_last.ChannelsLastKernels, "conv",
                        mock.Mock(side_effect=AssertionError("the channels-last route ran")))


@given(padded_calls(c_in_group=1, max_size=9), st.integers(0, 3), st.integers(0, 3),
       st.integers(0, 3), st.integers(0, 3))
def test_channels_last_depthwise_on_the_maps_gives_pytorchs_numbers_for_any_padding(
        call, top, bottom, left, right):
    """Channels-last maps of any size, padding on each side and dilation: PyTorch's numbers
    and gradients, and the output channels last as PyTorch's is."""
    x, w, b, _, dilation, groups = call
    x, w, b = x.contiguous(memory_format=torch.channels_last), w[:groups], b
    assume(laid_out_channels_last(x))        # one channel, or one cell: PyTorch's default
    padding = ((top, bottom), (left, right))
    b = None if b is None else b[:groups]
    with pytest.MonkeyPatch.context() as patch:
        on_channels_last_maps(patch)
        got = depthwise_conv2d(x, w, b, (1, 1), dilation, padding)
        assert_same_outputs_and_gradients(
            lambda *t: depthwise_conv2d(*t, (1, 1), dilation, padding),
            lambda x, *t: F.conv2d(F.pad(x, (left, right, top, bottom)), *t,
                                   dilation=dilation, groups=groups),
            x, w, b)
    assert got.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("padding, dilation", [(((1, 1), (1, 1)), (1, 1)),
                                               (((2, 1), (0, 3)), (1, 2))],
                         ids=["same: the middle tap starts every sum", "no tap reaches all"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_channels_last_depthwise_on_the_maps_passes_every_autograd_check(monkeypatch, padding,
                                                                        dilation, dtype):
    on_channels_last_maps(monkeypatch)
    gen = torch.Generator().manual_seed(12)
    x = torch.randn(2, 3, 6, 7, dtype=dtype, generator=gen).contiguous(
        memory_format=torch.channels_last).requires_grad_()
    w = torch.randn(3, 1, 3, 2, dtype=dtype, generator=gen, requires_grad=True)
    b = torch.randn(3, dtype=dtype, generator=gen, requires_grad=True)
    (top, bottom), (left, right) = padding
    fn = lambda *t: depthwise_conv2d(*t, (1, 1), dilation, padding)  # noqa: E731
    ref = lambda x, *t: F.conv2d(F.pad(x, (left, right, top, bottom)), *t,  # noqa: E731
                                 dilation=dilation, groups=3)
    assert_every_autograd_check(fn, ref, x, w, b)


@pytest.mark.parametrize("route, stride, blocks, count", [
    ("maps", (1, 1), (depthwise_maps, "_blocks"), 3 * 4),
    ("maps", (2, 2), (depthwise_maps, "_blocks"), 3 * 4),
    ("channels-last maps", (1, 1), (depthwise_maps_last, "_sample_blocks"), 3)],
    ids=["maps", "maps at a stride", "channels-last maps, by samples"])
def test_depthwise_on_the_maps_taken_one_block_at_a_time_gives_the_same_numbers(
        monkeypatch, route, stride, blocks, count):
    """Blocks of one map each (one sample, channels last; a block bound of one byte):
    outputs and both gradients are still PyTorch's, the weight's gradient summed over the
    blocks of every sample."""
    (on_channels_last_maps if route == "channels-last maps" else on_the_maps)(monkeypatch)
    monkeypatch.setattr(cache, "block_bytes", lambda: 1)
    seen, cut = [], getattr(*blocks)
    monkeypatch.setattr(*blocks,
                        lambda lay, size: seen.append(len(cut(lay, size))) or cut(lay, size))
    outputs = 4 if route == "channels-last maps" else 8     # its channel multiplier is 1
    x, w, b = float64_tensors(11, (3, 4, 6, 7), (outputs, 1, 3, 3), (outputs,))
    if route == "channels-last maps":
        x = x.contiguous(memory_format=torch.channels_last)
    assert_same_outputs_and_gradients(
        lambda *t: depthwise_conv2d(*t, stride, (1, 2), ((1, 1), (2, 2))),
        lambda x, *t: F.conv2d(F.pad(x, (2, 2, 1, 1)), *t, stride=stride, dilation=(1, 2),
                               groups=4),
        x, w, b)
    assert seen and set(seen) == {count}                  # one block per map, every pass


class CopiesOf(torch.utils._python_dispatch.TorchDispatchMode):
    """Records the size of every tensor that an operation copies or pads."""
    COPYING = ("aten::copy_", "aten::clone", "aten::constant_pad_nd", "aten::_to_copy",
               "aten::cat", "aten::index")

    def __init__(self):
        super().__init__()
        self.sizes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func._schema.name in self.COPYING:
            self.sizes += [a.numel() for a in args if isinstance(a, torch.Tensor)]
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("maps", [True, False], ids=["maps", "flat"])
def test_depthwise_on_the_maps_copies_no_map_while_the_flat_route_copies_them(monkeypatch,
                                                                              maps):
    """The forward pass and the input's gradient read the input and the output gradient
    where they are: no copy as large as a map (the flat route pads the input into a buffer
    and cuts its wide grid back to size: copies of every map)."""
    monkeypatch.setattr(depthwise_last, "channels_last", lambda lay: False)
    monkeypatch.setattr(depthwise_maps, "wide_rows", lambda lay: maps)
    x, w = torch.randn(2, 4, 9, 30, requires_grad=True), torch.randn(4, 1, 3, 3)
    out = depthwise_conv2d(x.detach(), w, None, (1, 1), (1, 1), ((1, 1), (1, 1)))
    with CopiesOf() as forward:
        depthwise_conv2d(x.detach(), w, None, (1, 1), (1, 1), ((1, 1), (1, 1)))
    y = depthwise_conv2d(x, w, None, (1, 1), (1, 1), ((1, 1), (1, 1)))
    with CopiesOf() as backward:
        torch.autograd.grad(y, x, torch.ones_like(out))
    largest = max(forward.sizes + backward.sizes, default=0)
    assert (largest < 9 * 30) if maps else (largest >= 9 * 30)


@pytest.mark.parametrize("where", ["weight", "input", "output gradient"])
@pytest.mark.parametrize("padding", [((1, 1), (2, 0)), ((0, 2), (3, 0))],
                         ids=["a tap reads every output", "no tap does"])
@pytest.mark.parametrize("route, stride", [
    ("flat", 1), ("flat", 2), ("channels last", 1), ("channels last", 2), ("maps", 1),
    ("maps", 2), ("channels-last maps", 1), ("maps gradients", 1), ("maps gradients", 2)])
def test_infinities_give_pytorchs_infinities_and_nans_on_every_depthwise_route(monkeypatch,
                                                                             route, stride,
                                                                             padding, where):
    """PyTorch's float64 sums multiply the padding's zeros by the weights (forward) and by
    the output's gradient (the weight's gradient): NaN where those are infinite or NaN. And
    nothing more: an infinite input cell makes the outputs and weight gradients that read it
    infinite, not NaN, as does an infinite weight the input's gradient. No route may add a
    product PyTorch does not make (the flat route's cut-away columns hold zeros) or leave
    out one it makes (the maps route leaves out the padding)."""
    monkeypatch.setattr(depthwise_last, "channels_last", lambda lay: route == "channels last")
    monkeypatch.setattr(depthwise_maps, "wide_rows", lambda lay: route == "maps")
    monkeypatch.setattr(depthwise_maps_last, "channels_last_rows",
                        lambda lay: route == "channels-last maps")
    monkeypatch.setattr(depthwise_maps, "gradient_rows", lambda lay: route == "maps gradients")
    gen = torch.Generator().manual_seed(10)
    make = lambda *s: torch.randn(*s, dtype=torch.float64, generator=gen)  # noqa: E731
    x, w = make(2, 3, 7, 8), make(3, 1, 3, 3)
    if route == "channels-last maps":
        x = x.contiguous(memory_format=torch.channels_last)
    if where == "weight":
        w[0, 0, 0, 0], w[2, 0, 2, 1] = float("inf"), float("nan")
    if where == "input":
        x[0, 0, 3, 0], x[1, 2, 0, 7] = float("inf"), -float("inf")
    x.requires_grad_(), w.requires_grad_()
    (top, bottom), (left, right) = padding
    got = depthwise_conv2d(x, w, None, (stride, stride), (1, 1), padding)
    expected = F.conv2d(F.pad(x, (left, right, top, bottom)), w, stride=stride, groups=3)
    g = make(*expected.shape)
    if where == "output gradient":
        g[1, 1, 0, 0] = float("inf")
    torch.testing.assert_close(got, expected, equal_nan=True)
    torch.testing.assert_close(torch.autograd.grad(got, (x, w), g),
                               torch.autograd.grad(expected, (x, w), g), equal_nan=True)
    assert not torch.isfinite(torch.cat([expected.flatten(), w.flatten(), g.flatten()])).all()


# ---- im2col with the channels innermost: a channels-last layer's forward pass

LAID_OUT = {"input": (True, False), "weight": (False, True), "both": (True, True)}


def laid_out(which, x, w):
    """``x`` and ``w`` with the one(s) ``which`` names laid out channels last."""
    last = lambda t, yes: t.contiguous(memory_format=torch.channels_last) if yes else t  # noqa: E731
    return last(x, LAID_OUT[which][0]), last(w, LAID_OUT[which][1])


@st.composite
def one_group_calls(draw):
    """(x, weight, bias, stride, dilation, 1): one group, at least one sample, two channels
    and two cells a side (so that a channels-last layout can be told from the default)."""
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    sizes = [draw(st.integers(max(2, d * (kk - 1) + 1), 9)) for kk, d in zip(k, dilation)]
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    n, c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(2, 4)), draw(st.integers(1, 4))
    x = torch.randn(n, c_in, *sizes, generator=gen, dtype=dtype)
    w = torch.randn(c_out, c_in, *k, generator=gen, dtype=dtype)
    b = torch.randn(c_out, generator=gen, dtype=dtype) if draw(st.booleans()) else None
    return x, w, b, stride, dilation, 1


@given(one_group_calls(), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2),
       st.integers(0, 2), st.sampled_from(list(LAID_OUT)), st.integers(1, 2**16))
def test_a_channels_last_layer_is_one_product_of_channels_last_columns(call, top, bottom, left,
                                                                       right, which, bound):
    """An input or a weight laid out channels last (one group): the forward pass builds each
    window's columns from its cells' channels, with any zero padding on each side, stride,
    dilation and column bound, and gives PyTorch's numbers laid out as PyTorch's; the
    gradients (im2col's) are PyTorch's too. The numbers are PyTorch's float64 ones: its
    float32 weight gradient of a channels-last 1x1 layer at stride 2 with fewer than 8 input
    channels is wrong (oneDNN's 1x1 kernel for AVX2; 3.53 where float64 and convlab give
    5.19)."""
    x, w, b, stride, dilation, _ = call
    x, w = laid_out(which, x, w)
    assume(result_channels_last(x, w))     # a 1x1 kernel's channels are laid out either way
    padding = ((top, bottom), (left, right))
    forward = mock.patch.object(im2col_last, "forward", wraps=im2col_last.forward)
    with forward as spy:
        got = im2col_conv2d(x, w, b, stride, dilation, 1, bound, padding)
    expected = F.conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride, 0, dilation)
    assert spy.call_count == 1 and got.stride() == expected.stride()
    def in_float64(x, w, b):
        wide = [None if t is None else t.double() for t in (x, w, b)]
        return F.conv2d(F.pad(wide[0], (left, right, top, bottom)), *wide[1:], stride=stride,
                        dilation=dilation).to(x.dtype)
    assert_same_outputs_and_gradients(
        lambda *t: im2col_conv2d(*t, stride, dilation, 1, bound, padding), in_float64, x, w, b)


@pytest.mark.parametrize("which", list(LAID_OUT))
def test_a_channels_last_layer_passes_every_autograd_check(which):
    gen = torch.Generator().manual_seed(12)
    make = lambda *s: torch.randn(*s, dtype=torch.float64, generator=gen)  # noqa: E731
    x, w = laid_out(which, make(2, 3, 6, 5), make(4, 3, 3, 2))
    x, w, b = x.requires_grad_(), w.requires_grad_(), make(4).requires_grad_()
    fn = lambda *t: im2col_conv2d(*t, (2, 1), (1, 2), 1, padding=((1, 0), (2, 1)))  # noqa: E731
    ref = lambda x, *t: F.conv2d(F.pad(x, (2, 1, 1, 0)), *t, stride=(2, 1),  # noqa: E731
                                 dilation=(1, 2))
    assert_every_autograd_check(fn, ref, x, w, b)


@pytest.mark.parametrize("n, rows, row_bytes, bound", [
    (8, 7, 100, 10_000),      # whole samples: all 8 in one tile
    (8, 7, 100, 4_200),       # 6 fit: 4 + 4, not 6 + 2
    (8, 7, 100, 2_000),       # 2 samples a tile
    (5, 7, 100, 1_400),       # 5 samples, 2 fit: 2 + 2 + 1
    (2, 7, 100, 300),         # rows of one sample: 3 + 3 + 1
    (2, 7, 100, 1),           # one row a tile, at least
])
def test_channels_last_column_tiles_cover_every_row_once_within_the_bound(n, rows, row_bytes,
                                                                           bound):
    tiles = im2col_last._tiles(n, rows, row_bytes, bound)
    covered = [(s, r) for samples, cut in tiles for s in range(n)[samples]
               for r in range(rows)[cut]]
    assert sorted(covered) == [(s, r) for s in range(n) for r in range(rows)]
    sizes = [len(range(n)[samples]) * len(range(rows)[cut]) * row_bytes for samples, cut in tiles]
    assert all(size <= bound or size == row_bytes for size in sizes)
    whole = [len(range(n)[samples]) for samples, cut in tiles if cut == slice(0, rows)]
    assert not whole or max(whole) - min(whole) <= 1            # equal runs of samples


def test_a_wide_channels_last_3x3_layer_stays_on_winograds_route():
    """Where Winograd's route takes a layer (wide 3x3 at stride 1), it takes it channels last
    too: 2.25x fewer multiplications beat the channels-last columns there."""
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(2, 256, 28, 28, generator=gen).contiguous(memory_format=torch.channels_last)
    w = (torch.randn(256, 256, 3, 3, generator=gen) / 48).contiguous(
        memory_format=torch.channels_last)
    with mock.patch.object(winograd, "forward", wraps=winograd.forward) as wino, \
            mock.patch.object(im2col_last, "forward", wraps=im2col_last.forward) as columns, \
            torch.no_grad():
        got = conv2d_vectorized(x, w, padding=1)
    expected = F.conv2d(x, w, padding=1)
    assert (wino.call_count, columns.call_count) == (1, 0)
    torch.testing.assert_close(got, expected, **TOLERANCE[torch.float32])
    assert got.stride() == expected.stride()


def test_a_channels_last_weight_is_multiplied_as_it_is():
    """The weight ``(C_out, kH, kW, C_in)`` in memory is one matrix as it is: no copy of it
    (the default-layout product would transpose it to ``(C_out, C_in, kH, kW)`` first)."""
    x = torch.randn(2, 16, 7, 7).contiguous(memory_format=torch.channels_last)
    w = torch.randn(32, 16, 3, 3).contiguous(memory_format=torch.channels_last)
    with CopiesOf() as copies, torch.no_grad():
        conv2d_vectorized(x, w, padding=1)
    assert copies.sizes and w.numel() not in copies.sizes


def test_row_rule_follows_the_buffer_bound():
    x, w = torch.empty(1, 8, 5, 27_000, device="meta"), torch.empty(2, 8, 5, 5, device="meta")
    assert row_exceeds_buffer(x, w, (1, 1), (1, 1))
    assert not row_exceeds_buffer(x, w, (2, 2), (1, 1))          # half the columns fit
    assert not row_exceeds_buffer(x[..., :1000], w, (1, 1), (1, 1))



# ---- inputs that are not plain contiguous tensors

LAYOUTS = {
    "channels_last": lambda x: x.contiguous(memory_format=torch.channels_last),
    "transposed": lambda x: x.transpose(2, 3).contiguous().transpose(2, 3),
    "every other sample": lambda x: torch.stack([x, torch.zeros_like(x)], 1).flatten(0, 1)[::2],
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize("route", ROUTES.values(), ids=ROUTES.keys())
@pytest.mark.parametrize("padding", [0, 1])
def test_non_contiguous_tensors_give_pytorchs_output_and_gradients(layout, route, padding):
    x_shape, w_shape, groups, _ = route
    x = torch.randn(x_shape, dtype=torch.float64)
    w, b = torch.randn(w_shape, dtype=torch.float64), torch.randn(w_shape[0], dtype=torch.float64)
    kwargs = dict(stride=(1, 2), padding=padding, groups=groups)
    assert layout(x).stride() != x.stride() or x.shape[1] == 1  # 1 channel: same strides
    assert_same_outputs_and_gradients(                     # the weight laid out alike
        lambda x, w, b: conv2d_vectorized(layout(x), layout(w), b[::2], **kwargs),
        lambda x, w, b: reference_conv2d(layout(x), layout(w), b[::2], **kwargs),
        x, w, b.repeat_interleave(2))


# ---- the tiling itself

@given(st.integers(0, 4), st.integers(1, 6), st.integers(1, 6), st.integers(1, 64),
       st.integers(1, 2000), st.integers(1, 3), st.integers(1, 4))
def test_tiles_cover_every_output_position_once_within_the_bound(n, rows, cols, per_position,
                                                                 bound, groups, threads):
    """Any bound, any number of groups and threads sharing whole-sample tiles."""
    seen = torch.zeros(n, rows, cols, dtype=torch.int64)
    with mock.patch.object(torch, "get_num_threads", lambda: threads):
        cut = list(tiles(n, rows, cols, per_position, bound, groups))
    for samples, r, c in cut:
        block = seen[samples, r, c]
        assert block.numel() == 1 or block.numel() * per_position <= bound
        # a block is whole samples, or whole rows of one sample, or part of one row
        assert (r == slice(0, rows) and c == slice(0, cols)) or (
            samples.stop - samples.start == 1 and (c == slice(0, cols) or r.stop - r.start == 1))
        seen[samples, r, c] += 1
    assert bool((seen == 1).all())


def test_tiles_take_several_samples_when_they_fit_and_rows_when_they_do_not():
    assert list(tiles(5, 4, 4, 1, 32, 1)) == [(slice(0, 2), slice(0, 4), slice(0, 4)),
                                           (slice(2, 4), slice(0, 4), slice(0, 4)),
                                           (slice(4, 5), slice(0, 4), slice(0, 4))]
    assert list(tiles(1, 4, 4, 1, 8, 1)) == [(slice(0, 1), slice(0, 2), slice(0, 4)),
                                          (slice(0, 1), slice(2, 4), slice(0, 4))]
    assert list(tiles(1, 1, 4, 1, 3, 1)) == [(slice(0, 1), slice(0, 1), slice(0, 3)),
                                          (slice(0, 1), slice(0, 1), slice(3, 4))]
