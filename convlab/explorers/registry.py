"""Every explorer with a small setting to show it: the one list the browser suite and the
benchmark drag, so that an explorer added later is dragged and checked without editing either.

The explorers are the public ``*_explorer`` functions of :mod:`convlab.explorers`; an explorer
that needs more than its language (MNIST images) or is best shown at a particular setting has
an entry in :data:`SETTINGS`. Any other is built as ``convlab.NAME(lang)`` and its first enabled
slider is dragged.
"""
from __future__ import annotations

import dataclasses

__all__ = ["Demo", "SETUP", "SETTINGS", "demos"]

#: Run once before the explorers are built (the MNIST explorer's images: random, offline).
SETUP = ("import torch, convlab\n"
         "images = torch.rand(64, 1, 28, 28, generator=torch.Generator().manual_seed(0))")


@dataclasses.dataclass(frozen=True)
class Demo:
    """One explorer shown at one setting: ``code`` (with ``{lang!r}``) builds it after
    :data:`SETUP`; ``control`` is the slider dragged (None: the first enabled one)."""

    name: str
    code: str
    control: str | None = None

    def source(self, lang: str) -> str:
        return self.code.format(lang=lang)


#: name -> (code, slider dragged), for explorers that need more than ``convlab.NAME(lang)``.
SETTINGS: dict[str, tuple[str, str | None]] = {
    "shape_explorer": ("convlab.shape_explorer({lang!r})", "height"),
    "sliding_window_explorer": ("convlab.sliding_window_explorer({lang!r}, height=8, width=8)",
                                "seed"),
    "groups_explorer": ("convlab.groups_explorer({lang!r})", "out_channels"),
    "many_filters_explorer": ("convlab.many_filters_explorer({lang!r})", "seed"),
    # the seed has 100 values; a multiplier has 25, too few to show 20 pictures a second
    "channel_arithmetic_explorer": ("convlab.channel_arithmetic_explorer({lang!r})", "seed"),
    "mnist_filter_explorer": ("convlab.mnist_filter_explorer(images, {lang!r}, kernel='random')",
                              "seed"),
    "kernel_descent_explorer": ("convlab.kernel_descent_explorer(images, {lang!r}, steps=40)",
                                "lr"),
    # the seed redraws every number across 100 values (the step slider has only a few)
    "transposed_explorer": ("convlab.transposed_explorer({lang!r})", "seed"),
}


def demos() -> list[Demo]:
    """Every public explorer of :mod:`convlab.explorers`, in its order, with its setting."""
    from . import __all__ as public

    found = []
    for name in public:
        if not name.endswith("_explorer"):
            continue
        code, control = SETTINGS.get(name, (f"convlab.{name}({{lang!r}})", None))
        found.append(Demo(name, code, control))
    return found
