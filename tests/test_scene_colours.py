"""The browser draws a cell in the colour matplotlib's own colormap table gives its value: the
scene's palette keeps the table's order, for maps that repeat colours or are not sorted (jet,
RdBu_r) as well as for sorted ones (gray, Blues)."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_hex

from convlab.explorers.scene import colour_cells


@pytest.mark.parametrize("cmap", ["jet", "RdBu_r", "Blues", "gray"])
def test_each_value_gets_matplotlibs_colour_for_it(cmap):
    lo, hi = -2.0, 3.0
    values = lo + (hi - lo) * np.arange(256) / 255        # one value per level of the table
    cells = colour_cells(values, cmap, lo, hi)
    shown = [cells["palette"][i] for i in cells["index"]]
    assert shown == [to_hex(colormaps[cmap]((v - lo) / (hi - lo))) for v in values]
    nan = colour_cells(np.array([np.nan]), cmap, lo, hi)
    assert nan["palette"][nan["index"][0]] == "#ffffff"
