"""convlab's transposed convolutions against ``F.conv_transpose2d`` itself.

- PyTorch's own OpInfo samples for ``nn.functional.conv_transpose2d``, every dtype its CPU
  kernel takes: outputs and gradients (float16/bfloat16: no further from a float64 reference
  than PyTorch's own result).
- Every autograd mode, which both get from PyTorch's autograd: gradcheck with forward-mode AD,
  gradgradcheck (float64 and complex128), ``torch.func.vmap`` over the input and the weight.
- Mistakes x batch sizes x dtypes (PyTorch words some mistakes differently per backend): the
  same exception type and message as PyTorch, zero-size shapes included.
- The output-size formula against ``nn.ConvTranspose2d`` on the meta device.
"""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch.testing._internal.common_methods_invocations import op_db

from convlab import (conv_transpose2d_naive, conv_transpose2d_vectorized, transposed_output_size)
from torch_reference import LAYOUTS, outcome

OP = next(op for op in op_db if op.name == "nn.functional.conv_transpose2d")
DTYPES = sorted(OP.supported_dtypes("cpu"), key=str)
IMPLEMENTATIONS = [conv_transpose2d_naive, conv_transpose2d_vectorized]
LOW_PRECISION = (torch.float16, torch.bfloat16)
ids = lambda f: f.__name__  # noqa: E731


def samples(dtype: torch.dtype) -> list:
    grad = dtype.is_floating_point or dtype.is_complex
    return list(OP.sample_inputs("cpu", dtype, requires_grad=grad))


def fresh(t):
    return t.detach().clone().requires_grad_(t.requires_grad) if isinstance(t, torch.Tensor) else t


def run(fn, sample, seed: int = 0):
    """Output and the gradients of every differentiable tensor for one random upstream gradient."""
    x, args = fresh(sample.input), [fresh(a) for a in sample.args]
    out = fn(x, *args, **sample.kwargs)
    leaves = [t for t in (x, *args) if isinstance(t, torch.Tensor) and t.requires_grad]
    if not leaves:
        return out, []
    upstream = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed),
                           dtype=torch.float64).to(out.dtype)
    return out.detach(), list(torch.autograd.grad(out, leaves, upstream))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=ids)
def test_opinfo_samples_give_pytorchs_outputs_and_gradients(fn, dtype):
    for sample in samples(dtype):
        expected, expected_grads = run(F.conv_transpose2d, sample)
        got, grads = run(fn, sample)
        assert got.dtype == expected.dtype and got.shape == expected.shape, sample
        if dtype in LOW_PRECISION:          # judged against float64 below
            continue
        torch.testing.assert_close(got, expected, msg=lambda m: f"{sample}: {m}")
        assert len(grads) == len(expected_grads)
        for mine, theirs in zip(grads, expected_grads):
            torch.testing.assert_close(mine, theirs, msg=lambda m: f"{sample}: {m}")


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=ids)
def test_low_precision_is_no_less_accurate_than_pytorch(fn, dtype):
    """Sums accumulate in float32 as PyTorch's do: against float64, no output or gradient is
    further off than PyTorch's own (with a margin of one rounding of the largest value)."""
    for sample in samples(dtype):
        wide = sample.transform(lambda t: t.double() if isinstance(t, torch.Tensor) else t)
        out, grads = run(F.conv_transpose2d, wide)
        theirs, their_grads = run(F.conv_transpose2d, sample)
        got, got_grads = run(fn, sample)
        for mine, pytorch, ref in zip([got, *got_grads], [theirs, *their_grads], [out, *grads]):
            error = float((pytorch.double() - ref).abs().max()) if ref.numel() else 0.0
            ulp = float(ref.abs().max()) * torch.finfo(dtype).eps if ref.numel() else 0.0
            assert float((mine.double() - ref).abs().max()) <= error + ulp, (sample, dtype)


SMALL = [  # (input shape, weight shape, bias?, arguments): every argument, kept tiny
    ((1, 2, 2, 3), (2, 2, 2, 2), True, dict(stride=2, padding=1, output_padding=1)),
    ((2, 2, 3, 2), (2, 1, 2, 3), True, dict(stride=(1, 2), output_padding=(1, 0), groups=2,
                                            dilation=(2, 1))),
    ((2, 2, 2), (2, 1, 3, 1), False, dict(stride=(1, 3), padding=(1, 0), dilation=(1, 1))),
]


def small(case, dtype):
    gen = torch.Generator().manual_seed(3)
    shape, wshape, has_bias, kwargs = case
    x = torch.randn(shape, generator=gen, dtype=dtype, requires_grad=True)
    w = torch.randn(wshape, generator=gen, dtype=dtype, requires_grad=True)
    b = (torch.randn(wshape[1] * kwargs.get("groups", 1), generator=gen, dtype=dtype,
                     requires_grad=True) if has_bias else None)
    return [t for t in (x, w, b) if t is not None], kwargs


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128], ids=str)
@pytest.mark.parametrize("case", range(len(SMALL)))
@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=ids)
def test_gradcheck_forward_ad_and_gradgradcheck(fn, case, dtype):
    tensors, kwargs = small(SMALL[case], dtype)

    def f(*t):
        return fn(*t, **kwargs)
    assert torch.autograd.gradcheck(f, tensors, fast_mode=True, check_forward_ad=True,
                                    check_batched_grad=False)
    assert torch.autograd.gradgradcheck(f, tensors, fast_mode=True, check_batched_grad=False)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=ids)
