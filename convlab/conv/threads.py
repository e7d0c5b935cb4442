"""How the routes share their work among the processor's threads (lesson 06): the im2col
route's tiles and products, and the depthwise routes' sums over cells.

``torch.bmm`` gives each thread whole matrices of its own; a tile of samples whose matrices do
not divide evenly among the threads leaves one thread idle at the end of every tile.
"""
from __future__ import annotations

from typing import Iterator

import torch

#: Fewest output positions and multiply-adds in a row piece (:func:`row_pieces`): thinner
#: matrices run slowly, and with less work copying the pieces costs more than running them side
#: by side gains (pieces of 784-3,136 positions and 29 million multiply-adds ran 7-19 % faster
#: than whole samples in most runs; of 56 positions 33-58 % slower, of 5 million multiply-adds
#: 10 % slower; benchmarks/README.md).
PIECE_POSITIONS = 512
PIECE_WORK = 2 ** 23


def equal_size(total: int, most: int) -> int:
    """The size of the fewest equal pieces of ``total`` that hold at most ``most`` each: a
    block bound cuts 8 samples of which 6 fit as 4 + 4, not 6 + 2 (both pieces stay in the
    cache, and neither is a thin remainder)."""
    count = -(-total // max(most, 1))
    return -(-total // count) if count else 1


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


def channel_parts(channels: int) -> int:
    """Slices of the channels for :func:`by_thread`: one a thread when they divide evenly,
    else 1 (the tensor as it is)."""
    threads = torch.get_num_threads()
    return threads if threads > 1 and channels % threads == 0 else 1


def by_thread(t: torch.Tensor, parts: int, dim: int) -> torch.Tensor:
    """``t`` with dimension ``dim`` (the channels) cut into ``parts`` equal slices, the slices
    outermost: a view, ``(parts, ..., channels / parts, ...)``.

    A product over the cells of channels-last maps, then its sum over the cells: the product
    shares its positions among the threads in memory order (the first samples to one thread),
    the sum its channels (``TensorIterator`` splits a reduction along its outermost kept
    dimension), so each thread would sum numbers the other made, from the other core's cache.
    Written contiguously in this order, each thread sums the products it made: a 3x3 kernel's
    products and sums over 4 samples of 960 channels on 7x7 maps took 222-288 against 421-528
    us on a 2-core machine (``benchmarks/README.md``)."""
    return t.unflatten(dim, (parts, t.shape[dim] // parts)).movedim(dim, 0)


def tiles(n: int, rows: int, cols: int, bytes_per_position: int, max_bytes: int,
          groups: int) -> Iterator[tuple[slice, slice, slice]]:
    """Cut the output positions ``(n, rows, cols)`` into blocks whose columns fit ``max_bytes``.

    Yields ``(samples, rows, cols)`` slices: several whole samples when one sample fits (as
    many as share their ``groups`` matrices a sample evenly among the threads, :func:`balanced`);
    otherwise several whole rows of one sample; otherwise (very wide rows) part of one row, at
    least one position. In one output channel a block is one strided matrix, written in place.
    """
    per_row = cols * bytes_per_position
    per_sample = rows * per_row
    if per_sample <= max_bytes:
        step = balanced(max_bytes // max(per_sample, 1), n, groups)
        for start in range(0, n, step):
            yield slice(start, min(n, start + step)), slice(0, rows), slice(0, cols)
    elif per_row <= max_bytes:
        step = max_bytes // per_row
        for sample in range(n):
            for start in range(0, rows, step):
                yield (slice(sample, sample + 1), slice(start, min(rows, start + step)),
                       slice(0, cols))
    else:
        step = max(1, max_bytes // bytes_per_position)
        for sample in range(n):
            for row in range(rows):
                for start in range(0, cols, step):
                    yield (slice(sample, sample + 1), slice(row, row + 1),
                           slice(start, min(cols, start + step)))


def row_pieces(n: int, rows: int, cols: int, bytes_per_position: int, max_bytes: int,
               groups: int, work_per_position: int, threads: int
               ) -> tuple[int, list[list[tuple[int, int]]]] | None:
    """Cut each sample's output rows into equal pieces, so that every thread has matrices.

    ``torch.bmm`` gives each thread whole matrices of its own, where a single matrix is split
    across the threads, more slowly when it has few rows (:data:`.im2col.ONE_MATRIX_ROWS`). Whole-sample
    tiles (:func:`tiles`) give a product one matrix per sample and group. When fewer than
    ``threads`` of those fit the buffer, the forward pass instead cuts every sample into
    pieces of ``r`` rows (at least :data:`PIECE_POSITIONS` positions and :data:`PIECE_WORK`
    multiply-adds, ``work_per_position`` a position) and multiplies pieces for two matrices a
    thread at once, each piece a matrix of its own, in a buffer of at most ``max_bytes``. The
    last piece of a sample starts ``r`` rows before its end, so all pieces have one size (a
    few rows are computed twice).

    Returns ``(r, products)``, each product a list of ``(sample, first row)``; or ``None``
    when whole samples are as good: they give every thread a matrix, one row is over the
    buffer, or a piece would be a whole sample or too little work.
    """
    per_row = cols * bytes_per_position
    if n * rows * per_row == 0 or per_row > max_bytes:
        return None
    if min(n, max_bytes // (rows * per_row)) * groups >= threads:
        return None                                        # every thread has a matrix
    matrices = -(-2 * threads // groups)                   # pieces per product
    r = min(-(-rows // matrices), max_bytes // (matrices * per_row))   # the product's rows,
    r = max(r, -(-PIECE_POSITIONS // cols),                            # enough work each,
            -(-PIECE_WORK // max(work_per_position * cols, 1)))
    r = min(r, max_bytes // per_row)                                   # one piece fits
    if r >= rows:
        return None
    count = -(-rows // r)                                  # pieces per sample, then equal sizes
    r = -(-rows // count)
    if r * cols < PIECE_POSITIONS or r * cols * work_per_position < PIECE_WORK:
        return None
    starts = [min(i * r, rows - r) for i in range(count)]
    each = max(1, min(matrices, max_bytes // (r * per_row)))
    pieces = [(sample, y) for sample in range(n) for y in starts]
    return r, [pieces[i:i + each] for i in range(0, len(pieces), each)]
