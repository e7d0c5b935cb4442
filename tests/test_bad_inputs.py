"""Bad input gets exactly PyTorch's complaint: same exception type, same message.

Each row is run through PyTorch (F.conv2d, or nn.Conv2d when padding_mode is involved) at test
time and through both implementations; nothing here types out an expected message.
"""
from __future__ import annotations

import pytest
import torch

from convlab import conv2d_naive, conv2d_vectorized
from convlab.conv import validation
from torch_reference import outcome, reference_conv2d

x = torch.randn(2, 4, 6, 6)
w = torch.randn(6, 4, 3, 3)
w_g2 = torch.randn(6, 2, 3, 3)

# name: (input, weight, bias, keyword arguments)
BAD_CALLS = {
    "input 2D": (torch.randn(6, 6), w, None, {}),
    "input 5D": (torch.randn(1, 2, 4, 6, 6), w, None, {}),
    "channels do not match weight": (torch.randn(2, 3, 6, 6), w, None, {}),
    "unbatched channels do not match": (torch.randn(3, 6, 6), w, None, {}),
    "channels do not match weight x groups": (x, torch.randn(4, 2, 3, 3), None, {"groups": 4}),
    "groups zero": (x, w, None, {"groups": 0}),
    "groups negative": (x, w, None, {"groups": -1}),
    "groups do not divide out_channels": (x, torch.randn(5, 2, 3, 3), None, {"groups": 2}),
    "groups larger than out_channels": (torch.randn(2, 12, 6, 6), torch.randn(2, 4, 3, 3), None,
                                        {"groups": 3}),
    "groups do not divide in_channels": (torch.randn(2, 5, 6, 6), w_g2, None, {"groups": 2}),
    "kernel larger than input": (x, torch.randn(6, 4, 7, 7), None, {}),
    "dilated kernel larger than input": (x, w, None, {"dilation": 3}),
    "dilated kernel larger than padded input": (x, w, None, {"dilation": (4, 1), "padding": 1}),
    "kernel larger than unbatched input": (x[0], w, None, {"dilation": 3}),
    "stride zero": (x, w, None, {"stride": 0}),
    "stride negative": (x, w, None, {"stride": (1, -1)}),
    "padding negative": (x, w, None, {"padding": -1}),
    "padding pair negative": (x, w, None, {"padding": (0, -2)}),
    "dilation zero": (x, w, None, {"dilation": 0}),
    "dilation pair zero": (x, w, None, {"dilation": (1, 0)}),
    "padding string capitalised": (x, w, None, {"padding": "Same"}),
    "padding string unknown": (x, w, None, {"padding": "full"}),
    "same with stride 2": (x, w, None, {"padding": "same", "stride": 2}),
    "same with stride (1, 2)": (x, w, None, {"padding": "same", "stride": (1, 2)}),
    "stride of three values": (x, w, None, {"stride": (1, 1, 1)}),
    "padding of three values": (x, w, None, {"padding": (1, 1, 1)}),
    "weight 3D": (x, torch.randn(6, 4, 3), None, {}),
    "bias wrong size": (x, w, torch.randn(5), {}),
    "bias 2D": (x, w, torch.randn(6, 1), {}),
    "input double, weight float": (x.double(), w, None, {}),
    "input float, weight double": (x, w.double(), None, {}),
    "bias double": (x, w, torch.randn(6).double(), {}),
    "input double, bias float": (x.double(), w.double(), torch.randn(6), {}),
    "several faults: negative padding first": (torch.randn(2, 3, 6, 6), w, None, {"padding": -1}),
    "several faults: stride before dilation": (x, w, None, {"stride": 0, "dilation": 0}),
    "several faults: bias dtype before channels": (torch.randn(2, 3, 6, 6), w,
                                                   torch.randn(6).double(), {}),
    # nn.Conv2d's own checks, then F.pad's, when padding_mode is involved
    "padding_mode unknown": (x, w, None, {"padding": 1, "padding_mode": "mirror"}),
    "padding_mode capitalised": (x, w, None, {"padding": 1, "padding_mode": "Reflect"}),
    "padding_mode with groups zero": (x, w, None, {"padding_mode": "reflect", "groups": 0}),
    "padding_mode with groups not dividing out": (x, torch.randn(5, 2, 3, 3), None,
                                                  {"padding_mode": "circular", "groups": 2}),
    "padding_mode with bad padding string": (x, w, None, {"padding": "Same",
                                                          "padding_mode": "reflect"}),
    "padding_mode with same and stride": (x, w, None, {"padding": "same", "stride": 2,
                                                       "padding_mode": "replicate"}),
    "reflect padding equal to width": (x, w, None, {"padding": 6, "padding_mode": "reflect"}),
    "reflect padding equal to height": (x, w, None, {"padding": (6, 1),
                                                     "padding_mode": "reflect"}),
    "reflect padding too big, unbatched": (x[0], w, None, {"padding": 7,
                                                           "padding_mode": "reflect"}),
    "reflect same on a 1x1 input": (torch.randn(1, 4, 1, 1), w, None,
                                    {"padding": "same", "padding_mode": "reflect"}),
    "circular padding wraps twice": (x, w, None, {"padding": 7, "padding_mode": "circular"}),
    "circular padding wraps twice in height": (x, w, None, {"padding": (7, 1),
                                                            "padding_mode": "circular"}),
    "reflect on a 2D input": (torch.randn(6, 6), w, None, {"padding": 1,
                                                          "padding_mode": "reflect"}),
    "replicate on a 5D input": (torch.randn(1, 1, 4, 6, 6), w, None,
                                {"padding": 1, "padding_mode": "replicate"}),
    "replicate on an empty row": (torch.randn(1, 4, 0, 6), w, None,
                                  {"padding": 1, "padding_mode": "replicate"}),
    "reflect then channels do not match": (torch.randn(2, 3, 6, 6), w, None,
                                           {"padding": 1, "padding_mode": "reflect"}),
    "reflect then stride zero": (x, w, None, {"padding": 1, "stride": 0,
                                             "padding_mode": "reflect"}),
    "reflect then dtype mismatch": (x.double(), w, torch.randn(6), {"padding": 1,
                                                                    "padding_mode": "reflect"}),
    "circular then kernel larger than input": (torch.randn(1, 4, 2, 2), torch.randn(6, 4, 5, 5),
                                               None, {"padding": 1, "padding_mode": "circular"}),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
@pytest.mark.parametrize("fn", [conv2d_naive, conv2d_vectorized], ids=lambda f: f.__name__)
def test_bad_input_raises_pytorchs_exception_and_message(fn, call):
    x_, w_, b_, kwargs = call
    expected_type, expected_message = outcome(reference_conv2d, x_, w_, b_, **kwargs)
    assert expected_type != "ok", "this row is meant to be an input PyTorch rejects"
    got_type, got_message = outcome(fn, x_, w_, b_, **kwargs)
    assert got_type is expected_type
    assert got_message == expected_message


# ---- the same mistake on every backend: PyTorch words it by batch size, dtype and layout

def _other(dtype):
    return torch.float64 if dtype == torch.float32 else torch.float32


MISTAKES = {   # name: (input, weight, bias, kwargs) -> the same, with one thing wrong
    "dilation zero": lambda x, w, b: (x, w, b, {"dilation": 0}),
    "dilation pair with zero": lambda x, w, b: (x, w, b, {"dilation": (1, 0)}),
    "dilation negative": lambda x, w, b: (x, w, b, {"dilation": -1}),
    "dilation (-1,)": lambda x, w, b: (x, w, b, {"dilation": (-1,)}),
    "dilation zero, kernel too big": lambda x, w, b: (x, w.new_zeros(6, 4, 7, 7), b,
                                                      {"dilation": 0}),
    "dilation zero, 5x5 kernel": lambda x, w, b: (x, w.new_zeros(6, 4, 5, 5), b,
                                                  {"dilation": 0}),
    "dilation zero, 1x1 kernel": lambda x, w, b: (x, w[..., :1, :1], b, {"dilation": 0}),
    "dilation zero, grouped": lambda x, w, b: (x, w[:, :2], b, {"dilation": 0, "groups": 2}),
    "weight of another dtype": lambda x, w, b: (x, w.to(_other(x.dtype)), b, {}),
    "weight float16": lambda x, w, b: (x, w.half(), b, {}),
    "weight int64": lambda x, w, b: (x, w.long(), b, {}),
    "weight complex64": lambda x, w, b: (x, w.to(torch.complex64), b, {}),
    "weight bfloat16": lambda x, w, b: (x, w.bfloat16(), b, {}),
    "bias of another dtype": lambda x, w, b: (x, w, b.to(_other(x.dtype)), {}),
    "bias int64": lambda x, w, b: (x, w, b.long(), {}),
    "bias complex128": lambda x, w, b: (x, w, b.to(torch.complex128), {}),
    "stride zero": lambda x, w, b: (x, w, b, {"stride": 0}),
    "groups zero": lambda x, w, b: (x, w, b, {"groups": 0}),
    "channels do not match": lambda x, w, b: (x[:, :3], w, b, {}),
    "kernel larger than input": lambda x, w, b: (x[..., :2, :2], w, b, {}),
    "3-d weight, padding 'same'": lambda x, w, b: (x, w[..., 0], b, {"padding": "same"}),
    "3-d weight, padding 'valid'": lambda x, w, b: (x, w[..., 0], b, {"padding": "valid"}),
    "5-d weight, padding 'same'": lambda x, w, b: (x, w.unsqueeze(-1), b, {"padding": "same"}),
}
LAYOUTS = {
    "contiguous": lambda t: t,
    "channels_last": lambda t: t.contiguous(memory_format=torch.channels_last),
    "non-contiguous": lambda t: t.transpose(2, 3),
}


@pytest.mark.parametrize("onednn", [True, False], ids=["oneDNN on", "oneDNN off"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("batch", [1, 2, 0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16,
                                   torch.complex64], ids=str)
def test_every_mistake_is_worded_as_pytorch_words_it_for_this_input(dtype, batch, layout,
                                                                    onednn):
    """With oneDNN on, PyTorch sends some calls to it (float32 by shape; bfloat16 and float16
    on processors that run them there), which words mistakes its own way; with it off, every
    call meets PyTorch's own kernels. Either way the words are PyTorch's on this machine."""
    x = LAYOUTS[layout](torch.randn(batch, 4, 5, 5).to(dtype))
    w, b = torch.randn(6, 4, 3, 3).to(dtype), torch.randn(6).to(dtype)
    for name, mistake in MISTAKES.items():
        call = mistake(x, w, b)
        with torch.backends.mkldnn.flags(enabled=onednn):
            expected = outcome(reference_conv2d, *call[:3], **call[3])
        for fn in (conv2d_naive, conv2d_vectorized):
            with torch.backends.mkldnn.flags(enabled=onednn):
                got = outcome(fn, *call[:3], **call[3])
            assert got[0] is expected[0], (name, fn.__name__, got, expected)
            if expected[0] == "ok":
                assert got[1].shape == expected[1].shape, (name, fn.__name__)
                assert got[1].dtype == expected[1].dtype, (name, fn.__name__)
            else:
                assert got[1] == expected[1], (name, fn.__name__)


# ---- checks that passed are remembered; remembering never lets a mistake through

# name: (a good call, then the call made after it: same shapes, one thing different)
REMEMBERED = {
    "stride 2.0 after 2": ({"stride": 2}, {"stride": 2.0}),
    "stride True after 1": ({"stride": 1}, {"stride": True}),
    "padding (1, 1.0) after (1, 1)": ({"padding": (1, 1)}, {"padding": (1, 1.0)}),
    "dilation [1, 2] after (1, 2)": ({"dilation": (1, 2)}, {"dilation": [1, 2]}),
    "padding 'Same' after 'same'": ({"padding": "same"}, {"padding": "Same"}),
    "groups 2 after 1": ({}, {"groups": 2}),
    "stride 0 after 1": ({"stride": 1}, {"stride": 0}),
}


@pytest.mark.parametrize("good, then", REMEMBERED.values(), ids=REMEMBERED.keys())
def test_a_call_checked_before_changes_nothing_about_the_next(good, then):
    """conv2d_vectorized remembers calls that passed its checks (by shapes, dtypes and plain
    arguments); a call that differs in anything, even an argument's type, gets the outcome it
    gets when nothing is remembered, and a mistake raises again each time."""
    validation._PASSED.clear()
    fresh = outcome(conv2d_vectorized, x, w, None, **then)
    assert outcome(conv2d_vectorized, x, w, None, **good)[0] == "ok"
    after = outcome(conv2d_vectorized, x, w, None, **then)
    again = outcome(conv2d_vectorized, x, w, None, **then)
    assert after[0] is fresh[0] and again[0] is fresh[0]
    if fresh[0] == "ok":
        torch.testing.assert_close(after[1], fresh[1])
    else:
        assert after[1] == again[1] == fresh[1]


def test_a_bias_or_dtype_that_changes_after_a_good_call_is_checked_again():
    validation._PASSED.clear()
    assert outcome(conv2d_vectorized, x, w, torch.randn(6))[0] == "ok"
    for args in ((x, w, torch.randn(6).double()), (x, w, torch.randn(5)), (x.double(), w, None),
                 (x[:, :3], w, None)):
        expected = outcome(reference_conv2d, *args)
        assert expected[0] != "ok"
        assert outcome(conv2d_vectorized, *args) == expected
