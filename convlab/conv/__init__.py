"""Conv2d with exactly PyTorch's semantics: one formula module, one check module, two implementations.

Layers, each importing only the ones above it: :mod:`.geometry` (every size formula) →
:mod:`.validation` and :mod:`.transposed_checks` (every check, PyTorch's exception types and
words) → :mod:`.im2col` (its input gradient :mod:`.col2im`), :mod:`.pointwise`,
:mod:`.depthwise` (with :mod:`.depthwise_last`, :mod:`.depthwise_maps` and
:mod:`.depthwise_maps_last`, their blocks cut to the L2 caches by :mod:`.cache`, the
channels-last blocks' buffers and views kept between calls by :mod:`.workspace`, the forward
pass a compiled loop where a C compiler is found, :mod:`.compiled`) and
:mod:`.shifted` (the vectorized routes) → :mod:`.functional`
(``conv2d_naive``, ``conv2d_vectorized``). Nothing here imports matplotlib or ipywidgets.
Lesson 06 teaches it.
"""
from .functional import conv2d_naive, conv2d_vectorized, pad_input
from .geometry import Geometry, geometry, output_size, same_padding, unused_cells
from .validation import check_conv2d

__all__ = ["conv2d_naive", "conv2d_vectorized", "pad_input", "check_conv2d",
           "Geometry", "geometry", "output_size", "same_padding", "unused_cells"]

# Transposed convolution (lesson 08)
from .geometry import TransposedGeometry, transposed_output_size  # noqa: E402
from .transposed import conv_transpose2d_naive, conv_transpose2d_vectorized  # noqa: E402
from .transposed_checks import check_conv_transpose2d  # noqa: E402

__all__ += ["conv_transpose2d_naive", "conv_transpose2d_vectorized", "check_conv_transpose2d",
            "TransposedGeometry", "transposed_output_size"]
# Receptive fields and pooling sizes (lesson 09).
from .geometry import ReceptiveField, adaptive_windows, pool_output_size, receptive_fields  # noqa: E402

__all__ += ["ReceptiveField", "receptive_fields", "pool_output_size", "adaptive_windows"]
