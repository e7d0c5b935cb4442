"""PyTorch's own conv2d tests, run through both implementations.

- ``op_db``'s OpInfo for ``nn.functional.conv2d``: its sample inputs for every dtype PyTorch's
  CPU kernel supports (forward and gradients, compared with ``F.conv2d`` on the same tensors
  with PyTorch's default tolerance for the dtype, as its ``TestCommon`` does), and its error
  inputs (same exception type, same message, and PyTorch's expected pattern).
- ``common_nn``'s ``Conv2d`` module tests: each module's own forward and gradients against
  both implementations given that module's weight and bias (and as int64 where the entry
  asks ``check_with_long_tensor``).

The samples are small, so the naive loops run on all of them; the depthwise samples run
through each depthwise route in turn (too small to take the channels-last or maps routes by
their sizes), the compiled depthwise loop's forward pass among them.
"""
from __future__ import annotations

import re
from unittest import mock

import pytest
import torch
from torch.testing._internal import common_nn
from torch.testing._internal.common_device_type import toleranceOverride
from torch.testing._internal.common_methods_invocations import op_db

import convlab.conv.compiled as compiled
import convlab.conv.depthwise_last as depthwise_last
import convlab.conv.depthwise_maps as depthwise_maps
from convlab import conv2d_naive, conv2d_vectorized
from test_conv_compiled import require_compiled_loop
from torch_reference import outcome, reference_conv2d

OP = next(op for op in op_db if op.name == "nn.functional.conv2d")
DTYPES = sorted(OP.supported_dtypes("cpu"), key=str)
IMPLEMENTATIONS = [conv2d_naive, conv2d_vectorized]
LOW_PRECISION = (torch.float16, torch.bfloat16)


def tolerance(dtype: torch.dtype) -> dict:
    """PyTorch's tolerance for comparing another backend's conv2d with its own on these samples.

    The OpInfo declares it where PyTorch needed one (float32: another device's kernel sums in
    another order); every other dtype uses ``assert_close``'s defaults, as PyTorch's tests do.
    complex64 is a pair of float32 sums and takes float32's.
    """
    wanted = torch.float32 if dtype == torch.complex64 else dtype
    for info in OP.decorators:
        for decorator in info.decorators:
            if isinstance(decorator, toleranceOverride) and wanted in decorator.d:
                found = decorator.d[wanted]
                return dict(atol=found.atol, rtol=found.rtol)
    return {}


def samples(dtype: torch.dtype):
    return list(OP.sample_inputs("cpu", dtype, requires_grad=dtype.is_floating_point
                                 or dtype.is_complex))


def fresh(t):
    return t.detach().clone().requires_grad_(t.requires_grad) if isinstance(t, torch.Tensor) else t


def run_with_gradients(fn, sample, upstream_seed: int = 0):
    """Output of ``fn`` on a sample and the gradients of every differentiable tensor for one
    random upstream gradient (the same for every ``fn``)."""
    x, args = fresh(sample.input), [fresh(a) for a in sample.args]
    out = fn(x, *args, **sample.kwargs)
    leaves = [t for t in (x, *args) if isinstance(t, torch.Tensor) and t.requires_grad]
    if not leaves:
        return out, []
    gen = torch.Generator().manual_seed(upstream_seed)
    upstream = torch.randn(out.shape, generator=gen, dtype=torch.float64).to(out.dtype)
    return out.detach(), list(torch.autograd.grad(out, leaves, upstream))


def assert_gives_pytorchs_outputs_and_gradients(fn, sample, dtype: torch.dtype) -> None:
    """``fn`` on one sample: F.conv2d's output and gradients within PyTorch's tolerance (the
    gradients of float16/bfloat16, long sums, are judged against float64 instead)."""
    expected, expected_grads = run_with_gradients(reference_conv2d, sample)
    got, grads = run_with_gradients(fn, sample)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    torch.testing.assert_close(got, expected, **tolerance(dtype), msg=lambda m: f"{sample}: {m}")
    assert len(grads) == len(expected_grads)
    for mine, theirs in zip(grads, expected_grads):
        if dtype not in LOW_PRECISION:
            torch.testing.assert_close(mine, theirs, **tolerance(dtype),
                                       msg=lambda m: f"{sample}: {m}")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("fn, loops", [(conv2d_naive, "1"), (conv2d_vectorized, "1"),
                                       (conv2d_vectorized, "0")],
                         ids=["conv2d_naive", "conv2d_vectorized", "conv2d_vectorized, routes"])
