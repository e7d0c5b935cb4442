"""Slider explorers for every Conv2d parameter, in English and Korean (lessons 01-05)."""
from .widgets import (KERNELS, Explorer, channel_arithmetic_explorer, groups_explorer,
                      mnist_filter_explorer, run_conv2d, shape_explorer, sliding_window_explorer)

__all__ = ["Explorer", "KERNELS", "shape_explorer", "sliding_window_explorer", "groups_explorer",
           "channel_arithmetic_explorer", "mnist_filter_explorer", "run_conv2d"]
