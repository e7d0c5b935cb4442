"""A drop-in ``nn.Conv2d`` that computes with convlab, and a way to put it into any model.

:class:`Conv2d` is ``torch.nn.Conv2d`` in every respect a model or a checkpoint can see
(constructor, parameters, ``state_dict`` keys, ``repr``, initialisation, padding modes) except
that its forward pass runs :func:`convlab.conv2d_vectorized`. :func:`swap_convs` replaces every
``nn.Conv2d`` of a model by one, keeping the very same parameters, so a real network can be run and trained on
convlab's convolution (lesson 06 explains its routes).
"""
from .conv import Conv2d, swap_convs

__all__ = ["Conv2d", "swap_convs"]
