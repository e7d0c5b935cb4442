"""The backward pass of ``conv2d_naive``, as plain loops (lesson 06).

The forward loops add ``weight[j][k][ky][kx] * input[n][c][row][col]`` into ``out[n][j][oy][ox]``.
Run the same loops once more and send each output cell's gradient ``g`` back along the same
products: the input cell collects ``g * weight`` (a transposed convolution), the weight tap
``g * input`` (the input correlated with the output gradient), the bias ``g``. Padding cells
have no input to send to; with ``reflect``, ``replicate`` or ``circular`` padding a real input
cell stands in several places and collects from each. For complex numbers the factors are
conjugated, PyTorch's convention.

Only first derivatives: these loops read Python numbers, so they cannot be differentiated
again. Double backward, forward-mode AD and ``torch.func`` transforms raise an error that
points to ``conv2d_vectorized``, rather than giving gradients that are silently zero.
"""
from __future__ import annotations

from typing import Callable

import torch

from .geometry import padded_index
from .validation import ConvSpec

_REFUSAL = ("conv2d_naive computes its gradients with Python loops, which support only "
            "first-order backward; {mode} is not supported. Use conv2d_vectorized, which "
            "supports every autograd mode of F.conv2d.")


def refuse(mode: str) -> RuntimeError:
    """The error for an autograd mode the loops cannot follow."""
    return RuntimeError(_REFUSAL.format(mode=mode))


def needs_autograd(*tensors: torch.Tensor | None) -> bool:
    """Whether the call must record a backward pass; raises for modes the loops cannot do."""
    present = [t for t in tensors if t is not None]
    if any(torch._C._functorch.is_functorch_wrapped_tensor(t) for t in present):
        raise refuse("a torch.func transform (vmap, grad, jvp, jacrev, hessian, ...)")
    if any(torch.autograd.forward_ad.unpack_dual(t).tangent is not None for t in present):
        raise refuse("forward-mode AD (dual tensors)")
    return torch.is_grad_enabled() and any(t.requires_grad for t in present)


def backward_loops(grad_out: torch.Tensor, input: torch.Tensor, weight: torch.Tensor,
                   spec: ConvSpec) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients of the input, the weight and the bias, by the forward pass's own loops."""
    geo, groups = spec.geometry, spec.groups
    batched = input if spec.batched else input.unsqueeze(0)
    x = batched.detach().cpu().tolist()
    w = weight.detach().cpu().tolist()
    g = (grad_out if spec.batched else grad_out.unsqueeze(0)).detach().cpu().tolist()
    n_batch, (c_out, c_in_per_group, k_h, k_w) = len(g), weight.shape
    out_per_group = c_out // groups
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    h_out, w_out = geo.out_size
    (top, _), (left, _) = geo.padding
    rows = [padded_index(r, geo.in_size[0], top, spec.padding_mode)
            for r in range(geo.padded_size[0])]
    cols = [padded_index(c, geo.in_size[1], left, spec.padding_mode)
            for c in range(geo.padded_size[1])]

    zero = 0 * batched.new_zeros(()).item()                   # 0, 0.0 or 0j, as the dtype
    grad_x = [[[[zero] * geo.in_size[1] for _ in range(geo.in_size[0])]
               for _ in range(batched.shape[1])] for _ in range(n_batch)]
    grad_w = [[[[zero] * k_w for _ in range(k_h)] for _ in range(c_in_per_group)]
              for _ in range(c_out)]
    grad_b = [zero] * c_out
    for n in range(n_batch):
        for j in range(len(g[n])):              # c_out, or 0 when the input had no channels
            group = j // out_per_group
            for oy in range(h_out):
                for ox in range(w_out):
                    up = g[n][j][oy][ox]                  # this output cell's gradient
                    grad_b[j] += up
                    for k in range(c_in_per_group):
                        c = group * c_in_per_group + k
                        for ky in range(k_h):
                            row = rows[oy * s_h + ky * d_h]
                            if row is None:
                                continue
                            for kx in range(k_w):
                                col = cols[ox * s_w + kx * d_w]
                                if col is not None:   # the product w * x, sent back
                                    grad_x[n][c][row][col] += w[j][k][ky][kx].conjugate() * up
                                    grad_w[j][k][ky][kx] += x[n][c][row][col].conjugate() * up
    as_tensor = lambda v, shape: torch.tensor(v, dtype=input.dtype).reshape(shape)  # noqa: E731
    grad_input = as_tensor(grad_x, batched.shape)
    return (grad_input if spec.batched else grad_input.squeeze(0)).to(input.device), \
        as_tensor(grad_w, weight.shape).to(weight.device), \
        as_tensor(grad_b, (c_out,)).to(weight.device)


class NaiveConv2d(torch.autograd.Function):
    """Forward by ``conv2d_naive``'s loops, backward by :func:`backward_loops`."""

    @staticmethod
    def forward(ctx, loops: Callable[..., torch.Tensor], spec: ConvSpec,  # type: ignore[override]
                arguments: tuple, input, weight, bias):
        ctx.save_for_backward(input, weight)
        ctx.spec = spec
        return loops(input, weight, bias, *arguments)   # autograd is off in here: just loops

    @staticmethod
    def backward(ctx, grad_out):  # type: ignore[override]
        if torch.is_grad_enabled():
            raise refuse("double backward (create_graph=True)")
        input, weight = ctx.saved_tensors
        grad_x, grad_w, grad_b = backward_loops(grad_out, input, weight, ctx.spec)
        need = ctx.needs_input_grad
        return (None, None, None, grad_x if need[3] else None, grad_w if need[4] else None,
                grad_b if need[5] else None)
