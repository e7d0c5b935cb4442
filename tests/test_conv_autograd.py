"""Every autograd mode on every route of conv2d_vectorized, against F.conv2d's own.

Backward, double backward (``gradgradcheck``), forward-mode AD (``gradcheck`` with
``check_forward_ad``) and the ``torch.func`` transforms ``vmap``, ``jvp``, ``jacrev`` and
``hessian``, for real and complex dtypes; the naive loops' gradients and the modes they refuse;
zero-size dimensions. Tensors are tiny: finite differences and Jacobians grow with their size.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.func import hessian, jacrev, jvp, vmap

from convlab import conv2d_naive, conv2d_vectorized
from torch_reference import reference_conv2d

# name: (input shape, weight shape, keyword arguments) -- one per route and argument form
ROUTES = {
    "dense": ((2, 2, 3, 3), (3, 2, 2, 2), dict(padding=1)),
    "grouped": ((1, 4, 4, 3), (2, 2, 2, 2), dict(groups=2)),
    "depthwise": ((2, 2, 4, 4), (2, 1, 2, 2), dict(groups=2, padding=1)),
    "depthwise x2": ((1, 2, 4, 4), (4, 1, 3, 2), dict(groups=2)),
    "depthwise, long rows": ((1, 2, 2, 56), (2, 1, 3, 3), dict(groups=2, padding=1)),
    "pointwise": ((2, 2, 3, 3), (2, 1, 1, 1), dict(groups=2, stride=2)),
    "strided": ((1, 2, 5, 5), (2, 2, 2, 2), dict(stride=(2, 1))),
    "dilated": ((1, 2, 5, 5), (2, 2, 2, 2), dict(dilation=(2, 1))),
    # the top and bottom taps read only padding: dropped, and the rows no tap reads cut off
    "taps on padding only": ((1, 2, 4, 5), (2, 2, 3, 3), dict(padding=2, dilation=3)),
    "same": ((1, 2, 4, 4), (2, 2, 2, 3), dict(padding="same")),
    "reflect": ((1, 2, 4, 4), (2, 2, 2, 2), dict(padding=1, padding_mode="reflect")),
    "replicate": ((1, 2, 4, 4), (2, 2, 2, 2), dict(padding=1, padding_mode="replicate")),
    "circular": ((1, 2, 4, 4), (2, 2, 2, 2), dict(padding=1, padding_mode="circular")),
    "unbatched": ((2, 4, 4), (2, 2, 2, 2), dict(padding=(1, 0))),
}
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


def tensors(route: str, dtype: torch.dtype, requires_grad: bool = True):
    x_shape, w_shape, kwargs = ROUTES[route]
    gen = torch.Generator().manual_seed(len(route))
    make = lambda *s: torch.randn(*s, generator=gen, dtype=dtype).requires_grad_(requires_grad)  # noqa: E731
    return (make(*x_shape), make(*w_shape), make(w_shape[0])), kwargs


COMPLEX_ROUTES = ["dense", "depthwise x2", "pointwise", "reflect"]   # one per kind of kernel


@pytest.mark.parametrize("dtype, route",
                         [(torch.float64, r) for r in ROUTES]
                         + [(torch.complex128, r) for r in COMPLEX_ROUTES])
def test_every_route_passes_gradcheck_forward_ad_and_gradgradcheck(route, dtype):
    inputs, kwargs = tensors(route, dtype)
    fn = lambda *t: conv2d_vectorized(*t, **kwargs)  # noqa: E731
    assert torch.autograd.gradcheck(fn, inputs, check_forward_ad=True, fast_mode=True)
    assert torch.autograd.gradgradcheck(fn, inputs, check_fwd_over_rev=True, fast_mode=True)


def transforms(conv, x, w, b, kwargs):
    """What each torch.func transform gives for ``conv`` (the same calls for both)."""
    f = lambda x, w, b: conv(x, w, b, **kwargs)  # noqa: E731
    stack = lambda t: torch.stack([t, 2 * t + 1])  # noqa: E731
    return {
        "vmap over input": vmap(f, (0, None, None))(stack(x), w, b),
        "vmap over weight and bias": vmap(f, (None, 0, 0))(x, stack(w), stack(b)),
        "jvp": jvp(f, (x, w, b), (x.flip(-1), w.flip(0), b.flip(0)))[1],
        "jacrev": jacrev(f, argnums=(0, 1, 2))(x, w, b),
        "hessian": hessian(lambda w: (f(x, w, b) ** 2).sum())(w),
        "hessian in input and weight": hessian(
            lambda x, w: (f(x, w, b) ** 3).sum(), argnums=(0, 1))(x, w),
    }


@pytest.mark.parametrize("route", ROUTES)
def test_torch_func_transforms_equal_those_of_f_conv2d(route):
    (x, w, b), kwargs = tensors(route, torch.float64, requires_grad=False)
    reference_conv2d(x, w, b, **kwargs)   # builds nn.Conv2d's module outside any transform
    got, expected = (transforms(conv2d_vectorized, x, w, b, kwargs),
                     transforms(reference_conv2d, x, w, b, kwargs))
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("route", ["dense", "depthwise", "pointwise"])
def test_recording_a_call_for_backward_does_not_bind_arguments_by_signature(route, monkeypatch):
    """A ``Function`` with ``setup_context`` binds every call's arguments through
    ``inspect.signature`` (tens of microseconds, a small layer's whole forward pass): the
    plain autograd tape records one without it; torch.func transforms still get theirs."""
    inputs, kwargs = tensors(route, torch.float64)
    expected = torch.autograd.grad(F.conv2d(*inputs, **kwargs).sum(), inputs)
    import inspect

    def refuse(*args, **kw):
        raise AssertionError("inspect.signature was called")
    monkeypatch.setattr(inspect, "signature", refuse)
    got = torch.autograd.grad(conv2d_vectorized(*inputs, **kwargs).sum(), inputs)
    monkeypatch.undo()
    torch.testing.assert_close(got, expected)
    x, w, b = (t.detach() for t in inputs)
    torch.testing.assert_close(vmap(lambda w: conv2d_vectorized(x, w, b, **kwargs))(w[None]),
                               F.conv2d(x, w, b, **kwargs)[None])


@pytest.mark.parametrize("route", ["dense", "depthwise x2", "reflect", "unbatched"])
def test_naive_loops_give_pytorchs_gradients_also_complex(route):
    for dtype in (torch.float64, torch.complex128):
        inputs, kwargs = tensors(route, dtype)
        upstream = torch.randn_like(reference_conv2d(*inputs, **kwargs))
        ours = torch.autograd.grad(conv2d_naive(*inputs, **kwargs), inputs, upstream)
        theirs = torch.autograd.grad(reference_conv2d(*inputs, **kwargs), inputs, upstream)
        torch.testing.assert_close(ours, theirs)


def forward_ad(f, x, w):
    with torch.autograd.forward_ad.dual_level():
        dual = torch.autograd.forward_ad.make_dual(x.detach(), torch.ones_like(x))
        return torch.autograd.forward_ad.unpack_dual(f(dual, w)).tangent


REFUSED = {
    "double backward": lambda f, x, w: torch.autograd.grad(
        f(x, w).sum(), x, create_graph=True),
    "forward-mode AD": forward_ad,
    "jvp": lambda f, x, w: jvp(lambda x: f(x, w), (x.detach(),), (torch.ones_like(x),)),
    "vmap": lambda f, x, w: vmap(lambda x: f(x, w))(x.detach().unsqueeze(0)),
    "jacrev": lambda f, x, w: jacrev(lambda x: f(x, w))(x.detach()),
}


@pytest.mark.parametrize("mode", REFUSED.values(), ids=REFUSED.keys())
def test_naive_refuses_modes_it_cannot_follow_and_names_the_alternative(mode):
    (x, w, _), _ = tensors("dense", torch.float64)
    with pytest.raises(RuntimeError, match="conv2d_naive.*Use conv2d_vectorized"):
        mode(conv2d_naive, x, w)
    mode(conv2d_vectorized, x, w)          # the same call works on the vectorized one


# ---- zero-size dimensions: PyTorch's shapes, and a backward that works

EMPTY = {
    "empty batch": ((0, 4, 5, 5), (6, 2, 3, 3), 2),
    "no input channels": ((2, 0, 5, 5), (4, 0, 3, 3), 1),
    "no input channels, groups": ((2, 0, 5, 5), (4, 0, 3, 3), 2),
    "no channels, one sample": ((1, 0, 5, 5), (4, 0, 3, 3), 1),
    "unbatched, no channels": ((0, 5, 5), (4, 0, 3, 3), 1),
    "empty batch, 1x1": ((0, 4, 5, 5), (4, 4, 1, 1), 1),
    "empty batch, depthwise": ((0, 4, 5, 5), (4, 1, 3, 3), 4),
}


@pytest.mark.parametrize("case", EMPTY.values(), ids=EMPTY.keys())
@pytest.mark.parametrize("fn", [conv2d_naive, conv2d_vectorized], ids=lambda f: f.__name__)
def test_zero_size_dimensions_give_pytorchs_shapes_and_gradients(fn, case):
    x_shape, w_shape, groups = case
    make = lambda *s: torch.randn(*s, dtype=torch.float64, requires_grad=True)  # noqa: E731
    x, w, b = make(*x_shape), make(*w_shape), make(w_shape[0])
    expected = F.conv2d(x, w, b, padding=1, groups=groups)
    got = fn(x, w, b, padding=1, groups=groups)
    assert got.shape == expected.shape
    theirs = torch.autograd.grad(expected.sum(), (x, w, b))
    ours = torch.autograd.grad(got.sum(), (x, w, b))
    torch.testing.assert_close(ours, theirs)
