"""Both implementations give PyTorch's output for every argument form Conv2d accepts.

Property-based: hypothesis draws whole Conv2d calls (groups, kernel, stride, padding as int,
pair, 'same' or 'valid', dilation, padding_mode, bias, batched or not, float32/float64) and every
result is compared with F.conv2d / nn.Conv2d run on the same tensors.
"""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st
from torch._prims_common import suggest_memory_format
from torch.func import jvp

from convlab import conv2d_naive, conv2d_vectorized
from convlab.conv.layout import laid_out_channels_last
from torch_reference import LAYOUTS, TOLERANCE, reference_conv2d

IMPLEMENTATIONS = [conv2d_naive, conv2d_vectorized]


@st.composite
def conv_calls(draw, max_size: int = 9, max_channels: int = 3):
    """A valid Conv2d call: (input, weight, bias, kwargs), sized so the naive loops stay quick."""
    groups = draw(st.integers(1, 3))
    c_in_g = draw(st.integers(1, max_channels))
    c_out_g = draw(st.integers(1, max_channels))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    padding_kind = draw(st.sampled_from(["int", "pair", "same", "valid"]))
    if padding_kind == "same":
        stride, padding = (1, 1), "same"
        pads = [(d * (k - 1)) - (d * (k - 1)) // 2 for k, d in zip(kernel, dilation)]
    else:
        stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        if padding_kind == "valid":
            padding, pads = "valid", [0, 0]
        elif padding_kind == "int":
            padding = draw(st.integers(0, 3))
            pads = [padding, padding]
        else:
            padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
            pads = list(padding)
    sizes = []
    for axis in (0, 1):
        span = dilation[axis] * (kernel[axis] - 1) + 1
        smallest = max(1, span - 2 * pads[axis])
        if mode == "reflect":
            smallest = max(smallest, pads[axis] + 1)
        elif mode == "circular":
            smallest = max(smallest, pads[axis])
        sizes.append(draw(st.integers(smallest, max(smallest, max_size))))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    batched = draw(st.booleans())
    batch = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**31 - 1))
    gen = torch.Generator().manual_seed(seed)
    shape = (batch, groups * c_in_g, *sizes) if batched else (groups * c_in_g, *sizes)
    x = torch.randn(shape, generator=gen, dtype=dtype)
    w = torch.randn(groups * c_out_g, c_in_g, *kernel, generator=gen, dtype=dtype)
    b = torch.randn(groups * c_out_g, generator=gen, dtype=dtype) if draw(st.booleans()) else None
    # PyTorch accepts int or pair for stride and dilation too; use both forms.
    as_int = draw(st.booleans())
    kwargs = dict(stride=stride[0] if as_int and stride[0] == stride[1] else stride,
                  padding=padding,
                  dilation=dilation[0] if as_int and dilation[0] == dilation[1] else dilation,
                  groups=groups, padding_mode=mode)
    return x, w, b, kwargs


def assert_same_as_pytorch(fn, x, w, b, kwargs):
    expected = reference_conv2d(x, w, b, **kwargs)
    got = fn(x, w, b, **kwargs)
    assert got.shape == expected.shape
    assert got.dtype == x.dtype and got.device == x.device
    torch.testing.assert_close(got, expected, **TOLERANCE[x.dtype])


@given(conv_calls())
def test_naive_matches_pytorch_on_any_valid_call(call):
    assert_same_as_pytorch(conv2d_naive, *call)


@given(conv_calls(max_size=14, max_channels=4))
def test_vectorized_matches_pytorch_on_any_valid_call(call):
    assert_same_as_pytorch(conv2d_vectorized, *call)


@given(conv_calls(max_size=10))
def test_vectorized_gradients_match_pytorch(call):
    x, w, b, kwargs = call
    ours = [t.clone().requires_grad_() if t is not None else None for t in (x, w, b)]
    theirs = [t.clone().requires_grad_() if t is not None else None for t in (x, w, b)]
    out = conv2d_vectorized(*ours, **kwargs)
    upstream = torch.randn_like(out)
    (out * upstream).sum().backward()
    (reference_conv2d(*theirs, **kwargs) * upstream).sum().backward()
    for mine, ref in zip(ours, theirs):
        if mine is not None:
            torch.testing.assert_close(mine.grad, ref.grad, **TOLERANCE[x.dtype])


