"""3x3 convolution at stride 1 by Winograd's minimal filtering F(2x2, 3x3) (lesson 06), and
the weight's gradient by the same transforms (:func:`weight_grad`).

Two neighbouring outputs of a 1-D convolution by three taps ``g`` over four inputs ``d`` take
six multiplications done directly, but four done as

    m0 = (d0 - d2) g0            m1 = (d1 + d2) (g0 + g1 + g2) / 2
    m3 = (d1 - d3) g2            m2 = (d2 - d1) (g0 - g1 + g2) / 2
    y0 = m0 + m1 + m2            y1 = m1 - m2 - m3

The same in both directions makes a 2x2 block of outputs from a 4x4 tile of inputs with 16
multiplications instead of 36. In matrices, ``Y = A^T [(G g G^T) * (B^T d B)] A``: the
kernel's transform ``U = G g G^T`` is made once, the input tile's ``V = B^T d B`` takes only
additions, and the 16 elementwise products summed over the input channels are 16 matrix
products, ``M[k] (C_out, tiles) = U[k] (C_out, C_in) @ V[k] (C_in, tiles)``: 2.25 times fewer
multiply-adds than im2col's one product, for additions over 4x the input and output cells.

The additions cost the same whatever the channels; the products save in proportion to
``C_in*C_out``. So the route is taken where products dominate (:func:`applies`), wide layers
on maps large enough to fill them. Rounding differs from im2col's (the transforms add and
halve before multiplying), and stays within that of PyTorch's own float32 kernels (oneDNN,
which F.conv2d calls on most layers, rounds less on some processors); an infinite input,
which the transforms subtract from itself, gives nan where a direct sum gives an infinity.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import torch

from .autograd import Conf

#: ``A^T`` of F(2, 3): output ``y0 = m0 + m1 + m2``, ``y1 = m1 - m2 - m3``.
_A_T = ((1.0, 1.0, 1.0, 0.0), (0.0, 1.0, -1.0, -1.0))
#: ``G`` of F(2, 3): the kernel's three taps as four.
_G = ((1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0.0, 0.0, 1.0))

#: Least harmonic mean of a group's input and output channels, ``c*o/(c + o)``: the products'
#: multiply-adds per addition of the transforms (:func:`applies`).
MIN_CHANNELS = 48
#: Least multiply-adds in each of a block's 16 products (:func:`applies`).
MIN_PRODUCT = 2 ** 23
#: Output cells a sample from which a map is large: im2col's product for one sample is then
#: widest and slowest (3x3 64 -> 64 on 56x56 at batch 8: 107 billion multiply-adds a second
#: against 130 on 28x28), so the route is taken with 2/3 of :data:`MIN_CHANNELS` and half of
#: :data:`MIN_PRODUCT` (:func:`applies`).
LARGE_MAP = 56 * 56
#: Bytes of a block's transformed input (its products take ``C_out/C_in`` times as many, at
#: most 4 times): the transforms' and products' buffers then stay near the processor's
#: last-level cache, in products wide enough to run at speed. Measured on the 2-core benchmark
#: machine, ratio to F.conv2d at 2, 4, 8, 16 MiB: 128 -> 128 on 28x28 at batch 8 1.39, 1.20,
#: 1.18, 1.98; 256 -> 256 on 14x14 1.24, 1.06, 0.91, 0.92; 128 -> 128 on 56x56 at batch 2 1.94,
#: 1.58, 1.45, 2.16. Sized by the larger of the input and output channels instead, layers with
#: more outputs than inputs lost to im2col (64 -> 192 on 56x56 at batch 8 1.63 -> 1.81, sized
#: by the inputs 1.67 -> 1.44).
BLOCK_BYTES = 8 * 1024 * 1024
#: Most computed output cells per real one: a map of odd size is computed one row and one
#: column larger, in whole 2x2 blocks (:func:`applies`): 27x27 as 28x28 (1.08), 13x13 as
#: 14x14 (1.16), 7x7 as 8x8 (1.31).
MAX_WASTE = 1.1
#: Most computed cells per real one where a call has enough work to spare them: products of
#: at least twice :data:`MIN_PRODUCT` and at least :data:`UNEVEN_TILES` 2x2 blocks
#: (:func:`applies`).
MAX_WASTE_WIDE = 1.2
#: Least 2x2 blocks a call for :data:`MAX_WASTE_WIDE`: the kernel's transform, made once a
#: call, is spread over them (98 lost, 128 broke even).
UNEVEN_TILES = 128


def _tiles(size: tuple[int, int]) -> tuple[int, int]:
    """2x2 output blocks down and across an output map of ``size``."""
    return -(-size[0] // 2), -(-size[1] // 2)


def _block(n: int, c: int, o: int, tiles: tuple[int, int], element_size: int,
           max_bytes: int) -> tuple[int, int]:
    """Samples and tile rows a block holds: whole samples while their transformed input (16
    numbers a tile and input channel, or a quarter of the output channels if more) fits
    ``max_bytes`` (at most :data:`BLOCK_BYTES`; 0: that), else rows of tiles of one sample, at
    least one."""
    max_bytes = min(max_bytes or BLOCK_BYTES, BLOCK_BYTES)
    per_row = 16 * max(c, o // 4) * tiles[1] * element_size
    per_sample = per_row * tiles[0]
    if per_sample <= max_bytes:
        return max(1, min(n, max_bytes // per_sample)), tiles[0]
    return 1, max(1, min(tiles[0], max_bytes // per_row))


def applies(x_shape: Sequence[int], weight_shape: Sequence[int], conf: Conf,
            dtype: torch.dtype = torch.float32, large_maps: bool = True) -> bool:
    """Whether a padded input of ``x_shape`` takes this route: floating point or complex
    numbers (integers' sums must stay exact, and the transforms halve); a 3x3 kernel at stride
    and dilation 1; products that dominate the transforms (a group's input and output channels
    ``c``, ``o`` with ``c*o/(c + o)`` at least :data:`MIN_CHANNELS`) and are large enough to run
    at speed (:data:`MIN_PRODUCT` multiply-adds); and at most :data:`MAX_WASTE` computed cells
    per output cell, or :data:`MAX_WASTE_WIDE` with twice that work and
    :data:`UNEVEN_TILES` blocks; on a :data:`LARGE_MAP`, two thirds of those channels and half
    that work (unless ``large_maps`` is false).
    Measured on the 2-core benchmark machine, ratio to F.conv2d's forward, im2col against this
    route: 256 -> 256 on 14x14 at batch 8 1.42 -> 1.04, 512 -> 512 1.35 -> 0.96; 128 -> 128 on
    28x28 1.66 -> 1.37, on 56x56 at batch 2 1.73 -> 1.36; on 56x56 at batch 8 64 -> 64 2.14 ->
    1.84, 96 -> 96 1.75 -> 1.40, 128 -> 64 2.00 -> 1.59. It lost on 7x7 maps (512 -> 512 at
    batch 2 1.06 -> 1.73), with fewer channels (64 -> 64 on 28x28 at batch 2 1.43 -> 2.35; 48
    -> 48 on 56x56 1.54 -> 1.86) and with less work a product (128 -> 128 on 14x14 at batch 2
    1.27 -> 2.18; 64 -> 64 on 56x56 at batch 1 1.59 -> 1.71). On maps of odd size, forward and
    weight's gradient: 384 -> 256 on 13x13 at batch 8 1.31 -> 1.10 and 1.24 -> 0.95, 256 -> 256
    on 17x17 1.26 -> 0.99 and 1.31 -> 1.01, 256 -> 256 on 11x11 1.66 -> 1.35 and 1.43 -> 1.19;
    with 98 blocks it lost (768 -> 768 on 13x13 at batch 2 1.23 -> 1.56 forward), from 128
    even (1024 -> 1024 on 15x15 at batch 2 1.05 -> 1.07). The input's gradient as a flipped
    convolution (:mod:`.input_grad`), ratio to F.conv2d's: 256 -> 256 on 13x13 at batch 8 1.77
    -> 1.44, on 17x17 1.83 -> 1.25, 384 -> 256 on 13x13 1.51 -> 1.16."""
    groups = conf.groups
    if not (dtype.is_floating_point or dtype.is_complex):
        return False
    if tuple(weight_shape[2:]) != (3, 3) or conf.stride != (1, 1) or conf.dilation != (1, 1):
        return False
    n, c_in, height, width = x_shape
    c, o = c_in // groups, weight_shape[0] // groups
    out_size = (height - 2, width - 2)
    large = large_maps and out_size[0] * out_size[1] >= LARGE_MAP
    if min(out_size) < 1 or 3 * c * o < (2 if large else 3) * MIN_CHANNELS * (c + o):
        return False
    tiles = _tiles(out_size)
    waste = 4 * tiles[0] * tiles[1] / (out_size[0] * out_size[1])
    samples, rows = _block(n, c_in, weight_shape[0], tiles, dtype.itemsize, conf.max_bytes)
    work = c * o * samples * rows * tiles[1] * (2 if large else 1)
    if waste > MAX_WASTE and (waste > MAX_WASTE_WIDE or work < 2 * MIN_PRODUCT
                              or n * tiles[0] * tiles[1] < UNEVEN_TILES):
        return False
    return work >= MIN_PRODUCT


def _on_tiles(matrix: tuple[tuple[float, ...], ...], like: torch.Tensor) -> torch.Tensor:
    """A 1-D transform applied down and across a tile, as one matrix: ``M`` (x) ``M``."""
    m = torch.tensor(matrix, dtype=like.dtype, device=like.device)
    return torch.kron(m, m)


def kernel_transform(weight: torch.Tensor, groups: int) -> torch.Tensor:
    """``U = G g G^T`` of every kernel, as 16 matrices per group ``(16*G, C_out/G, C_in/G)``:
    one product by ``G`` (x) ``G`` (16 sums of the 9 taps), already in that order."""
    c_out, c_group = weight.shape[:2]
    u = _on_tiles(_G, weight) @ weight.reshape(c_out * c_group, 9).T   # (16, C_out*C_in/G)
    return u.view(16 * groups, c_out // groups, c_group)


def _input_transform(planes: torch.Tensor, sums: torch.Tensor, v: torch.Tensor,
                     tiles: tuple[int, int]) -> None:
    """``V = B^T d B`` of every 4x4 tile into ``v`` ``(4, 4, C, T, R, W)``, from the padded
    input's even and odd columns ``planes`` ``(2, T, C, 2R + 2, W + 1)`` (so that every view
    below steps through memory one by one), by way of ``sums`` ``(4, T, C, 2R + 2, W)``."""
    rows, cols = tiles
    even, odd = planes[0], planes[1]
    d0, d1, d2, d3 = even[..., :cols], odd[..., :cols], even[..., 1:], odd[..., 1:]
    torch.sub(d0, d2, out=sums[0])                                # B^T along the rows of a tile
    torch.add(d1, d2, out=sums[1])
    torch.sub(d2, d1, out=sums[2])
    torch.sub(d1, d3, out=sums[3])
    for b in range(4):                                            # and down its columns
        e0, e1, e2, e3 = (sums[b, :, :, k:k + 2 * rows:2] for k in range(4))
        torch.sub(e0, e2, out=v[0, b].transpose(0, 1))
        torch.add(e1, e2, out=v[1, b].transpose(0, 1))
        torch.sub(e2, e1, out=v[2, b].transpose(0, 1))
        torch.sub(e1, e3, out=v[3, b].transpose(0, 1))


def _transformed_blocks(x: torch.Tensor, c_out: int, conf: Conf
                        ) -> Iterator[tuple[slice, int, int, torch.Tensor]]:
    """For each block of a padded input (:func:`_block`): its samples, first tile row, tile
    rows, and ``V = B^T d B`` of its tiles as ``(16, C_in, T*R*W)``, a view of one buffer."""
    n, c_in, height, width = x.shape
    rows, cols = _tiles((height - 2, width - 2))
    samples, band = _block(n, c_in, c_out, (rows, cols), x.element_size(), conf.max_bytes)
    planes = x.new_zeros(2, samples, c_in, 2 * band + 2, cols + 1)
    sums = x.new_empty(4, samples, c_in, 2 * band + 2, cols)
    v_all = x.new_empty(16 * c_in * samples * band * cols)
    for start in range(0, n, samples):
        t = min(n, start + samples) - start
        for top in range(0, rows, band):
            r = min(rows, top + band) - top
            source = x[start:start + t, :, 2 * top:2 * top + 2 * r + 2]
            block = planes[:, :t, :, :2 * r + 2]
            if source.shape[2] < 2 * r + 2:       # a row past the map: it reaches only the
                block.zero_()                      # cut-off outputs, but must not be inf or nan
            block[0, ..., :source.shape[2], :-(-width // 2)].copy_(source[..., 0::2])
            block[1, ..., :source.shape[2], :width // 2].copy_(source[..., 1::2])
            v = v_all[:16 * c_in * t * r * cols].view(4, 4, c_in, t, r, cols)
            _input_transform(block, sums[:, :t, :, :2 * r + 2], v, (r, cols))
            yield slice(start, start + t), top, r, v.view(16, c_in, t * r * cols)


def forward(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
            conf: Conf) -> torch.Tensor:
    """``F.conv2d(x, weight, bias, 1, 0, 1, groups)`` of a padded input by F(2x2, 3x3) (where
    :func:`applies`), a block of samples (or of one sample's tile rows) at a time."""
    groups, (n, c_in, height, width), c_out = conf.groups, x.shape, weight.shape[0]
    u = kernel_transform(weight, groups)
    a = _on_tiles(_A_T, x)                                        # (4, 16): 2x2 from 4x4
    out = x.new_empty(n, c_out, height - 2, width - 2)
    m_all, y_all = None, None
    for samples, top, r, v in _transformed_blocks(x, c_out, conf):
        cells = v.shape[2]
        if m_all is None:                                         # the first block is largest
            m_all, y_all = x.new_empty(16 * c_out * cells), x.new_empty(4 * c_out * cells)
        m = m_all[:16 * c_out * cells].view(16 * groups, c_out // groups, cells)
        torch.bmm(u, v.view(16 * groups, c_in // groups, cells), out=m)
        y = y_all[:4 * c_out * cells].view(4, c_out * cells)
        torch.mm(a, m.view(16, c_out * cells), out=y)
        t = samples.stop - samples.start
        _place(y.view(2, 2, c_out, t, r, cells // (t * r)), out[samples, :, 2 * top:])
    return out if bias is None else out.add_(bias.view(1, -1, 1, 1))


def weight_grad(x: torch.Tensor, grad_out: torch.Tensor, conf: Conf) -> torch.Tensor:
    """The weight's gradient ``(C_out, C_in/G, 3, 3)`` of :func:`forward` from its padded input
    and the output's gradient, by the same transforms: with ``A`` turning each 2x2 block of
    the output gradient into 4x4 (``A g A^T``), the gradient is ``G^T M G`` where ``M`` sums
    ``(A g A^T) * (B^T d B)`` over every tile; that sum over tiles is 16 matrix products, ``M[k]
    (C_out, C_in) = Ĝ[k] (C_out, tiles) @ V[k]^T (tiles, C_in)``. Taken with the small-map rule
    (:func:`applies` with ``large_maps=False``). Measured on the 2-core benchmark machine,
    ratio to F.conv2d's weight gradient, im2col against this route: 256 -> 256 on 14x14 at
    batch 8 1.34 -> 0.87, 128 -> 128 on 28x28 1.25 -> 1.04, 256 -> 256 on 28x28 at batch 2 1.28
    -> 0.78; but 64 -> 64 on 56x56, which the forward pass takes, 1.36 -> 1.59 at batch 8."""
    groups, c_in, c_out = conf.groups, x.shape[1], grad_out.shape[1]
    a = _on_tiles(_A_T, x).T                                      # (16, 4): 4x4 from 2x2
    total = x.new_zeros(16 * groups, c_out // groups, c_in // groups)
    grads, spread = None, None
    for samples, top, r, v in _transformed_blocks(x, c_out, conf):
        cells = v.shape[2]
        if grads is None:
            grads, spread = x.new_empty(4 * c_out * cells), x.new_empty(16 * c_out * cells)
        t = samples.stop - samples.start
        block = grads[:4 * c_out * cells].view(2, 2, c_out, t, r, cells // (t * r))
        _take(grad_out[samples, :, 2 * top:], block)
        g_hat = spread[:16 * c_out * cells].view(16, c_out * cells)
        torch.mm(a, block.view(4, c_out * cells), out=g_hat)
        total.baddbmm_(g_hat.view(16 * groups, c_out // groups, cells),
                       v.view(16 * groups, c_in // groups, cells).transpose(1, 2))
    grad = _on_tiles(_G, x).T @ total.view(16, -1)                # G^T M G: (9, C_out*C_in/G)
    return grad.T.reshape(c_out, c_in // groups, 3, 3)


def _interleaved(cells: torch.Tensor, r: int, w: int) -> torch.Tensor | None:
    """``cells`` ``(T, C, rows, columns)`` as 2x2 blocks ``(T, C, R, 2, W, 2)`` (a view), when
    it holds exactly ``2R x 2W`` cells from its first row; else None (a map cut off)."""
    t, c, rows, cols = cells.shape
    if min(rows, 2 * r) != 2 * r or cols != 2 * w:
        return None
    s_t, s_c, s_h, s_w = cells.stride()
    return cells.as_strided((t, c, r, 2, w, 2), (s_t, s_c, 2 * s_h, s_h, 2 * s_w, s_w),
                            cells.storage_offset())


def _place(y: torch.Tensor, out: torch.Tensor) -> None:
    """Blocks ``y`` ``(2, 2, C, T, R, W)`` (``[a, b, ..., r, w]``: output cell ``(2r + a,
    2w + b)``) into ``out`` ``(T, C, rows, columns)`` from its first row, cut to its size."""
    r, w = y.shape[4:]
    blocks = _interleaved(out, r, w)
    if blocks is not None:                                        # one interleaving copy
        blocks.copy_(y.permute(3, 2, 4, 0, 5, 1))
        return
    rows = min(out.shape[2], 2 * r)
    for a in range(2):
        for b in range(2):
            target = out[:, :, a:rows:2, b::2]
            target.copy_(y[a, b, :, :, :target.shape[2], :target.shape[3]].transpose(0, 1))


def _take(grad: torch.Tensor, blocks: torch.Tensor) -> None:
    """The inverse of :func:`_place`: output cells of ``grad`` ``(T, C, rows, columns)`` from
    its first row into ``blocks`` ``(2, 2, C, T, R, W)``, zeros for the cells cut off."""
    r, w = blocks.shape[4:]
    cells = _interleaved(grad, r, w)
    if cells is not None:                                         # one de-interleaving copy
        blocks.permute(3, 2, 4, 0, 5, 1).copy_(cells)
        return
    blocks.zero_()
    rows = min(grad.shape[2], 2 * r)
    for a in range(2):
        for b in range(2):
            source = grad[:, :, a:rows:2, b::2]
            blocks[a, b, :, :, :source.shape[2], :source.shape[3]].copy_(source.transpose(0, 1))
