"""convlab: a bilingual interactive course on PyTorch's Conv2d, and the code its lessons use.

Start with ``notebooks/en/00_start_here.ipynb`` (or ``notebooks/ko/``).
"""
from .conv import conv2d_naive, conv2d_vectorized
from .data import MNISTDataError, describe, mnist
from .fonts import find_korean_font, korean_rc, use_korean_font
from .geometry import Geometry, geometry, output_size, same_padding, unused_cells
from .validation import check_conv2d
from .viz import plot_feature_maps, plot_weights
from .widgets import (Explorer, channel_arithmetic_explorer, groups_explorer,
                      mnist_filter_explorer, shape_explorer, sliding_window_explorer)

__version__ = "0.1.0"

__all__ = [
    "conv2d_naive", "conv2d_vectorized", "check_conv2d",
    "Geometry", "geometry", "output_size", "same_padding", "unused_cells",
    "mnist", "describe", "MNISTDataError",
    "plot_weights", "plot_feature_maps",
    "use_korean_font", "korean_rc", "find_korean_font",
    "Explorer", "shape_explorer", "sliding_window_explorer", "groups_explorer",
    "channel_arithmetic_explorer", "mnist_filter_explorer",
]