def test_vmap_over_the_input_and_over_the_weight_is_pytorchs(fn):
    (x, w, b), kwargs = small(SMALL[0], torch.float64)
    xs, ws = torch.randn(3, *x.shape[1:], dtype=x.dtype), torch.randn(3, *w.shape, dtype=w.dtype)
    for dims, args in (((0, None, None), (xs, w, b)), ((None, 0, None), (x[0], ws, b))):
        def mine(x, w, b):
            return fn(x, w, b, **kwargs)

        def theirs(x, w, b):
            return F.conv_transpose2d(x, w, b, **kwargs)
        torch.testing.assert_close(torch.func.vmap(mine, dims)(*args),
                                   torch.func.vmap(theirs, dims)(*args))


# --- mistakes: the same exception and the same words as PyTorch ----------------------------------

def z(*shape, dtype=torch.float32):
    return torch.zeros(shape, dtype=dtype)


MISTAKES = {   # name -> (batch, dtype) -> positional arguments of F.conv_transpose2d
    "input 2D": lambda n, t: (z(4, 5, dtype=t), z(4, 2, 3, 3, dtype=t)),
    "input 5D": lambda n, t: (z(n, 4, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t)),
    "weight 3D": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, dtype=t)),
    "weight 5D": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, 1, dtype=t)),
    "wrong channels": lambda n, t: (z(n, 3, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t)),
    "groups not dividing": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                         1, 0, 0, 3),
    "groups too many": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                     1, 0, 0, 8),
    "groups 0": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None, 1, 0, 0, 0),
    "output_padding = stride = dilation": lambda n, t: (
        z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None, 2, 0, 2, 1, 1),
    "output_padding >= stride, dilation in one axis": lambda n, t: (
        z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None, (2, 1), 0, (1, 1), 1, (1, 3)),
    "output_padding < dilation (allowed)": lambda n, t: (
        z(n, 4, 3, 3, dtype=t), z(4, 2, 3, 3, dtype=t), None, 1, 0, 1, 1, 2),
    "negative output_padding": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t),
                                             None, 2, 0, -1),
    "negative padding": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None, 1, -1),
    "stride 0": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None, 0),
    "dilation 0": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                1, 0, 0, 1, 0),
    "dilation -1": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                 1, 0, 0, 1, -1),
    "output too small": lambda n, t: (z(n, 4, 2, 2, dtype=t), z(4, 2, 3, 3, dtype=t), None, 1, 3),
    "bias length": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), z(3, dtype=t)),
    "bias 2D": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), z(2, 1, dtype=t)),
    "bias dtype": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t),
                                z(2, dtype=torch.float16)),
    "weight dtype": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=torch.float64
                                                           if t != torch.float64 else
                                                           torch.float32)),
    "complex weight dtype, wrong channels": lambda n, t: (z(n, 3, 5, 5, dtype=t),
                                                          z(4, 2, 3, 3, dtype=torch.float64)),
    "stride of three": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                     (1, 1, 1)),
    "padding of three": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                      1, (1, 1, 1)),
    "stride of one value": lambda n, t: (z(n, 4, 3, 3, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                         (2,), 0, 1),
    "padding string": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                    1, "same"),
    "zero height": lambda n, t: (z(n, 4, 0, 5, dtype=t), z(4, 2, 3, 3, dtype=t)),
    "zero batch": lambda n, t: (z(0, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), z(2, dtype=t)),
    "zero batch, bad output_padding": lambda n, t: (z(0, 4, 5, 5, dtype=t),
                                                    z(4, 2, 3, 3, dtype=t), None, 2, 0, 2),
    "zero batch, output too small": lambda n, t: (z(0, 4, 2, 2, dtype=t), z(4, 2, 3, 3, dtype=t),
                                                  None, 1, 3),
    "zero batch, no output channels": lambda n, t: (z(0, 4, 5, 5, dtype=t), z(4, 0, 3, 3, dtype=t)),
    "zero batch, weight dtype": lambda n, t: (z(0, 4, 5, 5, dtype=t), z(4, 2, 3, 3,
                                                                        dtype=torch.float64)),
    "no input channels": lambda n, t: (z(n, 0, 5, 5, dtype=t), z(0, 2, 3, 3, dtype=t)),
    "no output channels": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 0, 3, 3, dtype=t)),
    "kernel of height 0": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 0, 3, dtype=t)),
    "unbatched": lambda n, t: (z(4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None, 2, 1, 1),
    "input not a tensor": lambda n, t: (3, z(4, 2, 3, 3, dtype=t)),
    "weight not a tensor": lambda n, t: (z(n, 4, 5, 5, dtype=t), [1.0]),
    "bias not a tensor": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), 2),
    "groups a float": lambda n, t: (z(n, 4, 5, 5, dtype=t), z(4, 2, 3, 3, dtype=t), None,
                                    1, 0, 0, 1.5),
}
SWEEP_DTYPES = (torch.float32, torch.float64, torch.complex64, torch.int64, torch.bfloat16,
                torch.float16)


