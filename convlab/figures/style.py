"""One colour language for every figure and explorer in the course.

Input, kernel, output and padding keep the same colour in every lesson, so a student who has
learned "orange is the kernel" in lesson 01 can read any later picture at a glance.
"""
from __future__ import annotations

# Input, kernel, output and padding stay apart for the common colour blindnesses (deutan and
# protan, simulated with colorspacious in tests/test_widgets.py): matplotlib's default orange and
# green look alike to a protan eye, so the kernel is Okabe and Ito's orange and the output a
# dark green.
INPUT = "#1f77b4"      # blue: the input tensor and its cells
KERNEL = "#e69f00"     # orange: kernel / filter taps and weights
OUTPUT = "#006d2c"     # dark green: output cells and feature maps
PADDING = "#9e9e9e"    # grey: cells that padding adds around the input
DROPPED = "#d62728"    # red: input rows/columns the floor in the size formula never reads
BIAS = "#9467bd"       # purple: bias terms

# Colormaps: "jet" for weights (as the seed post and many papers do), a diverging map where the
# sign matters, and grey for MNIST digits.
WEIGHT_CMAP = "jet"
SIGNED_CMAP = "RdBu_r"
IMAGE_CMAP = "gray"

PALETTE = {
    "input": INPUT,
    "kernel": KERNEL,
    "output": OUTPUT,
    "padding": PADDING,
    "dropped": DROPPED,
    "bias": BIAS,
}