def test_opinfo_samples_give_pytorchs_outputs_and_gradients(monkeypatch, fn, loops, dtype):
    """Every sample, by the compiled loops where they take it and by the routes of PyTorch
    operations alone (a machine without a C compiler)."""
    monkeypatch.setenv("CONVLAB_COMPILED", loops)
    for sample in samples(dtype):
        assert_gives_pytorchs_outputs_and_gradients(fn, sample, dtype)


#: Each depthwise route taken by every depthwise sample (channels last; the maps as they
#: are; the flat forward pass with the maps' gradients; else the flat sums), the tap routes'
#: own forward passes (the samples are too small to take the first three by their sizes), and
#: the compiled loop's forward pass and input gradient with the flat route's weight gradient.
DEPTHWISE_ROUTES = {"flat": (False, False, False), "channels last": (True, False, False),
                    "maps as they are": (False, True, False),
                    "flat forward, maps gradients": (False, False, True),
                    "compiled loop, flat weight gradients": (False, False, False)}


def take_depthwise_route(monkeypatch, route: str) -> None:
    last, maps, gradients = DEPTHWISE_ROUTES[route]
    if route.startswith("compiled"):
        require_compiled_loop()
    else:
        monkeypatch.setenv("CONVLAB_COMPILED", "0")
    monkeypatch.setattr(depthwise_last, "channels_last", lambda lay: last)
    monkeypatch.setattr(depthwise_maps, "wide_rows", lambda lay: maps)
    monkeypatch.setattr(depthwise_maps, "gradient_rows", lambda lay: gradients)


def depthwise_samples(dtype: torch.dtype) -> list:
    found = [s for s in samples(dtype)
             if s.kwargs.get("groups", 1) > 1 and s.args[0].shape[1] == 1]
    assert len(found) >= 6            # PyTorch's suite has depthwise samples; if it lost them,
    return found                      # this test would check nothing


@pytest.mark.parametrize("route", DEPTHWISE_ROUTES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_opinfo_depthwise_samples_give_pytorchs_numbers_on_every_depthwise_route(
        monkeypatch, route, dtype):
    take_depthwise_route(monkeypatch, route)
    with mock.patch.object(compiled, "depthwise", side_effect=compiled.depthwise) as loop:
        for sample in depthwise_samples(dtype):
            assert_gives_pytorchs_outputs_and_gradients(conv2d_vectorized, sample, dtype)
    # the loop sums real floating-point numbers; integers and complex numbers take the route
    assert loop.called == (route.startswith("compiled") and dtype.is_floating_point)


@pytest.mark.parametrize("route", DEPTHWISE_ROUTES)
def test_opinfo_depthwise_samples_pass_gradcheck_and_gradgradcheck_on_every_route(
        monkeypatch, route):
    take_depthwise_route(monkeypatch, route)
    with mock.patch.object(compiled, "depthwise", side_effect=compiled.depthwise) as loop:
        for sample in depthwise_samples(torch.float64):
            tensors = [t for t in (sample.input, *sample.args) if t is not None]

            def fn(x, w, b=None, _kwargs=sample.kwargs):
                return conv2d_vectorized(x, w, b, **_kwargs)
            assert torch.autograd.gradcheck(fn, tensors, check_forward_ad=True,
                                            fast_mode=True, check_batched_grad=False)
            assert torch.autograd.gradgradcheck(fn, tensors, fast_mode=True,
                                                check_batched_grad=False)
    assert loop.called == route.startswith("compiled")


def _worst_error(fn, sample, reference) -> list[float]:
    """Largest error of the output and of each gradient against float64 ones."""
    out, grads = run_with_gradients(fn, sample)
    return [float((a.double() - b).abs().max()) if a.numel() else 0.0
            for a, b in zip([out, *grads], reference)]


@pytest.mark.parametrize("dtype", LOW_PRECISION, ids=str)
@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=lambda f: f.__name__)
def test_low_precision_is_no_less_accurate_than_pytorch(fn, dtype):
    """float16/bfloat16 sums accumulate in float32, as PyTorch's do: against the same
    computation in float64, no output or gradient is further off than PyTorch's own."""
    for sample in samples(dtype):
        wide = sample.transform(lambda t: t.double() if isinstance(t, torch.Tensor) else t)
        out, grads = run_with_gradients(reference_conv2d, wide)
        reference = [out, *grads]
        theirs = _worst_error(reference_conv2d, sample, reference)
        ours = _worst_error(fn, sample, reference)
        for mine, pytorch in zip(ours, theirs):
            assert mine <= pytorch * 1.01 + 1e-30, (sample, ours, theirs)


