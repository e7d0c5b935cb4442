"""col2im, the im2col route's input gradient: each tap's columns added back onto the cells
they came from; at a stride, on long output rows, into the gradient's phases (lesson 06)."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import convlab.conv.col2im as col2im
import convlab.conv.im2col as im2col
import convlab.conv.input_grad as input_grad
from convlab.conv.geometry import output_size
from convlab.conv.im2col import MAX_BUFFER_BYTES, Plan, im2col_conv2d
from convlab.conv.threads import tiles
from test_conv_paths import assert_every_autograd_check, assert_same_outputs_and_gradients

# stride, dilation, (top, bottom, left, right) padding: the phases of one or both dimensions,
# a dilated kernel whose taps fall in the same phase, padding beyond the kernel's reach
STRIDED = {
    "stride 2": ((2, 2), (1, 1), (1, 1, 1, 1)),
    "stride 2 x 1, dilation 2 along the columns": ((2, 1), (1, 2), (3, 0, 1, 2)),
    "stride 3 x 2, dilation 2 along the rows": ((3, 2), (2, 1), (0, 2, 2, 0)),
    "stride 1 x 3": ((1, 3), (1, 1), (1, 0, 0, 1)),
    "stride 2, padded before the route (other padding modes)": ((2, 2), (1, 1), (0, 0, 0, 0)),
}
# column bytes of one output position (2 groups x 2 channels x 3 x 3 taps x 8 bytes): the
# bound cuts the output into tiles of every sample, of whole rows, or of parts of a row
WINDOW = 2 * 2 * 3 * 3 * 8
TILINGS = {"all samples": MAX_BUFFER_BYTES, "whole rows": 16 * WINDOW, "part of a row": 2 * WINDOW}


def _layer(dtype=torch.float64, seed=3):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 4, 11, 13, dtype=dtype, generator=gen)
    w = torch.randn(6, 2, 3, 3, dtype=dtype, generator=gen)
    b = torch.randn(6, dtype=dtype, generator=gen)
    return x, w, b


def _reference(stride, dilation, pad):
    top, bottom, left, right = pad
    return lambda x, *t: F.conv2d(F.pad(x, (left, right, top, bottom)), *t, stride=stride,
                                  dilation=dilation, groups=2)


def _ours(stride, dilation, pad, bound=MAX_BUFFER_BYTES):
    top, bottom, left, right = pad
    return lambda *t: im2col_conv2d(*t, stride, dilation, 2, max_buffer_bytes=bound,
                                    padding=((top, bottom), (left, right)))


@pytest.mark.parametrize("samples_inside", [False, True], ids=["a product a sample",
                                                               "samples inside one product"])
@pytest.mark.parametrize("bound", TILINGS.values(), ids=TILINGS.keys())
@pytest.mark.parametrize("stride, dilation, pad", STRIDED.values(), ids=STRIDED.keys())
def test_col2im_into_the_phases_gives_pytorchs_input_gradient(monkeypatch, stride, dilation,
                                                              pad, bound, samples_inside):
    """Every tile's taps added into the phases, then the phases interleaved without the
    padding: the same input gradient as PyTorch's for any stride, dilation, padding and
    tiling, and the phases were used."""
    monkeypatch.setattr(col2im, "PHASE_ROW", 1)
    monkeypatch.setattr(input_grad, "applies", lambda *args: False)     # col2im, not a conv
    if samples_inside:
        monkeypatch.setattr(im2col, "ONE_MATRIX_ROWS", 1)
    used = []
    unphased = col2im._unphased
    monkeypatch.setattr(col2im, "_unphased", lambda *args: used.append(1) or unphased(*args))
    x, w, b = _layer()
    assert_same_outputs_and_gradients(_ours(stride, dilation, pad, bound),
                                      _reference(stride, dilation, pad), x, w, b)
    assert used


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_col2im_into_the_phases_passes_every_autograd_check(monkeypatch, dtype):
    """gradcheck with forward AD, double backward and vmap through the phases."""
    monkeypatch.setattr(col2im, "PHASE_ROW", 1)
    monkeypatch.setattr(input_grad, "applies", lambda *args: False)
    x, w, b = (t.requires_grad_() for t in _layer(dtype, seed=4))
    stride, dilation, pad = STRIDED["stride 2 x 1, dilation 2 along the columns"]
    assert_every_autograd_check(_ours(stride, dilation, pad), _reference(stride, dilation, pad),
                                x, w, b)


@pytest.mark.parametrize("in_size, stride, phased", [
    ((58, 58), (2, 2), True),     # output rows of 28
    ((114, 58), (2, 1), True),    # 56 columns at stride 1 along them, rows at 2
    ((30, 30), (2, 2), False),    # output rows of 14
    ((58, 58), (1, 1), False),    # no stride: every tap's cells are a run already
])
def test_phases_are_taken_at_a_stride_on_output_rows_of_28_and_more(in_size, stride, phased):
    meta = lambda *shape: torch.empty(shape, device="meta")  # noqa: E731
    plan = Plan(meta(8, 64, *in_size), meta(64, 16, 3, 3), stride, (1, 1), 4, MAX_BUFFER_BYTES)
    assert col2im.phased(plan) is phased


@pytest.mark.parametrize("stride, dilation, pad", STRIDED.values(), ids=STRIDED.keys())
def test_the_tilings_above_cut_every_layer_as_they_say(stride, dilation, pad):
    top, bottom, left, right = pad
    rows, cols = (output_size(size, 3, s, 0, d) for size, s, d in
                  zip((11 + top + bottom, 13 + left + right), stride, dilation))
    kinds = []
    for bound in TILINGS.values():
        cut = list(tiles(2, rows, cols, WINDOW, bound, 2))
        kinds.append("samples" if len(cut) == 1 else
                     "rows" if all(c == slice(0, cols) for _, _, c in cut) else "part of a row")
    assert kinds == ["samples", "rows", "part of a row"]
