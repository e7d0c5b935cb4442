"""Sources of the lesson notebooks: one module per lesson, each with a ``CELLS`` list.

``tools/build_notebooks.py`` turns every module into ``notebooks/en/<name>.ipynb`` and
``notebooks/ko/<name>.ipynb``. Code cells are written once, so both languages run the same code.
"""

#: Lesson notebook names, in course order, with the module in this package that holds each.
LESSONS = {
    "00_start_here": "l00_start_here",
    "01_conv2d_basics": "l01_conv2d_basics",
    "02_stride_padding_dilation": "l02_stride_padding_dilation",
    "03_groups_depthwise": "l03_groups_depthwise",
    "04_mnist_and_weights": "l04_mnist_and_weights",
    "05_channel_arithmetic": "l05_channel_arithmetic",
    "06_conv2d_from_scratch": "l06_conv2d_from_scratch",
}