@settings(max_examples=25)
@given(conv_calls(max_size=6, max_channels=2))
def test_vectorized_second_derivatives_and_jvp_match_pytorch(call):
    """Forward-mode AD and a gradient of the gradient (what gradient penalties and
    Hessian-vector products use) on any valid call, against F.conv2d's."""
    x, w, b, kwargs = call
    x, w = x.double(), w.double()
    b = b.double() if b is not None else None

    def second(conv):
        xs, ws = x.clone().requires_grad_(), w.clone().requires_grad_()
        out = conv(xs, ws, b, **kwargs)
        gx, gw = torch.autograd.grad((out ** 2).sum(), (xs, ws), create_graph=True)
        penalty = (gx ** 2).sum() + (gw * torch.cos(ws)).sum()
        tangent = jvp(lambda x, w: conv(x, w, b, **kwargs), (x, w), (x.flip(-1), w.flip(-1)))[1]
        return [*torch.autograd.grad(penalty, (xs, ws)), tangent]

    torch.testing.assert_close(second(conv2d_vectorized), second(reference_conv2d),
                               **TOLERANCE[torch.float64])


def test_vectorized_passes_autograd_gradcheck():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 6, 5, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(6, 2, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, generator=gen, requires_grad=True)
    for mode in ["zeros", "reflect", "replicate", "circular"]:
        assert torch.autograd.gradcheck(
            lambda *t: conv2d_vectorized(*t, stride=(2, 1), padding=1, dilation=(1, 2), groups=2,
                                         padding_mode=mode), (x, w, b))


# (input shape, weight shape, keyword arguments): one per route, and sizes of 1 that make a
# layout ambiguous (one channel, one cell, one sample)
LAYOUT_CALLS = {
    "dense": ((2, 4, 6, 5), (6, 4, 3, 3), dict(padding=1)),
    "wide 3x3 (Winograd)": ((1, 64, 6, 6), (64, 64, 3, 3), dict(padding=1)),
    "grouped, strided": ((2, 4, 7, 7), (6, 2, 3, 3), dict(groups=2, stride=2)),
    "depthwise": ((2, 4, 9, 9), (4, 1, 3, 3), dict(groups=4, padding=1)),
    "depthwise, many channels": ((2, 48, 3, 3), (48, 1, 3, 3), dict(groups=48, padding=1)),
    "pointwise": ((2, 4, 5, 5), (6, 4, 1, 1), {}),
    "taps on padding only": ((2, 4, 5, 5), (6, 4, 3, 3), dict(padding=4, dilation=4)),
    "reflect": ((2, 4, 5, 5), (6, 4, 3, 3), dict(padding=1, padding_mode="reflect")),
    "one output channel": ((2, 4, 5, 5), (1, 4, 3, 3), dict(padding=1)),
    "one cell": ((2, 4, 1, 1), (6, 4, 1, 1), {}),
    "one sample": ((1, 4, 5, 5), (6, 4, 3, 3), {}),
    "unbatched": ((4, 5, 5), (6, 4, 3, 3), {}),
    "empty batch": ((0, 4, 5, 5), (6, 4, 3, 3), {}),
}


@given(st.lists(st.integers(0, 3), min_size=4, max_size=4), st.permutations(range(4)),
       st.integers(1, 2))
def test_channels_last_is_read_from_the_strides_as_pytorch_reads_it(sizes, order, step):
    """Against PyTorch's own reading (``suggest_memory_format``): any sizes, including 0 and
    1, of any permuted layout, every other element or all of them."""
    t = torch.empty(sizes).permute(*order)[..., ::step]
    expected = suggest_memory_format(t) == torch.channels_last
    assert laid_out_channels_last(t) is expected


@pytest.mark.parametrize("call", LAYOUT_CALLS.values(), ids=LAYOUT_CALLS.keys())
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.complex128,
                                   torch.bfloat16], ids=str)
