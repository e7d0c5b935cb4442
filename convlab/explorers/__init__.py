"""Slider explorers for every Conv2d parameter, in English and Korean (lessons 01-05, 07-09).

The framework is :mod:`.base` (an :class:`~.base.ExplorerModel` and the :class:`Explorer`
widget); each explorer is one module with its typed ``Params`` and ``State`` and its painter.
Every number shown comes from PyTorch; every formula from :mod:`convlab.conv.geometry`.
"""
from .arithmetic import channel_arithmetic_explorer
from .base import Explorer
from .descent import kernel_descent_explorer, learn_kernel, learn_kernel_quadratic, sgd_limit
from .groups import groups_explorer
from .kernels import KERNELS
from .many_filters import many_filters_explorer
from .mnist_filter import mnist_filter_explorer
from .receptive import receptive_field_explorer
from .shape import shape_explorer
from .torch_calls import run_conv2d
from .transposed import transposed_explorer
from .window import sliding_window_explorer

__all__ = ["Explorer", "KERNELS", "shape_explorer", "sliding_window_explorer", "groups_explorer",
           "channel_arithmetic_explorer", "mnist_filter_explorer", "many_filters_explorer",
           "run_conv2d", "kernel_descent_explorer", "learn_kernel", "learn_kernel_quadratic",
           "sgd_limit",
           "transposed_explorer", "receptive_field_explorer"]
