"""Autograd for the vectorized routes, in every mode: backward, double backward, jvp, vmap.

A convolution ``y = conv(x, w)`` is *bilinear*: linear in the input for a fixed weight and in
the weight for a fixed input. Its backward pass is two more bilinear maps of the same family,

    grad_input(g, w)  = the input's gradient for an output gradient g (a transposed convolution)
    grad_weight(x, g) = the weight's gradient (the input correlated with g)

and the derivatives of those two are again ``conv``, ``grad_input`` and ``grad_weight``. So one
``torch.autograd.Function``, :class:`Bilinear`, computes any of the three, and its backward,
its forward-mode rule (``jvp``) and its ``vmap`` rule call :class:`Bilinear` again. Second
derivatives, Hessian-vector products and ``torch.func`` transforms then work by construction,
with the speed of the route's own kernels (:mod:`.im2col`, :mod:`.depthwise`, :mod:`.shifted`) at every order.

Complex tensors follow PyTorch's convention (conjugate Wirtinger derivatives): the gradient of
the input is ``grad_input(g, conj(w))``, of the weight ``grad_weight(conj(x), g)``.
Lesson 06 shows the backward pass of the forward loops.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import torch
from torch.autograd import forward_ad

from .geometry import output_size
from .layout import in_channels_last, result_channels_last

Pair = tuple[int, int]

CONV, GRAD_INPUT, GRAD_WEIGHT = "conv", "grad_input", "grad_weight"
_LOW_PRECISION = (torch.float16, torch.bfloat16)


@dataclass(frozen=True)
class Conf:
    """Everything about one convolution besides its tensors.

    ``in_size`` is the padded input's size. The input is already padded, except by ``pad``
    (top, bottom, left, right): zeros that a route adds itself while it copies the input, so
    that its tensors and gradients are of the unpadded input. ``in_size`` and ``kernel`` are
    kept because the gradient maps cannot recover them from their arguments' shapes (the
    output size formula floors, lesson 01).
    """

    stride: Pair
    dilation: Pair
    groups: int
    in_size: Pair
    kernel: Pair
    max_bytes: int = 0
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def out_size(self) -> Pair:
        """The output map's rows and columns (the input ``in_size`` padded already)."""
        return (output_size(self.in_size[0], self.kernel[0], self.stride[0], 0, self.dilation[0]),
                output_size(self.in_size[1], self.kernel[1], self.stride[1], 0, self.dilation[1]))

    @classmethod
    def padding_inside(cls, x: torch.Tensor, weight: torch.Tensor, stride: Pair, dilation: Pair,
                       groups: int, padding: tuple[Pair, Pair], max_bytes: int = 0) -> "Conf":
        """The call of a route that adds the zero ``padding`` ``((top, bottom), (left,
        right))`` to the unpadded input ``x`` itself."""
        (top, bottom), (left, right) = padding
        return cls(tuple(stride), tuple(dilation), groups,
                   (x.shape[2] + top + bottom, x.shape[3] + left + right),
                   tuple(weight.shape[2:]), max_bytes, (top, bottom, left, right))

    def padded(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` with the zeros of :attr:`pad` added (itself when there are none)."""
        top, bottom, left, right = self.pad
        return torch.nn.functional.pad(x, (left, right, top, bottom)) if any(self.pad) else x

    def interior(self, t: torch.Tensor) -> torch.Tensor:
        """The unpadded input's cells of a padded-input-sized ``t``, copied (a route's result
        is never a view: forward-mode AD needs its tangent laid out alike): where the gradient
        of the zeros of :attr:`pad` is dropped."""
        top, bottom, left, right = self.pad
        if not any(self.pad):
            return t
        return t[..., top:t.shape[-2] - bottom, left:t.shape[-1] - right].contiguous()


class Kernels(Protocol):
    """A route's three maps; each takes tensors of one dtype, batched ``(N, C, H, W)``."""

    def conv(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
             conf: Conf) -> torch.Tensor: ...

    def grad_input(self, g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor: ...

    def grad_weight(self, x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor: ...


def in_float32(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Run a kernel on float16/bfloat16 tensors in float32 and round once at the end.

    PyTorch's CPU convolution accumulates low-precision sums in float32; summing in the
    tensors' own dtype would round after every tap.
    """
    def wrapper(*args: Any) -> torch.Tensor:
        dtype = next(a.dtype for a in args if isinstance(a, torch.Tensor))
        if dtype not in _LOW_PRECISION:
            return fn(*args)
        wide = [a.float() if isinstance(a, torch.Tensor) else a for a in args]
        return fn(*wide).to(dtype)
    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


def _conj(t: torch.Tensor) -> torch.Tensor:
    return t.conj_physical() if t.is_complex() else t


def bilinear(kind: str, a: torch.Tensor, b: torch.Tensor, kernels: Kernels, conf: Conf,
             bias: torch.Tensor | None = None) -> torch.Tensor:
    """``conv(a, b) + bias``, ``grad_input(a, b)`` or ``grad_weight(a, b)``, differentiably.

    With nothing to differentiate (inference, or a gradient map inside a first-order
    backward pass) the route's kernel runs directly: ``Function.apply`` costs tens of
    microseconds a call, as much as a whole small layer.
    """
    if nothing_to_differentiate(a, b, bias):
        return _compute(kind, a, b, bias, kernels, conf)
    if torch._C._are_functorch_transforms_active():
        return BilinearFunc.apply(kind, a, b, bias, kernels, conf)
    return Bilinear.apply(kind, a, b, bias, kernels, conf)


def nothing_to_differentiate(*tensors: torch.Tensor | None) -> bool:
    """No tensor records a gradient, no forward-mode level is open and no ``torch.func``
    transform is active: the result would carry no derivative of any kind."""
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
        return False
    return (forward_ad._current_level < 0
            and not torch._C._are_functorch_transforms_active())


class Bilinear(torch.autograd.Function):
    """One of a route's three bilinear maps, with every derivative expressed by the others.

    Recorded the classic way (``forward`` takes the context): ``Function.apply`` of a class
    with ``setup_context`` binds its arguments through ``inspect.signature`` on every call, 67
    against 10 us here, as much as a small layer's whole forward pass.
    :class:`BilinearFunc` adds what ``torch.func`` transforms need."""

    @staticmethod
    def forward(ctx, kind, a, b, bias, kernels, conf):  # type: ignore[override]
        _save(ctx, kind, a, b, kernels, conf)
        return _compute(kind, a, b, bias, kernels, conf)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        a, b = ctx.saved_tensors
        kind, kernels, conf = ctx.args
        need_a, need_b, need_bias = ctx.needs_input_grad[1:4]
        again = lambda k, p, q: bilinear(k, p, q, kernels, conf)  # noqa: E731
        grad_a = grad_b = grad_bias = None
        if kind == CONV:            # a = input x, b = weight w
            grad_a = _laid_out_as_pytorchs(again(GRAD_INPUT, grad, _conj(b)), a, b) if need_a \
                else None
            grad_b = again(GRAD_WEIGHT, _conj(a), grad) if need_b else None
            grad_bias = grad.sum((0, 2, 3)) if need_bias else None
        elif kind == GRAD_INPUT:    # a = output gradient g, b = weight w
            grad_a = again(CONV, grad, _conj(b)) if need_a else None
            grad_b = again(GRAD_WEIGHT, grad, _conj(a)) if need_b else None
        else:                       # a = input x, b = output gradient g
            grad_a = again(GRAD_INPUT, _conj(b), grad) if need_a else None
            grad_b = again(CONV, _conj(a), grad) if need_b else None
        return None, grad_a, grad_b, grad_bias, None, None

    @staticmethod
    def jvp(ctx, _kind, tangent_a, tangent_b, tangent_bias, *_):  # type: ignore[override]
        a, b = ctx.saved_tensors
        kind, kernels, conf = ctx.args
        parts = [bilinear(kind, tangent_a, b, kernels, conf) if tangent_a is not None else None,
                 bilinear(kind, a, tangent_b, kernels, conf) if tangent_b is not None else None]
        if tangent_bias is not None:
            parts.append(tangent_bias.view(1, -1, 1, 1))
        total = None
        for part in parts:
            if part is not None:
                total = part if total is None else total + part
        return total


def _laid_out_as_pytorchs(grad_x: torch.Tensor, x: torch.Tensor, w: torch.Tensor
                          ) -> torch.Tensor:
    """The input's gradient laid out as F.conv2d's backward lays it out, which the layer
    before reads (batch norm's backward ran 4.8x slower on a gradient laid out otherwise):
    channels last where the result was, an empty batch's as the input; a complex gradient,
    which PyTorch assembles from real ones, in the default layout."""
    if grad_x.is_complex():
        return grad_x.contiguous()
    if not x.numel():
        return grad_x.as_strided(x.shape, x.stride())
    return in_channels_last(grad_x) if result_channels_last(x, w) else grad_x


def _compute(kind, a, b, bias, kernels, conf):
    """The route's kernel for ``kind``: ``conv(a, b) + bias``, ``grad_input`` or
    ``grad_weight``."""
    if kind == CONV:
        return kernels.conv(a, b, bias, conf)
    return getattr(kernels, kind)(a, b, conf)


def _save(ctx, kind, a, b, kernels, conf) -> None:
    """What :class:`Bilinear`'s backward and jvp read: both arguments and the call."""
    ctx.save_for_backward(a, b)
    ctx.save_for_forward(a, b)
    ctx.args = (kind, kernels, conf)


class BilinearFunc(Bilinear):
    """:class:`Bilinear` for ``torch.func`` transforms (``vmap``, ``grad``, ``jacrev``, ...),
    which need ``forward`` without the context and a ``setup_context``."""

    @staticmethod
    def forward(kind, a, b, bias, kernels, conf):  # type: ignore[override]
        return _compute(kind, a, b, bias, kernels, conf)

    @staticmethod
    def setup_context(ctx, inputs, output):  # type: ignore[override]
        kind, a, b, _, kernels, conf = inputs
        _save(ctx, kind, a, b, kernels, conf)

    @staticmethod
    def vmap(info, in_dims, kind, a, b, bias, kernels, conf):  # type: ignore[override]
        """B convolutions at once are one convolution with ``B * groups`` groups."""
        size = info.batch_size
        dim_a, dim_b, dim_bias = in_dims[1:4]
        if kind == GRAD_WEIGHT:     # both arguments are laid out like an input
            wide_a, wide_b = _batch_channels(a, dim_a, size), _batch_channels(b, dim_b, size)
        else:
            wide_a, wide_b = _batch_channels(a, dim_a, size), _batch_weights(b, dim_b, size)
        wide_bias = None if bias is None else _batch_weights(bias, dim_bias, size)
        wide_conf = dataclasses.replace(conf, groups=conf.groups * size)
        out = bilinear(kind, wide_a, wide_b, kernels, wide_conf, wide_bias)
        if kind == GRAD_WEIGHT:
            return out.view(size, -1, *out.shape[1:]), 0
        return out.view(out.shape[0], size, -1, *out.shape[2:]), 1


def _batch_channels(t: torch.Tensor, dim: int | None, size: int) -> torch.Tensor:
    """``(N, C, H, W)`` tensors, batched along ``dim`` (or shared), as ``(N, size*C, H, W)``."""
    t = t.unsqueeze(0).expand(size, *t.shape) if dim is None else t.movedim(dim, 0)
    return t.transpose(0, 1).reshape(t.shape[1], -1, *t.shape[3:])


def _batch_weights(t: torch.Tensor, dim: int | None, size: int) -> torch.Tensor:
    """Weights ``(C_out, ...)`` or biases, batched along ``dim`` (or shared), as
    ``(size*C_out, ...)``."""
    t = t.unsqueeze(0).expand(size, *t.shape) if dim is None else t.movedim(dim, 0)
    return t.reshape(-1, *t.shape[2:])
