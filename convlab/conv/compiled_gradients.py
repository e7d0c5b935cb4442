"""The gradients the compiled loops compute, and the route classes that run them (lesson 08).

The input's gradient of a convolution is a transposed convolution, and a transposed
convolution at stride ``s`` is ``s*s`` stride-1 convolutions, one for each residue of the
stride (:func:`_phases`): so the loops of :mod:`.compiled` compute it too, for depthwise layers
and for the layers of the direct loop. The weight's gradients have loops of their own
(``convlab_depthwise_weight``, ``convlab_direct_weight``). :func:`forward_of` puts them in place
of a route's kernels.
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import torch

from . import compiled
from .autograd import Conf, in_float32
from .compiled import (C_TYPES, MAX_DIRECT_INPUTS_A_STEP, MAX_DIRECT_WINDOW, WIDENED, call_loop,
                       enabled, int64s, plain)
from .layout import result_channels_last


class _Phase(NamedTuple):
    """Along one axis, the input cells of one residue of the stride and what reaches them: the
    first cell and how many (every ``stride``-th), the kernel taps whose products land there
    (the transposed convolution runs them backwards), their step in the output gradient, and
    where in it the first cell's sum starts."""
    first: int
    count: int
    taps: range
    dilation: int
    start: int


def _phases(size: int, pad: int, stride: int, dilation: int, kernel: int) -> list[_Phase]:
    """The input cells of a strided layer split by their residue of the stride (lesson 08):
    cell ``i`` gets ``g[y] * w[k]`` where ``y*stride + k*dilation == i + pad``, so the cells of
    one residue form a stride-1 convolution of the output gradient ``g`` with the taps of that
    residue, flipped, at dilation ``dilation / gcd(dilation, stride)``."""
    phases = []
    step = stride // math.gcd(dilation, stride)           # between taps of one residue
    for residue in range(stride):
        first = (residue - pad) % stride
        reached = [k for k in range(min(step, kernel)) if (k * dilation - residue) % stride == 0]
        taps = range(reached[0], kernel, step) if reached else range(0)
        start = (first + pad - taps[-1] * dilation) // stride if taps else 0
        phases.append(_Phase(first, len(range(first, size, stride)), taps,
                             dilation // math.gcd(dilation, stride), start))
    return phases


def _reads(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether a gradient loop takes ``a`` and ``b``: plain float32 or float64 CPU tensors
    (:func:`.compiled.plain`), the loops turned on."""
    return plain(a) and plain(b) and a.dtype in C_TYPES and enabled()


#: Output cells a sample from which the input gradient of a wide layer at stride 1 takes the
#: loop's pairs of blocks (:func:`takes_direct_grad_input`): its weights, transposed and
#: packed every call, are then spread over enough cells. Loop against route, 3x3, ratio to
#: F.conv2d's input gradient: 512 channels on 7x7 2.15 against 1.45 (batch 8: 1.63 against
#: 1.37); on 14x14 1.32 against 1.32, 256 on 14x14 1.32 against 1.45 (batch 8: 1.06 against
#: 1.25), 128 on 28x28 1.06 against 1.23, 64 -> 128 on 112x112 1.14 against 1.35.
MIN_PAIR_MAP = 14 * 14


def takes_direct_grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> bool:
    """Whether the input's gradient of a layer :func:`direct` runs is computed by the loop too
    (:func:`direct_grad_input`): the transposed windows (the output gradient's channels of a
    group, times the taps one residue of the stride reaches) hold at most
    :data:`MAX_DIRECT_WINDOW` numbers or take in at most :data:`MAX_DIRECT_INPUTS_A_STEP` new
    ones a step (each residue's convolution runs at stride 1: the output gradient's channels of
    a group), and the input's channels a group, the loop's output channels here, fill half a
    vector (:func:`.compiled.fills_half_a_vector`); or, at stride 1, the input's channels a
    group make two blocks (:func:`.compiled.takes_pairs`), the map holds at least
    :data:`MIN_PAIR_MAP` cells and the product is not :func:`.compiled.product_wins`'s.
    Input gradient as a multiple of F.conv2d's, loop against route, windows above the first
    bound: 3x3 64 -> 64 on 56x56 at batch 2 1.19 against 1.52, at batch 8 1.07 against 1.58;
    5x5 64 -> 64 on 28x28 1.26 against 1.37; 7x7 64 -> 64 on 14x14 1.37 against 2.03."""
    (k_h, k_w), (s_h, s_w) = conf.kernel, conf.stride
    depth = w.shape[0] // conf.groups
    few = (depth * -(-k_h // s_h) * -(-k_w // s_w) <= MAX_DIRECT_WINDOW
           or depth <= MAX_DIRECT_INPUTS_A_STEP)
    cells = g.shape[2] * g.shape[3]
    wide = (conf.stride == (1, 1) and compiled.takes_pairs(w.shape[1], g.dtype)
            and cells >= MIN_PAIR_MAP and not compiled.product_wins(w.shape[1], cells))
    return ((few or wide) and _reads(g, w)
            and compiled.fills_half_a_vector(w.shape[1], g.dtype))


#: Most numbers in a layer's weight (its gradient's sums) for which the weight gradient of a
#: layer of two blocks takes the loop (:func:`takes_direct_grad_weight`): every part of the
#: samples keeps a set of these sums, which pass through the cache at every band. Weight
#: gradient, loop against route, ratio to F.conv2d's: 256 -> 256 on 14x14 (590k numbers)
#: 1.13 against 1.19, 384 -> 256 on 13x13 (885k) 1.13 against 1.24; 256 -> 512 at stride 2
#: (1.18M) 1.25 against 0.92, 512 -> 512 on 7x7 (2.4M) 4.29 against 0.89, on 14x14 2.72
#: against 1.08.
MAX_WEIGHT_SUMS = 2 ** 20


def takes_direct_grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> bool:
    """Whether the weight's gradient of a layer :func:`direct` runs is computed by the loop
    too (:func:`direct_grad_weight`): windows of :func:`.compiled.few_numbers`, or groups of
    two blocks of output channels (:func:`.compiled.takes_pairs`) whose weight holds at most
    :data:`MAX_WEIGHT_SUMS` numbers, short of :func:`.compiled.product_wins`'s products.
    Loop against route, 3x3: 128 on 28x28 at batch 2 1.01 against 1.46, 256 on 14x14 1.13
    against 1.19, 64 -> 192 on 56x56 1.00 against 1.15, 5x5 64 -> 192 on 27x27 1.05 against
    1.28."""
    c_in, c_out = x.shape[1] // conf.groups, g.shape[1] // conf.groups
    numbers = g.shape[1] * c_in * conf.kernel[0] * conf.kernel[1]
    wide = (compiled.takes_pairs(c_out, x.dtype) and numbers <= MAX_WEIGHT_SUMS
            and not compiled.product_wins(c_out, g.shape[2] * g.shape[3]))
    return _reads(x, g) and (compiled.few_numbers(c_in, conf) or wide)


@in_float32
def direct_grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
    """The input's gradient of a layer of any groups, ``conv_transpose(g, w)``, by the loop
    ``convlab_direct``: one stride-1 convolution of the output gradient for each residue of
    the stride (:func:`_phases`), written into every ``stride``-th input cell, with the
    weight's input and output channels swapped within each group."""
    return _transposed(g, w, conf, "convlab_direct")


@in_float32
def depthwise_grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
    """The input's gradient of a depthwise layer (one output channel an input channel) by the
    loop ``convlab_depthwise``, one residue of the stride at a time as
    :func:`direct_grad_input`."""
    return _transposed(g, w, conf, "convlab_depthwise")


def _transposed(g: torch.Tensor, w: torch.Tensor, conf: Conf, loop: str) -> torch.Tensor:
    """``conv_transpose(g, w)`` by the loop ``loop``: for each residue of the stride along
    both axes, the stride-1 convolution of ``g`` with that residue's taps, flipped."""
    groups, (top, bottom, left, right) = conf.groups, conf.pad
    c_out, c_group = w.shape[:2]
    size = (conf.in_size[0] - top - bottom, conf.in_size[1] - left - right)
    rows, cols = (_phases(size[a], conf.pad[2 * a], conf.stride[a], conf.dilation[a],
                          conf.kernel[a]) for a in (0, 1))
    swapped = w.unflatten(0, (groups, c_out // groups)).transpose(1, 2).flatten(0, 1)
    # laid out as the result will be: a channels-last gradient written into the default
    # layout took every residue's cells one lane at a time (3x3 96 on 112x112 at stride 2:
    # 17.8 ms, against 4.7 for F.conv2d's)
    layout = torch.channels_last if result_channels_last(g, w) else torch.contiguous_format
    grad_x = torch.empty((g.shape[0], c_group * groups, *size), dtype=g.dtype,
                         memory_format=layout)
    if not (all(p.taps for p in rows) and all(p.taps for p in cols)):
        grad_x.zero_()                     # cells no tap reaches
    for row in rows:
        for col in cols:
            if not (row.taps and col.taps and row.count and col.count):
                continue
            taps = swapped[:, :, _slice(row.taps), _slice(col.taps)].flip(2, 3)
            part = g[:, :, max(row.start, 0):, max(col.start, 0):]
            out = grad_x[:, :, row.first::conf.stride[0], col.first::conf.stride[1]]
            sizes = (c_group * groups, groups) if loop == "convlab_direct" else ()
            call_loop(loop, part, taps, None, out, sizes, (1, 1), (row.dilation, col.dilation),
                      (max(-row.start, 0), 0, max(-col.start, 0), 0))
    return grad_x


def _slice(taps: range) -> slice:
    """A phase's taps as a slice of the kernel (a range would index element by element)."""
    return slice(taps.start, taps.stop, taps.step)


@in_float32
def direct_grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
    """The weight's gradient of a layer of any groups by the loop ``convlab_direct_weight``:
    for each tap of two input channels, the output gradient's vectors of two blocks of 16
    output channels times the input numbers the tap read, summed over every sample and output
    cell in registers."""
    return _weight_loop("convlab_direct_weight", x, g, conf, x.shape[1] // conf.groups,
                        (g.shape[1], conf.groups))


@in_float32
def depthwise_grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
    """The weight's gradient of a depthwise layer by the loop ``convlab_depthwise_weight``:
    the channels a vector at a time, each kernel row's sums in registers while every output
    cell adds its gradient vector times the input vector the tap read."""
    return _weight_loop("convlab_depthwise_weight", x, g, conf, 1, ())


def _weight_loop(name: str, x: torch.Tensor, g: torch.Tensor, conf: Conf, c_in_group: int,
                 sizes: tuple[int, ...]) -> torch.Tensor:
    """The weight's gradient ``(C_out, c_in_group, kH, kW)`` of input ``x`` and output
    gradient ``g`` by the weight loop ``name`` (``sizes``: its arguments between the input's
    width and the kernel's height)."""
    out = torch.empty((g.shape[1], c_in_group, *conf.kernel), dtype=x.dtype)
    failed = getattr(compiled.library(x.dtype), name)(
        x.data_ptr(), int64s(x.stride()), g.data_ptr(), int64s(g.stride()), out.data_ptr(),
        *x.shape, *sizes, *conf.kernel, *conf.stride, *conf.dilation, int64s(conf.pad),
        *g.shape[2:], compiled.band_budget(), torch.get_num_threads())
    if failed:
        raise MemoryError(f"convlab: the compiled loop {name} could not allocate its buffers")
    return out


@functools.cache
def forward_of(kernels: type, loop: str) -> type:
    """``kernels`` (a route) with its forward pass run by the compiled loop
    :func:`.compiled.depthwise` or :func:`.compiled.direct` (``loop``), its input gradient by
    the same loop (:func:`depthwise_grad_input`; :func:`direct_grad_input` where
    :func:`takes_direct_grad_input`), and its weight gradient by the loop's own
    (:func:`depthwise_grad_weight` where :func:`_reads`; :func:`direct_grad_weight` where
    :func:`takes_direct_grad_weight`); the rest, and the derivatives of all of them (each
    again one of the three maps), stay the route's."""
    def run(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None,
            conf: Conf) -> torch.Tensor:
        if plain(x) and plain(w) and (x.dtype in C_TYPES or x.dtype in WIDENED):
            return getattr(compiled, loop)(x, w, b, conf)
        return kernels.conv(x, w, b, conf)     # a torch.func transform's wrapped tensors

    def grad_input(g: torch.Tensor, w: torch.Tensor, conf: Conf) -> torch.Tensor:
        if loop == "depthwise" and _reads(g, w):
            return depthwise_grad_input(g, w, conf)
        if loop == "direct" and takes_direct_grad_input(g, w, conf):
            return direct_grad_input(g, w, conf)
        return kernels.grad_input(g, w, conf)

    def grad_weight(x: torch.Tensor, g: torch.Tensor, conf: Conf) -> torch.Tensor:
        if loop == "depthwise" and _reads(x, g):
            return depthwise_grad_weight(x, g, conf)
        if loop == "direct" and takes_direct_grad_weight(x, g, conf):
            return direct_grad_weight(x, g, conf)
        return kernels.grad_weight(x, g, conf)

    methods = {"conv": staticmethod(run), "grad_input": staticmethod(grad_input),
               "grad_weight": staticmethod(grad_weight)}
    return type(f"Compiled{kernels.__name__}", (kernels,), methods)