def same_outcome(expected, got) -> bool:
    if expected[0] != "ok" or got[0] != "ok":
        return expected == got
    a, b = expected[1], got[1]
    return a.dtype == b.dtype and a.shape == b.shape and bool((a == b).all())


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=ids)
@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_mistakes_raise_pytorchs_error_for_every_batch_and_dtype(mistake, fn):
    """With oneDNN on and off: PyTorch sends some calls to it (float32 by shape; bfloat16 and
    float16 on processors that run them there), which words mistakes its own way."""
    seen = set()
    for n, dtype, onednn in itertools.product((1, 2), SWEEP_DTYPES, (True, False)):
        args = MISTAKES[mistake](n, dtype)
        with torch.backends.mkldnn.flags(enabled=onednn):
            expected = outcome(F.conv_transpose2d, *args)
            got = outcome(fn, *args)
        assert same_outcome(expected, got), (mistake, n, dtype, onednn, expected, got)
        seen.add(expected[1] if expected[0] != "ok" else "ok")
    assert seen, mistake


def test_the_sweep_meets_every_backend_and_the_allowed_cases():
    """The sweep above is not vacuous: it reaches oneDNN's wording, PyTorch's own, and calls
    PyTorch accepts (output_padding smaller than the dilation only; an empty batch)."""
    messages = {outcome(F.conv_transpose2d, *make(n, t))[1] if outcome(
        F.conv_transpose2d, *make(n, t))[0] != "ok" else "ok"
        for make in (MISTAKES["dilation 0"], MISTAKES["output_padding < dilation (allowed)"],
                     MISTAKES["zero batch"]) for n in (1, 2) for t in (torch.float32,)}
    assert "ok" in messages
    assert any("primitive descriptor" in m for m in messages)
    assert any("dilation_height: 0" in m for m in messages)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_the_result_is_laid_out_as_pytorchs(dtype):
    """Channels last when the input or the weight is (and the batch is not empty), else the
    default layout, never a view of the wider canvas the padding is cut from: every OpInfo
    sample with its input and weight in every layout."""
    for sample, (x_name, x_layout), (w_name, w_layout) in itertools.product(
            samples(dtype), LAYOUTS.items(), LAYOUTS.items()):
        if sample.input.dim() < 3:
            continue
        x, w = x_layout(sample.input.detach()), w_layout(sample.args[0].detach())
        args = (w, *sample.args[1:])
        expected = F.conv_transpose2d(x, *args, **sample.kwargs)
        got = conv_transpose2d_vectorized(x, *args, **sample.kwargs)
        assert got.stride() == expected.stride(), (sample, x_name, w_name)


def test_output_size_formula_is_nn_convtranspose2ds():
    for h, k, s, p, d in itertools.product((1, 2, 5), (1, 3), (1, 2, 3), (0, 1), (1, 2)):
        for op in range(max(s, d)):
            layer = torch.nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op,
                                             dilation=d, device="meta")
            want = transposed_output_size(h, k, s, p, op, d)
            if want < 1:
                continue
            assert layer(torch.empty(1, 1, h, h, device="meta")).shape[-1] == want


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=ids)
def test_an_empty_batch_has_pytorchs_shape_dtype_and_zero_gradients(fn):
    for dtype in (torch.float64, torch.complex128):
        x = torch.zeros(0, 4, 3, 5, dtype=dtype, requires_grad=True)
        w = torch.randn(4, 3, 2, 3, dtype=dtype, requires_grad=True)
        b = torch.randn(6, dtype=dtype, requires_grad=True)
        args = dict(stride=2, padding=1, output_padding=1, groups=2)
        theirs = F.conv_transpose2d(x, w, b, **args)
        mine = fn(x, w, b, **args)
        assert (mine.shape, mine.dtype) == (theirs.shape, theirs.dtype)
        for a, c in zip(torch.autograd.grad(mine.sum().real, (x, w, b)),
                        torch.autograd.grad(theirs.sum().real, (x, w, b))):
            assert a.shape == c.shape and torch.equal(a, c)


@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=ids)
def test_an_empty_batch_of_real_numbers_and_a_complex_weight_is_not_differentiated(fn):
    """PyTorch types the result complex and refuses to record it, as for any real input."""
    x, w = torch.zeros(0, 4, 3, 5), torch.zeros(4, 3, 2, 3, dtype=torch.complex64)
    with torch.no_grad():
        assert fn(x, w.requires_grad_()).dtype == F.conv_transpose2d(x, w).dtype
    for args in ((x.requires_grad_(), w.detach()), (x.detach(), w)):
        theirs, mine = outcome(F.conv_transpose2d, *args), outcome(fn, *args)
        assert theirs[0] is RuntimeError and mine == theirs
