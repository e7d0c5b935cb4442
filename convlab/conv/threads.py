"""How a call's products are shared among the processor's threads (lesson 06).

``torch.bmm`` gives each thread whole matrices of its own; a tile of samples whose matrices do
not divide evenly among the threads leaves one thread idle at the end of every tile.
"""
from __future__ import annotations

import torch


def balanced(fit: int, n: int, groups: int) -> int:
    """Samples a tile when ``fit`` of the ``n`` samples fit the buffer: all of them when they
    fit at once; else the most, up to ``fit``, whose ``samples*groups`` matrices share evenly
    among the threads (``fit`` when no smaller count does). Measured on the 2-core benchmark
    machine, tiles of 3 samples against 2, ratio to F.conv2d at batch 8: 3x3 128 -> 128 on
    32x32 1.96 -> 1.50, 64 -> 64 on 48x48 2.27 -> 1.67; 256 -> 256 on 16x16, 7 against 6,
    1.41 -> 1.28."""
    if fit >= n:
        return max(n, 1)
    threads = torch.get_num_threads()
    return next((t for t in range(fit, 0, -1) if t * groups % threads == 0), fit)
