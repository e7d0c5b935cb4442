"""Conv2d geometry: the output-size formula, 'same' padding, and which input cells an output reads.

This is the one place where these formulas live; the implementations (conv.py), the explorers
(widgets.py) and the pictures all call it. Lessons 01 and 02 teach every formula here.

The output-size formula, per spatial axis (PyTorch's ``nn.Conv2d`` documentation):

    out = floor((in + pad_before + pad_after - dilation * (kernel - 1) - 1) / stride) + 1

PyTorch's ``padding`` is per side (``pad_before == pad_after`` except for ``padding='same'``
with an even effective kernel, where the extra cell goes after, i.e. bottom/right).
"""
from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Sequence, Union

IntOrPair = Union[int, Sequence[int]]
Padding = Union[int, Sequence[int], str]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def pair(value: IntOrPair, name: str) -> tuple[int, int]:
    """Normalise an int or a 1- or 2-element sequence to ``(height, width)``, as PyTorch does.

    ``stride=2`` means ``(2, 2)``; ``stride=(2, 1)`` means 2 down, 1 across (lesson 01).
    """
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int):
        return (value, value)
    try:
        items = [operator.index(v) for v in value]
    except TypeError:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}") from None
    if len(items) == 1:
        return (items[0], items[0])
    if len(items) != 2:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the "
            f"convolution dimensions, but got {name}=[{', '.join(str(v) for v in items)}]"
        )
    return (items[0], items[1])


def effective_kernel(kernel: int, dilation: int) -> int:
    """How many input cells one kernel spans along an axis: ``dilation * (kernel - 1) + 1``."""
    return dilation * (kernel - 1) + 1