def test_vectorized_lays_out_its_output_as_pytorch_does(call, dtype):
    """F.conv2d returns a channels-last result when its input or weight is laid out so (a
    model moved with ``.to(memory_format=torch.channels_last)``), the default layout
    otherwise; the next layer reads that layout, and ``.view`` works only on the right one.
    The input's gradient is laid out alike (the layer before reads it: batch norm's backward
    is several times slower on another layout). Strides are compared in full, the size-1
    dimensions' too."""
    x_shape, w_shape, kwargs = call
    gen = torch.Generator().manual_seed(len(x_shape) + w_shape[0])
    x0 = torch.randn(x_shape, generator=gen, dtype=torch.float64).to(dtype)
    w0 = torch.randn(w_shape, generator=gen, dtype=torch.float64).to(dtype)
    for (x_name, x_layout), (w_name, w_layout) in itertools.product(LAYOUTS.items(), repeat=2):
        x, w = x_layout(x0).requires_grad_(), w_layout(w0)
        expected, got = reference_conv2d(x, w, **kwargs), conv2d_vectorized(x, w, **kwargs)
        assert got.stride() == expected.stride(), (x_name, w_name)
        torch.testing.assert_close(got, expected, **TOLERANCE.get(dtype.to_real(), {}))
        upstream = torch.ones_like(expected)        # laid out as the output
        (grad_expected,), (grad_got,) = (torch.autograd.grad(out, x, upstream)
                                         for out in (expected, got))
        assert grad_got.stride() == grad_expected.stride(), (x_name, w_name, "input's gradient")


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=lambda f: f.__name__)
def test_depthwise_convolution_with_channel_multiplier(fn):
    """groups = in_channels and out_channels = K * in_channels (lesson 03)."""
    x = torch.randn(2, 3, 8, 8)
    layer = nn.Conv2d(3, 2 * 3, 3, padding=1, groups=3)
    torch.testing.assert_close(fn(x, layer.weight, layer.bias, padding=1, groups=3), layer(x),
                               **TOLERANCE[torch.float32])


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=lambda f: f.__name__)
def test_empty_batch_gives_empty_output_of_pytorch_shape(fn):
    x, w = torch.randn(0, 4, 6, 6), torch.randn(6, 2, 3, 3)
    assert fn(x, w, groups=2).shape == reference_conv2d(x, w, groups=2).shape


EMPTY_INPUTS = {"no samples": (0, 2, 5, 5), "no channels": (2, 0, 5, 5),
                "neither": (0, 0, 5, 5), "unbatched, no channels": (0, 5, 5)}
DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
          torch.complex128]


def _empty_call_outcome(fn, shape, x_dtype, w_dtype, bias, grad, mode):
    """What one call on an empty input gives: the error, or the result's dtype, shape and
    strides with each gradient's dtype, shape and size (all zero)."""
    x = torch.zeros(shape, dtype=x_dtype, requires_grad=grad)
    w = torch.zeros(3, shape[-3], 3, 3, dtype=w_dtype, requires_grad=grad)
    b = torch.zeros(3, dtype=x_dtype, requires_grad=grad) if bias else None
    try:
        out = fn(x, w, b, padding=1, padding_mode=mode)
        found = (out.dtype, out.shape, out.stride())
        if grad:
            loss = out.sum().real if out.is_complex() else out.sum()
            grads = torch.autograd.grad(loss, [t for t in (x, w, b) if t is not None])
            found += tuple((g.dtype, g.shape, g.abs().sum().item()) for g in grads)
        return found
    except Exception as error:  # noqa: BLE001 - the type and words are what we compare
        return type(error), str(error)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape", EMPTY_INPUTS.values(), ids=EMPTY_INPUTS.keys())
def test_an_empty_input_is_typed_and_refused_as_pytorch_does(fn, shape, mode):
    """PyTorch's route for no samples or no channels multiplies the input by the weight, so
    the result's dtype is that product's (float16 with complex64: complex32; with no channels
    float16 with float32: float32), a real input with a complex weight cannot be
    differentiated, and bfloat16 with a complex weight has no product at all."""
    for x_dtype, w_dtype, bias, grad in itertools.product(DTYPES, DTYPES, (False, True),
                                                          (False, True)):
        call = (shape, x_dtype, w_dtype, bias, grad, mode)
        assert (_empty_call_outcome(fn, *call)
                == _empty_call_outcome(reference_conv2d, *call)), call


# The seed post's three layers, on the seed's input (lesson 01).
SEED_LAYERS = {
    "square kernel, equal stride": dict(kernel_size=3, stride=2),
    "non-square kernel, unequal stride, padding": dict(kernel_size=(3, 5), stride=(2, 1),
                                                        padding=(4, 2)),
    "... and dilation": dict(kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1)),
}


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("layer_args", SEED_LAYERS.values(), ids=SEED_LAYERS.keys())
def test_seed_examples_give_pytorchs_output(fn, layer_args):
    torch.manual_seed(0)
    m = nn.Conv2d(16, 33, **layer_args)
    x = torch.randn(20, 16, 50, 100)
    if fn is conv2d_naive:  # the naive loops are slow: same layer, a slice of the batch
        x = x[:1, :, :12, :20]
    kwargs = {k: v for k, v in layer_args.items() if k != "kernel_size"}
    with torch.no_grad():
        torch.testing.assert_close(fn(x, m.weight, m.bias, **kwargs), m(x),
                                   **TOLERANCE[torch.float32])
