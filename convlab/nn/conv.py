"""``convlab.Conv2d``: ``nn.Conv2d`` with convlab's convolution inside (lesson 06).

Subclassing ``nn.Conv2d`` keeps everything a model relies on identical by construction: the
constructor and its checks, ``weight``/``bias`` as parameters (so ``state_dict`` keys and
checkpoints match), ``reset_parameters`` (the same random numbers for the same seed),
``extra_repr`` and ``isinstance(m, nn.Conv2d)``. Only the arithmetic changes: the forward pass
calls :func:`convlab.conv.conv2d_vectorized`, which pads by ``padding_mode`` itself and whose
gradients of every order come from :mod:`convlab.conv.autograd`.
"""
from __future__ import annotations

import torch
from torch import nn

from ..conv import conv2d_vectorized


class Conv2d(nn.Conv2d):
    """``nn.Conv2d`` computed by :func:`convlab.conv2d_vectorized` (same arguments, same numbers).

    Every padding mode (``'zeros'``, ``'reflect'``, ``'replicate'``, ``'circular'``) and
    ``padding='same'``/``'valid'`` behave as in ``nn.Conv2d``. Lesson 06 explains the routes
    its forward and backward passes take.
    """

    def _conv_forward(self, input: torch.Tensor, weight: torch.Tensor,
                      bias: torch.Tensor | None) -> torch.Tensor:
        return conv2d_vectorized(input, weight, bias, self.stride, self.padding, self.dilation,
                                 self.groups, self.padding_mode)


def _as_convlab(conv: nn.Conv2d) -> Conv2d:
    """A :class:`Conv2d` with ``conv``'s arguments holding ``conv``'s own Parameter objects."""
    new = Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                 conv.padding, conv.dilation, conv.groups, conv.bias is not None,
                 conv.padding_mode, device="meta")        # no memory, no initialisation cost
    new.weight = conv.weight
    new.bias = conv.bias
    new.train(conv.training)
    for hooks in ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks",
                  "_state_dict_hooks", "_load_state_dict_pre_hooks"):
        getattr(new, hooks).update(getattr(conv, hooks))
    return new


def swap_convs(model: nn.Module) -> nn.Module:
    """Replace every ``nn.Conv2d`` of ``model`` by a :class:`Conv2d`, in place; return the model.

    The new modules hold the same Parameter objects, so an optimiser built before the swap
    keeps training them. Subclasses of ``nn.Conv2d`` with a forward of their own are left
    alone (only the exact type is swapped). If ``model`` is itself an ``nn.Conv2d``, the
    returned module is its replacement.
    """
    if type(model) is nn.Conv2d:
        return _as_convlab(model)
    for parent in model.modules():
        for name, child in list(parent.named_children()):
            if type(child) is nn.Conv2d:
                setattr(parent, name, _as_convlab(child))
    return model