def same_padding(kernel: int, dilation: int = 1) -> tuple[int, int]:
    """``(before, after)`` padding that ``padding='same'`` adds along one axis (stride 1 only).

    The total is ``dilation * (kernel - 1)``; PyTorch puts the smaller half before and the
    extra cell after, so a 4-wide kernel pads 1 on the left and 2 on the right (lesson 02).
    """
    total = dilation * (kernel - 1)
    return (total // 2, total - total // 2)


def output_size(
    in_size: int, kernel: int, stride: int = 1, padding: int | tuple[int, int] = 0,
    dilation: int = 1,
) -> int:
    """Output length along one axis; ``padding`` is per side, or ``(before, after)``.

    The division floors: positions where the kernel would run off the padded input are never
    computed, so a few trailing input rows may go unread (see :func:`unused_cells`).
    """
    before, after = (padding, padding) if isinstance(padding, int) else padding
    span = in_size + before + after - effective_kernel(kernel, dilation)
    return span // stride + 1


def unused_cells(
    in_size: int, kernel: int, stride: int = 1, padding: int | tuple[int, int] = 0,
    dilation: int = 1,
) -> int:
    """How many cells at the end of the padded axis no output position reads (the floor's leftover).

    Counts padded cells; lesson 02 shows these rows greyed out in the sliding-window explorer.
    """
    before, after = (padding, padding) if isinstance(padding, int) else padding
    span = in_size + before + after - effective_kernel(kernel, dilation)
    return span % stride if span >= 0 else 0


@dataclass(frozen=True)
class ReachedTaps:
    """Along one axis, the kernel taps that read at least one input cell and what they need.

    ``taps`` is the range of taps from the first that reads an input cell to the last; the taps
    outside it read only zero padding at every output position, so they add nothing (lesson 06
    checks one such layer). ``cells`` is the range of input cells those taps read, and
    ``padding`` the zeros ``(before, after)`` they need around those cells: the same output
    size, with the outer taps, the cells no tap reads and their padding dropped.
    """

    taps: range
    cells: range
    padding: tuple[int, int]


@functools.lru_cache(maxsize=1024)      # asked on every call of conv2d_vectorized
def reached_taps(in_size: int, kernel: int, stride: int = 1,
                 padding: tuple[int, int] = (0, 0), dilation: int = 1) -> ReachedTaps:
    """Which taps of a zero-padded axis read an input cell (:class:`ReachedTaps`).

    Tap ``i`` reads input cell ``y * stride + i * dilation - before`` for output ``y``; it
    reaches the input when one of those lands in ``[0, in_size)``. A dilated kernel on a small
    map, with as much padding as dilation (DeepLab's 3x3 at dilation 36 on a 28x28 map), reads
    the input with its middle tap only: a 1x1 convolution. With no output, or no tap reaching
    the input, every tap is kept.
    """
    before, after = padding
    out = output_size(in_size, kernel, stride, padding, dilation)

    def reaches(i: int) -> bool:
        start = i * dilation - before                    # the cell output 0 reads
        y = max(0, -(start // stride))                   # the first output at or past cell 0
        return y < out and 0 <= y * stride + start < in_size

    hits = [i for i in range(kernel) if reaches(i)] if out > 0 else []
    if not hits:
        return ReachedTaps(range(kernel), range(in_size), (before, after))
    first, last = hits[0], hits[-1]
    start = first * dilation - before                    # cell the first tap reads at output 0
    end = (out - 1) * stride + last * dilation - before  # cell the last reads at the last
    cells = range(max(start, 0), min(end, in_size - 1) + 1)
    return ReachedTaps(range(first, last + 1), cells,
                       (max(-start, 0), max(end - (in_size - 1), 0)))


@dataclass(frozen=True)
class Geometry:
    """Every number that fixes where a Conv2d reads, normalised to per-axis pairs.

    ``padding`` is ``((top, bottom), (left, right))`` after resolving ``'same'``/``'valid'``.
    """

    in_size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]

    @property
    def padded_size(self) -> tuple[int, int]:
        """Height and width of the input after padding."""
        (t, b), (l, r) = self.padding
        return (self.in_size[0] + t + b, self.in_size[1] + l + r)

    @property
    def effective_kernel(self) -> tuple[int, int]:
        """Kernel footprint including dilation gaps."""
        return (effective_kernel(self.kernel[0], self.dilation[0]),
                effective_kernel(self.kernel[1], self.dilation[1]))

    @property
    def out_size(self) -> tuple[int, int]:
        """``(H_out, W_out)`` from the formula in this module's docstring."""
        return tuple(  # type: ignore[return-value]
            output_size(self.in_size[a], self.kernel[a], self.stride[a], self.padding[a],
                        self.dilation[a])
            for a in (0, 1)
        )

    @property
    def unused(self) -> tuple[int, int]:
        """Padded rows and columns at the bottom/right that the floor leaves unread."""
        return tuple(  # type: ignore[return-value]
            unused_cells(self.in_size[a], self.kernel[a], self.stride[a], self.padding[a],
                         self.dilation[a])
            for a in (0, 1)
        )

    def window(self, out_row: int, out_col: int) -> list[tuple[int, int]]:
        """Padded-input coordinates ``(row, col)`` that output cell ``(out_row, out_col)`` reads.

        Tap ``(i, j)`` of the kernel lands at ``(out_row * stride + i * dilation,
        out_col * stride + j * dilation)``; listed in kernel order (row-major).
        """
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return [(out_row * sh + i * dh, out_col * sw + j * dw)
                for i in range(self.kernel[0]) for j in range(self.kernel[1])]


def resolve_padding(
    padding: Padding, kernel: tuple[int, int], dilation: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Turn ``padding`` (int, pair, ``'same'`` or ``'valid'``) into ``((top, bottom), (left, right))``.

    Assumes the arguments were validated (``convlab.validation``).
    """
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return (same_padding(kernel[0], dilation[0]), same_padding(kernel[1], dilation[1]))
    ph, pw = pair(padding, "padding")  # type: ignore[arg-type]
    return ((ph, ph), (pw, pw))


def geometry(
    in_size: tuple[int, int], kernel: IntOrPair, stride: IntOrPair = 1, padding: Padding = 0,
    dilation: IntOrPair = 1,
) -> Geometry:
    """Build a :class:`Geometry` from ``nn.Conv2d``-style arguments (ints, pairs or strings)."""
    k = pair(kernel, "kernel_size")
    d = pair(dilation, "dilation")
    return Geometry(in_size=(int(in_size[0]), int(in_size[1])), kernel=k,
                    stride=pair(stride, "stride"), padding=resolve_padding(padding, k, d),
                    dilation=d)


def padded_index(index: int, size: int, before: int, mode: str) -> int | None:
    """Which input cell feeds padded position ``index`` along an axis of length ``size``.

    ``before`` is the padding added in front. Returns ``None`` for a zero-padding cell. The four
    ``padding_mode`` values of ``nn.Conv2d`` (lesson 02):

    - ``zeros``: outside the input is 0.
    - ``reflect``: mirror without repeating the edge (``d c b | a b c d | c b a``).
    - ``replicate``: repeat the edge cell (``a a a | a b c d | d d d``).
    - ``circular``: wrap around (``b c d | a b c d | a b c``).
    """
    i = index - before
    if 0 <= i < size:
        return i
    if mode == "zeros":
        return None
    if mode == "reflect":
        period = 2 * (size - 1)
        i = abs(i) % period if period else 0
        return period - i if i >= size else i
    if mode == "replicate":
        return min(max(i, 0), size - 1)
    if mode == "circular":
        return i % size
    raise ValueError(f"unknown padding mode {mode!r}")


def transposed_output_size(
    in_size: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Output length along one axis of ``nn.ConvTranspose2d`` (its documentation's formula).

    ``(in - 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1``: the input
    size a ``Conv2d`` with the same arguments maps back onto :func:`output_size`'s ``in_size``.
    Several input sizes floor to one output size under a stride; ``output_padding`` (smaller
    than the stride or the dilation) picks which one (lesson 08).
    """
    return ((in_size - 1) * stride - 2 * padding + effective_kernel(kernel, dilation)
            + output_padding)


@dataclass(frozen=True)
class TransposedGeometry:
    """Every number that fixes where a ConvTranspose2d writes, as per-axis pairs (lesson 08).

    Input cell ``(i, j)`` adds ``x[i, j]·w[ky, kx]`` to cell ``(i·stride + ky·dilation,
    j·stride + kx·dilation)`` of a ``full_size`` canvas; the output is that canvas with
    ``padding`` cells cut from each side (``output_padding`` extra rows/columns of zeros at
    the bottom/right are part of the canvas).
    """

    in_size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    dilation: tuple[int, int]

    @property
    def out_size(self) -> tuple[int, int]:
        """``(H_out, W_out)`` from :func:`transposed_output_size`."""
        return tuple(  # type: ignore[return-value]
            transposed_output_size(self.in_size[a], self.kernel[a], self.stride[a],
                                   self.padding[a], self.output_padding[a], self.dilation[a])
            for a in (0, 1))

    @property
    def full_size(self) -> tuple[int, int]:
        """The canvas every input cell writes into, before ``padding`` is cut away."""
        return (self.out_size[0] + 2 * self.padding[0], self.out_size[1] + 2 * self.padding[1])

    def targets(self, row: int, col: int) -> list[tuple[int, int]]:
        """Canvas cells ``(row, col)`` of the input writes, in kernel order (row-major)."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return [(row * sh + i * dh, col * sw + j * dw)
                for i in range(self.kernel[0]) for j in range(self.kernel[1])]
# --- stacks of layers: receptive field and jump (lesson 09) ----------------------------------

@dataclass(frozen=True)
class ReceptiveField:
    """What one output cell of a stack sees along one axis, by the recurrence of lesson 09.

    ``size``: how many input cells the receptive field spans (gaps of dilation included);
    ``jump``: how far apart, in input cells, the receptive fields of two neighbouring output
    cells start (the product of the strides, the "effective stride"); ``start``: where the
    receptive field of output cell 0 starts, in input coordinates (negative: in the padding).
    """

    size: int
    jump: int
    start: int

    def region(self, index: int, in_size: int | None = None) -> tuple[int, int]:
        """First and last input cell that output cell ``index`` depends on (inclusive).

        With ``in_size`` the span is clipped to the input: padding cells are not input cells.
        """
        first = self.start + index * self.jump
        last = first + self.size - 1
        if in_size is None:
            return (first, last)
        return (max(first, 0), min(last, in_size - 1))


def receptive_fields(layers: Sequence[tuple[int, int, int, int]]) -> list[ReceptiveField]:
    """The receptive field after each layer of a stack, along one axis (lesson 09).

    ``layers``: ``(kernel, stride, padding, dilation)`` per layer, input side first; a pooling
    layer counts like a convolution with the same arguments. The recurrence, from ``size = 1``,
    ``jump = 1``, ``start = 0`` at the input::

        size  += dilation * (kernel - 1) * jump
        start -= padding * jump
        jump  *= stride

    Only positions matter, never channels or weights: ``ceil_mode`` changes how many output cells
    a pooling layer has (:func:`pool_output_size`), not what each of them sees.
    """
    size, jump, start = 1, 1, 0
    out = []
    for kernel, stride, padding, dilation in layers:
        size += dilation * (kernel - 1) * jump
        start -= padding * jump
        jump *= stride
        out.append(ReceptiveField(size=size, jump=jump, start=start))
    return out


def pool_output_size(in_size: int, kernel: int, stride: int | None = None, padding: int = 0,
                     dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output length of ``nn.MaxPool2d``/``nn.AvgPool2d`` along one axis (lesson 09).

    The convolution's formula, rounded down, or up with ``ceil_mode=True``; with the ceiling,
    a last window that would start past the input and its left padding (at or after
    ``in_size + padding``) is dropped, so every window covers at least one input or left-padding
    cell. ``stride`` defaults to ``kernel``, as in PyTorch's pooling layers.
    """
    stride = kernel if stride is None else stride
    span = in_size + 2 * padding - effective_kernel(kernel, dilation)
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= in_size + padding:
        out -= 1
    return out


def adaptive_windows(in_size: int, out_size: int) -> list[tuple[int, int]]:
    """``(start, end)`` (end exclusive) of each window of ``nn.AdaptiveAvgPool2d`` along one axis.

    Window ``i`` runs from ``floor(i·in/out)`` to ``ceil((i+1)·in/out)``: the windows cover the
    input exactly, may differ in size by one and may overlap (lesson 09).
    """
    return [((i * in_size) // out_size, -(-((i + 1) * in_size) // out_size))
            for i in range(out_size)]
