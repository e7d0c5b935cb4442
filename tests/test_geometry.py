"""The geometry formulas agree with what PyTorch actually does.

Output size against real output shapes, 'same' padding against nn.Conv2d's own padding amounts,
which cells a window reads against a one-tap convolution, padding modes against F.pad.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from convlab.conv.geometry import (geometry, output_size, padded_index, reached_taps,
                                   same_padding, unused_cells)


@given(size=st.integers(1, 40), kernel=st.integers(1, 6), stride=st.integers(1, 4),
       padding=st.integers(0, 3), dilation=st.integers(1, 3))
def test_output_size_is_the_length_pytorch_produces(size, kernel, stride, padding, dilation):
    span = dilation * (kernel - 1) + 1
    assume(size + 2 * padding >= span)  # PyTorch rejects the rest; see test_bad_inputs
    out = F.conv2d(torch.zeros(1, 1, size, 1), torch.zeros(1, 1, kernel, 1),
                   stride=(stride, 1), padding=(padding, 0), dilation=(dilation, 1))
    assert output_size(size, kernel, stride, padding, dilation) == out.shape[2]
    # The cells the floor leaves unread: everything past the last window's end.
    last_window_end = (out.shape[2] - 1) * stride + span
    assert unused_cells(size, kernel, stride, padding, dilation) == size + 2 * padding - last_window_end


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("dilation", [1, 2, 3])
def test_same_padding_splits_like_nn_conv2d(kernel, dilation):
    """Odd totals put the extra cell after (bottom/right), as PyTorch does."""
    layer = nn.Conv2d(1, 1, (kernel, 1), padding="same", dilation=(dilation, 1),
                      padding_mode="reflect")
    # F.pad order: (left, right, top, bottom)
    top, bottom = layer._reversed_padding_repeated_twice[2:]
    assert same_padding(kernel, dilation) == (top, bottom)


def test_same_padding_keeps_the_size_pytorch_keeps():
    x = torch.zeros(1, 1, 9, 8)
    out = F.conv2d(x, torch.zeros(1, 1, 4, 3), padding="same", dilation=(1, 2))
    g = geometry((9, 8), (4, 3), padding="same", dilation=(1, 2))
    assert g.out_size == tuple(out.shape[2:]) == (9, 8)


@given(h=st.integers(3, 9), w=st.integers(3, 9), kh=st.integers(1, 3), kw=st.integers(1, 3),
       sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2), dw=st.integers(1, 2),
       ph=st.integers(0, 2), pw=st.integers(0, 2), data=st.data())
def test_window_lists_the_cells_each_kernel_tap_reads(h, w, kh, kw, sh, sw, dh, dw, ph, pw, data):
    g = geometry((h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw))
    assume(min(g.out_size) >= 1)
    padded = F.pad(torch.arange(h * w, dtype=torch.float64).view(1, 1, h, w) + 1,
                   (pw, pw, ph, ph))
    tap = data.draw(st.integers(0, kh * kw - 1))
    one_hot = torch.zeros(1, 1, kh, kw, dtype=torch.float64)
    one_hot.view(-1)[tap] = 1.0
    picked = F.conv2d(padded, one_hot, stride=(sh, sw), dilation=(dh, dw))[0, 0]
    r = data.draw(st.integers(0, g.out_size[0] - 1))
    c = data.draw(st.integers(0, g.out_size[1] - 1))
    row, col = g.window(r, c)[tap]
    assert picked[r, c] == padded[0, 0, row, col]


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("size,before,after", [(5, 2, 2), (4, 3, 1), (3, 1, 2), (6, 0, 3)])
def test_padded_index_reads_the_cell_f_pad_copies(mode, size, before, after):
    x = torch.arange(1, size + 1, dtype=torch.float64).view(1, 1, size)
    torch_mode = "constant" if mode == "zeros" else mode
    padded = F.pad(x, (before, after), mode=torch_mode)[0, 0].tolist()
    ours = []
    for i in range(size + before + after):
        source = padded_index(i, size, before, mode)
        ours.append(0.0 if source is None else x[0, 0, source].item())
    assert ours == padded


def test_reached_taps_give_the_same_convolution_and_drop_only_taps_that_read_padding():
    """Every small zero-padded axis: the kept taps on the kept cells, with the kept padding,
    are F.conv2d's convolution of the whole padded axis, and each dropped tap lands on padding
    at every output position."""
    gen = torch.Generator().manual_seed(0)
    for size in range(1, 7):
        for kernel in range(1, 5):
            for stride in range(1, 4):
                for dilation in range(1, 4):
                    for before in range(0, 5):
                        for after in range(0, 5):
                            out = output_size(size, kernel, stride, (before, after), dilation)
                            if out < 1:
                                continue
                            r = reached_taps(size, kernel, stride, (before, after), dilation)
                            x = torch.randn(1, 1, 1, size, generator=gen, dtype=torch.float64)
                            w = torch.randn(1, 1, 1, kernel, generator=gen, dtype=torch.float64)
                            whole = F.conv2d(F.pad(x, (before, after)), w, stride=(1, stride),
                                             dilation=(1, dilation))
                            kept = F.conv2d(F.pad(x[..., r.cells.start:r.cells.stop], r.padding),
                                            w[..., r.taps.start:r.taps.stop],
                                            stride=(1, stride), dilation=(1, dilation))
                            torch.testing.assert_close(kept, whole, rtol=0, atol=1e-12)
                            for tap in set(range(kernel)) - set(r.taps):
                                reads = {y * stride + tap * dilation - before for y in range(out)}
                                assert all(c < 0 or c >= size for c in reads), (size, kernel, tap)


def test_a_dilated_3x3_with_as_much_padding_on_a_small_map_reads_with_its_middle_tap_only():
    # DeepLab's atrous rates on a 28x28 map: at dilation 36 only the middle tap reaches it
    assert reached_taps(28, 3, 1, (36, 36), 36).taps == range(1, 2)
    assert reached_taps(28, 3, 1, (36, 36), 36).padding == (0, 0)
    assert reached_taps(28, 3, 1, (24, 24), 24).taps == range(0, 3)
    assert reached_taps(1, 3, 1, (1, 1), 1).taps == range(1, 2)      # a 3x3 on a 1x1 map
