/* The compiled loops (lesson 06, convlab.conv.compiled): depthwise_loop.c and direct_loops.c,
 * and what they share, here.
 *
 * The routes of PyTorch operations make one operation per kernel tap (depthwise layers) or copy
 * every window into columns for one matrix product (im2col): for depthwise 5x5 and 7x7 kernels,
 * for first layers of three channels and for groups of a few channels, that traffic, not the
 * arithmetic, is what makes them slower than F.conv2d. Here every output cell's sum stays in a
 * register until all of its taps are added, as in oneDNN's kernels. A vector register holds
 * LANES numbers (16 float32 numbers with AVX-512), and XB neighbouring output cells of a row are
 * summed together:
 *
 *  - convlab_depthwise (one output channel an input channel): the channels are taken LANES at a
 *    time, a band of their rows copied, zero padding included, into a buffer laid out
 *    [row][column][lane], so that one tap of one output cell is one vector multiply-add over
 *    LANES channels; the input vectors a kernel row's taps read are loaded once and shared by the
 *    XB cells (for a 5x5 kernel at stride 1, 12 loads for 40 multiply-adds), with the kernel's
 *    width and the stride fixed when the compiler unrolls the loops (3, 5 and 7 wide, stride 1
 *    and 2). A depthwise layer's input gradient is this loop too, once for each residue of the
 *    stride; its weight gradient, convlab_depthwise_weight, keeps a kernel row's sums in
 *    registers while every output cell adds its gradient vector times the input vectors its taps
 *    read;
 *  - convlab_direct (any groups; few input numbers a window, or a group of more output channels
 *    than LANES): the output channels of a group are taken LANES at a time, two such blocks
 *    together where a group has more, and the band of rows is copied as it is; each tap of each
 *    input channel is one weight vector a block, multiplied by each of the cells' input number
 *    (one load for both blocks). The input gradient of such a layer is this loop too, once for
 *    each residue of the stride; its weight gradient, convlab_direct_weight, keeps a kernel
 *    row's sums in registers while every output cell adds its gradient vector times the input
 *    number each tap read.
 *
 * The sums are written back to the output's own layout (the default one or channels last).
 * Built with -DREAL=float or -DREAL=double.
 */
#ifndef CONVLAB_LOOPS_H
#define CONVLAB_LOOPS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef REAL
#define REAL float
#endif
#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#else
#define VECTOR_BYTES 32
#endif
#define LANES (VECTOR_BYTES / (int)sizeof(REAL))
#define XB 8

typedef REAL real;
typedef real vec __attribute__((vector_size(VECTOR_BYTES), aligned(sizeof(real))));

static void *aligned(size_t bytes) {
  return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

/* One output row of cn channels from a buffer laid out [column][lane], into the output's layout
 * (ys: its element strides; channels last writes LANES numbers at a time). */
static void write_row(real *y, const int64_t *ys, const real *o, int64_t cn, int64_t OW) {
  if (ys[1] == 1 && cn == LANES) {
    for (int64_t j = 0; j < OW; ++j) memcpy(y + j * ys[3], o + j * LANES, LANES * sizeof(real));
    return;
  }
  for (int64_t l = 0; l < cn; ++l) {
    real *r = y + l * ys[1];
    if (ys[3] == 1)
      for (int64_t j = 0; j < OW; ++j) r[j] = o[j * LANES + l];
    else
      for (int64_t j = 0; j < OW; ++j) r[j * ys[3]] = o[j * LANES + l];
  }
}

/* Rows first_row, first_row + 1, ... (rows of them) of channels CI of one sample x (element
 * strides xs; H, W its size) into buf laid out [channel][row][column] of Wp columns: the zero
 * padding above, below (top) and to the left (left) included, the input's first `copied`
 * columns after it and zeros to the end of each row. */
static inline void copy_rows(real *buf, const real *x, const int64_t *xs, int64_t CI, int64_t H,
                             int64_t first_row, int64_t rows, int64_t band_rows, int64_t Wp,
                             int64_t left, int64_t copied) {
  for (int64_t ci = 0; ci < CI; ++ci) {
    const real *xc = x + ci * xs[1];
    for (int64_t i = 0; i < rows; ++i) {
      real *br = buf + (ci * band_rows + i) * Wp;
      const int64_t ii = first_row + i;
      if (ii < 0 || ii >= H || copied == 0) {
        memset(br, 0, (size_t)Wp * sizeof(real));
        continue;
      }
      memset(br, 0, (size_t)left * sizeof(real));
      memset(br + left + copied, 0, (size_t)(Wp - left - copied) * sizeof(real));
      const real *xr = xc + ii * xs[2];
      if (xs[3] == 1)
        memcpy(br + left, xr, (size_t)copied * sizeof(real));
      else if (xs[1] != 1)
        for (int64_t j = 0; j < copied; ++j) br[left + j] = xr[j * xs[3]];
    }
  }
  if (xs[1] != 1 || xs[3] == 1) return;
  /* channels last: a row's columns of every channel lie together, so they are read a tile of
   * columns at a time, each tile's numbers from the L1 cache (a channel at a time, every read
   * fetched a line of the whole row from L2) */
  enum { TILE = 16 };
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t ii = first_row + i;
    if (ii < 0 || ii >= H || copied == 0) continue;
    const real *xr = x + ii * xs[2];
    for (int64_t j0 = 0; j0 < copied; j0 += TILE) {
      const int64_t j1 = j0 + TILE < copied ? j0 + TILE : copied;
      for (int64_t ci = 0; ci < CI; ++ci) {
        real *br = buf + (ci * band_rows + i) * Wp + left;
        for (int64_t j = j0; j < j1; ++j) br[j] = xr[j * xs[3] + ci];
      }
    }
  }
}

/* One block's weight gradient from the sums of every part (part p's sums of block b at
 * partial + (p * blocks + b) * numbers): the LANES lanes of each of its numbers written to the
 * rows of its cn channels (c0 on) of dw, numbers a row. */
static void add_parts(real *dw, const vec *partial, int64_t parts, int64_t blocks, int64_t block,
                      int64_t numbers, int64_t c0, int64_t cn) {
  for (int64_t k = 0; k < numbers; ++k) {
    vec total = partial[block * numbers + k];
    for (int64_t part = 1; part < parts; ++part)
      total += partial[(part * blocks + block) * numbers + k];
    for (int64_t l = 0; l < cn; ++l) dw[(c0 + l) * numbers + k] = total[l];
  }
}

#endif
