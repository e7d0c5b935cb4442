"""convlab: a bilingual interactive course on PyTorch's Conv2d, and the code its lessons use.

Start with ``notebooks/en/00_start_here.ipynb`` (or ``notebooks/ko/``), or run ``convlab-lab``.

Every public name is importable from here, but nothing heavy is imported until it is used:
``import convlab`` (and ``import convlab.conv``) loads neither matplotlib nor ipywidgets.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> the subpackage that defines it
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["conv2d_naive", "conv2d_vectorized", "check_conv2d", "Geometry",
                     "geometry", "output_size", "same_padding", "unused_cells"], "conv"),
    **dict.fromkeys(["mnist", "describe", "MNISTDataError"], "data"),
    **dict.fromkeys(["plot_weights", "plot_feature_maps", "use_korean_font", "korean_rc",
                     "find_korean_font"], "figures"),
    **dict.fromkeys(["Explorer", "shape_explorer", "sliding_window_explorer", "groups_explorer",
                     "channel_arithmetic_explorer", "mnist_filter_explorer",
                     "many_filters_explorer", "KERNELS"],
                    "explorers"),
    "show_source": "course.source",
    **dict.fromkeys(["Conv2d", "swap_convs"], "nn"),
    **dict.fromkeys(["plot_kernel_fit", "TrainingPlot", "plot_confusion"], "figures"),
    **dict.fromkeys(["kernel_descent_explorer", "sgd_limit"], "explorers"),
    # lesson 08: transposed convolution
    **dict.fromkeys(["conv_transpose2d_naive", "conv_transpose2d_vectorized",
                     "check_conv_transpose2d", "TransposedGeometry", "transposed_output_size"],
                    "conv"),
    "transposed_explorer": "explorers",
    # lesson 09: receptive fields and pooling
    **dict.fromkeys(["ReceptiveField", "receptive_fields", "pool_output_size",
                     "adaptive_windows"], "conv"),
    "receptive_field_explorer": "explorers",
    # lesson 07: the explorer's descent, the same steps as training a real layer
    **dict.fromkeys(["learn_kernel", "learn_kernel_quadratic"], "explorers"),
}
_SUBPACKAGES = ("conv", "nn", "data", "figures", "explorers", "exercises", "i18n", "course")

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name's subpackage on first use (PEP 562)."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'convlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