@pytest.mark.parametrize("loops", ["1", "0"], ids=["compiled loops", "routes"])
@pytest.mark.parametrize("dtype", [torch.float64], ids=str)
def test_opinfo_samples_pass_gradcheck_forward_ad_and_gradgradcheck(monkeypatch, dtype, loops):
    """PyTorch's gradient tests for the OpInfo (``test_fn_grad``, ``test_forward_mode_AD``,
    ``test_fn_gradgrad``) on the vectorized implementation, with the compiled loops and
    without. Complex dtypes and forward-over-reverse run per route in test_conv_autograd.py
    (each sample costs seconds)."""
    monkeypatch.setenv("CONVLAB_COMPILED", loops)
    for sample in samples(dtype):
        if dtype.is_complex and sample.input.dim() == 3:
            continue    # complex: the batched samples only (the same numbers, unsqueezed)
        kwargs = sample.kwargs
        tensors = [t for t in (sample.input, *sample.args) if t is not None]

        def fn(x, w, b=None, _kwargs=kwargs):
            return conv2d_vectorized(x, w, b, **_kwargs)
        # check_batched_grad would use autograd's legacy vmap, which does not run a custom
        # Function's vmap rule; test_conv_autograd.py checks torch.func.vmap instead.
        assert torch.autograd.gradcheck(fn, tensors, check_forward_ad=True, fast_mode=True,
                                        check_batched_grad=False)
        assert torch.autograd.gradgradcheck(fn, tensors, fast_mode=True,
                                            check_batched_grad=False)


ERROR_INPUTS = list(OP.error_inputs("cpu"))


@pytest.mark.parametrize("error", ERROR_INPUTS, ids=lambda e: e.error_regex)
@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=lambda f: f.__name__)
def test_opinfo_error_inputs_raise_pytorchs_error(fn, error):
    sample = error.sample_input
    call = (sample.input, *sample.args)
    expected = outcome(reference_conv2d, *call, **sample.kwargs)
    got = outcome(fn, *call, **sample.kwargs)
    assert expected[0] is error.error_type and re.search(error.error_regex, expected[1])
    assert got == expected


# ---- common_nn's module tests

def module_entries() -> list:
    return list(_module_entries())


def _module_entries():
    for entry in common_nn.module_tests + common_nn.get_new_module_tests():
        name = entry.get("fullname") or "_".join(
            filter(None, [entry.get("module_name"), entry.get("desc")]))
        if name.startswith("Conv2d"):
            yield pytest.param(entry, id=name)


def build(entry: dict) -> torch.nn.Conv2d:
    default = torch.get_default_dtype()
    torch.set_default_dtype(entry.get("default_dtype", torch.float64))
    try:
        torch.manual_seed(0)
        if "constructor" in entry:
            return entry["constructor"]()
        return torch.nn.Conv2d(*entry.get("constructor_args", ()))
    finally:
        torch.set_default_dtype(default)


def module_call(module: torch.nn.Conv2d):
    """The module's arguments, in the functional form both implementations take."""
    return dict(stride=module.stride, padding=module.padding, dilation=module.dilation,
                groups=module.groups, padding_mode=module.padding_mode)


@pytest.mark.parametrize("entry", module_entries())
@pytest.mark.parametrize("fn", IMPLEMENTATIONS, ids=lambda f: f.__name__)
def test_common_nn_conv2d_module_tests(fn, entry):
    module = build(entry)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(entry["input_size"], generator=gen, dtype=module.weight.dtype)
    kwargs = module_call(module)

    x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    expected = module(x_theirs)
    got = fn(x_ours, module.weight, module.bias, **kwargs)
    if "output_size" in entry:
        assert tuple(expected.shape) == entry["output_size"]
    torch.testing.assert_close(got, expected)
    upstream = torch.randn(expected.shape, generator=gen, dtype=expected.dtype)
    params = [p for p in (module.weight, module.bias) if p is not None]
    theirs = torch.autograd.grad(expected, [x_theirs, *params], upstream)
    ours = torch.autograd.grad(got, [x_ours, *params], upstream)
    for mine, ref in zip(ours, theirs):
        torch.testing.assert_close(mine, ref)

    if entry.get("check_with_long_tensor"):
        with torch.no_grad():
            long_x = x.mul(3).long()
            w, b = (module.weight * 3).long(), None if module.bias is None else module.bias.long()
            expected = torch.nn.functional.conv2d(long_x, w, b, module.stride, module.padding,
                                                  module.dilation, module.groups)
            torch.testing.assert_close(fn(long_x, w, b, **kwargs), expected)
