"""Scratch memory a route keeps between calls, and what it made of it (lesson 06).

A depthwise layer on a small map is a few dozen multiply-adds, each over one strided view of
a block buffer. Making those views anew every call (one ``as_strided`` each) cost as much
as the multiply-adds: the weight's gradient of a 3x3 layer of 960 channels on 7x7 maps at
batch 2 took 232 us with its views made every call and 171 us with them made once
(``benchmarks/README.md``). So each thread keeps one scratch buffer per device and dtype,
grown to the most numbers a call has asked for, and whatever each layout built on it (its
buffers and their views): a layer called again, as every training step calls it, finds
them made.

What is kept: the largest scratch a call has needed, up to :data:`KEPT_BLOCKS` blocks (a
route's blocks are the size of the threads' L2 caches, :mod:`.cache`: a few MiB), and the
views of at most :data:`MAX_LAYOUTS` layouts. Every layout's buffers share the one scratch,
so nothing in it outlives a call: a call writes its buffers before it reads them. Growing
the scratch drops every view made of the smaller one. :func:`release` frees it all.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

import torch

from . import cache

T = TypeVar("T")

#: Bytes of a cache line: the unit in which the channels-last buffers' cells are spaced.
CACHE_LINE = 64

#: Most bytes a thread keeps a scratch of, in blocks of :func:`.cache.block_bytes`: a call
#: that needs more (a block of one sample larger than the caches) gets memory of its own,
#: freed when it returns, as before anything was kept.
KEPT_BLOCKS = 4

#: Layouts whose views a thread keeps (the least recently used goes first): a network's
#: depthwise layers, each with its three kernels, many times over.
MAX_LAYOUTS = 256


class _Kept(threading.local):
    """Per thread: for each (device, dtype), the scratch and what each key built on it."""

    def __init__(self) -> None:
        self.slots: dict[tuple[torch.device, torch.dtype],
                         tuple[torch.Tensor, OrderedDict[Hashable, object]]] = {}


_kept = _Kept()


def kept(like: torch.Tensor, key: Hashable, numbers: int,
         build: Callable[[torch.Tensor], T]) -> T:
    """What ``build`` made of this thread's scratch (a 1-D tensor of at least ``numbers``
    numbers, of ``like``'s device and dtype) for ``key``: built on the first call with this
    key, found on the next ones. ``key`` must name everything ``build`` depends on besides
    the scratch (a layout, a block's size). More than :data:`KEPT_BLOCKS` blocks' worth is
    made for the call and not kept."""
    if numbers * like.element_size() > KEPT_BLOCKS * cache.block_bytes():
        return build(like.new_empty(numbers))            # too large to keep: this call's own
    slot = (like.device, like.dtype)
    memory, made = _kept.slots.get(slot, (None, None))
    if memory is None or made is None or memory.numel() < numbers:
        with torch.inference_mode(False):        # usable in and out of inference mode
            memory = torch.empty(numbers, dtype=like.dtype, device=like.device)
        made = OrderedDict()
        _kept.slots[slot] = (memory, made)
    if key in made:
        made.move_to_end(key)
        return made[key]  # type: ignore[return-value]
    with torch.inference_mode(False), torch.no_grad():   # plain views, in any mode
        value = made[key] = build(memory)
    if len(made) > MAX_LAYOUTS:
        made.popitem(last=False)
    return value


def release() -> None:
    """Free this thread's scratch memory and every view made of it."""
    _kept.slots.clear()


def lane_step(channels: int, element_size: int) -> int:
    """Numbers from one cell's channels to the next in a channels-last buffer: ``channels``
    and spare lanes up to an odd number of cache lines. Copying a block back to
    ``(B, C, H, W)`` reads one number a cell, a cell apart; cells a power of two of lines apart
    fall in a few cache sets, which the copy evicts again and again (2 x 1024 maps of 14x14:
    1433 against 213 us with 16 spare numbers a cell; 8 x 240 maps of 14x14, cells 256
    numbers apart: 438 against 129 us at 240, an odd 15 lines). An odd number of lines
    reaches every set."""
    per_line = max(1, CACHE_LINE // element_size)
    lines = -(-channels // per_line)
    return (lines | 1) * per_line


def places(element_size: int, shapes: list[tuple[int, ...]]) -> tuple[list[tuple[int, int]], int]:
    """Where each buffer of ``shapes`` starts in one scratch and its cells' step (the last
    dimension's :func:`lane_step`), each from a cache line; and the numbers they take."""
    per_line, places, at = max(1, CACHE_LINE // element_size), [], 0
    for shape in shapes:
        step = lane_step(shape[-1], element_size)
        places.append((at, step))
        at += -(-math.prod(shape[:-1]) * step // per_line) * per_line
    return places, at


class Blocks:
    """One call's buffers, cut from one scratch (kept between calls by :func:`kept`, or made
    for the call), and the views of them a block of ``count`` samples uses, made the
    first time a block of that size comes."""

    def __init__(self, like: torch.Tensor, key: tuple[Any, ...], shapes: list[tuple[int, ...]],
                 views: Callable[[list[torch.Tensor], int], Any], keep: bool = True):
        where, numbers = places(like.element_size(), shapes)

        def cut(memory: torch.Tensor) -> tuple[list[torch.Tensor], dict[int, Any]]:
            return [memory[at:at + math.prod(shape[:-1]) * step].view(*shape[:-1], step)
                    [..., :shape[-1]] for (at, step), shape in zip(where, shapes)], {}
        if keep:
            self.buffers, self._made = kept(like, key, numbers, cut)
        else:
            self.buffers, self._made = cut(like.new_empty(numbers))
        self._views = views

    def __getitem__(self, count: int) -> Any:
        if count not in self._made:
            with torch.inference_mode(False), torch.no_grad():     # plain views, in any mode
                self._made[count] = self._views(self.buffers, count)
        return self._made[count]


def fresh(like: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """A new buffer of ``shape`` for this call alone, its cells :func:`lane_step` apart."""
    step = lane_step(shape[-1], like.element_size())
    return like.new_empty(*shape[:-1], step)[..., :shape[-1]]
