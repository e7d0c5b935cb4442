"""How many bytes a block of the depthwise routes holds: about what the L2 caches of the
threads that sum it hold (lesson 06).

A depthwise layer is a multiply-add per kernel tap over a block of maps, so a block's cells
are read once per tap: from the L2 caches when the block fits in them, else from the larger,
slower caches or main memory. On the 2-core benchmark machine (2 MiB of L2 a core) one
multiply-add over maps of 112x112 ran at 18 billion numbers a second on blocks of 2 MiB,
6 on blocks of 8-16 MiB, and 7 on blocks of 256 KiB, where each call's fixed cost of a few
microseconds outweighs its work (``benchmarks/README.md``). The bound is worked out from the
machine's own caches, not tuned to one.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import torch

MiB = 1024 * 1024
#: A core's L2 bytes when the system does not say (Linux lists its caches in sysfs; others not).
L2_UNKNOWN = MiB
#: Share of the threads' L2 caches a block takes: the rest holds the weights, the output
#: cells the block writes through and whatever else the threads touch.
SHARE = 3 / 4
#: Fewest bytes a block: smaller blocks make more multiply-adds, each with its fixed cost.
MIN_BLOCK = 2 * MiB

_CACHES = Path("/sys/devices/system/cpu/cpu0/cache")


def _size(text: str) -> int:
    """Bytes from sysfs's ``"2048K"`` (or ``"2M"``, or a plain number)."""
    text = text.strip().upper()
    scale = {"K": 1024, "M": MiB, "G": 1024 * MiB}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale


def _sharing(text: str) -> int:
    """How many processors ``shared_cpu_list`` names (``"0"``, ``"0-1"``, ``"0,4"``)."""
    count = 0
    for part in text.strip().split(","):
        first, _, last = part.partition("-")
        count += int(last) - int(first) + 1 if last else 1
    return max(count, 1)


@functools.cache
def l2_bytes(caches: Path = _CACHES) -> int:
    """The L2 cache bytes of one processor: its L2's size over the processors that share it,
    from Linux's sysfs; :data:`L2_UNKNOWN` where that cannot be read."""
    for index in sorted(caches.glob("index*")):
        try:
            if ((index / "level").read_text().strip() == "2"
                    and (index / "type").read_text().strip() in ("Unified", "Data")):
                return _size((index / "size").read_text()) // _sharing(
                    (index / "shared_cpu_list").read_text())
        except (OSError, ValueError):
            continue
    return L2_UNKNOWN


@functools.cache
def processors() -> int:
    """The processors this process may run on (a container may be given fewer than the
    machine has, while PyTorch's thread count follows the machine)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):          # no affinity on this system
        return max(1, os.cpu_count() or 1)


def block_bytes() -> int:
    """Bytes of one block of a depthwise route: :data:`SHARE` of the L2 caches of the threads
    that sum it (no more threads than :func:`processors`), at least :data:`MIN_BLOCK` (3 MiB on
    the benchmark machine's 2 cores)."""
    threads = min(torch.get_num_threads(), processors())
    return max(MIN_BLOCK, int(l2_bytes() * threads * SHARE))
