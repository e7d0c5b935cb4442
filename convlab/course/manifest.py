"""The lesson list: one manifest, read by the lab launcher, the handouts, the notebook builder,
the tests and the README's lesson table.

A lesson is a notebook name shared by ``notebooks/en/`` and ``notebooks/ko/``; the languages the
course is written in are :data:`convlab.i18n.LANGS`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One lesson: its notebook name (``NN_topic``) and its explorer, if it has one."""

    name: str
    explorer: str | None = None

    @property
    def number(self) -> str:
        return self.name.split("_", 1)[0]

    def notebook(self, lang: str) -> str:
        """The notebook's path relative to the lessons folder, e.g. ``ko/01_conv2d_basics.ipynb``."""
        return f"{lang}/{self.name}.ipynb"


#: Every lesson, in course order.
LESSONS: tuple[Lesson, ...] = (
    Lesson("00_start_here"),
    Lesson("01_conv2d_basics", "shape_explorer"),
    Lesson("02_stride_padding_dilation", "sliding_window_explorer"),
    Lesson("03_groups_depthwise", "groups_explorer"),
    Lesson("04_mnist_and_weights", "mnist_filter_explorer"),
    Lesson("05_channel_arithmetic", "channel_arithmetic_explorer"),
    Lesson("06_conv2d_from_scratch"),
    Lesson("07_learning_filters", "kernel_descent_explorer"),
    Lesson("08_backward_and_transposed", "transposed_explorer"),
    Lesson("09_receptive_fields_and_pooling", "receptive_field_explorer"),
)


def lesson(name: str) -> Lesson:
    """The lesson called ``name`` (``"01_conv2d_basics"``), or a ValueError listing them all."""
    for item in LESSONS:
        if item.name == name:
            return item
    raise ValueError(f"no lesson named {name!r}; the lessons are "
                     + ", ".join(item.name for item in LESSONS))
