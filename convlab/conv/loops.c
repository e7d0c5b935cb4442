/* Two convolutions' forward passes as compiled loops (lesson 06, convlab.conv.compiled).
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
 *    and 2);
 *  - convlab_direct (any groups, few input numbers a window): the output channels of a group are
 *    taken LANES at a time and the band of rows is copied as it is; each tap of each input
 *    channel is one weight vector, multiplied by each of the XB cells' input number. The input
 *    gradient of such a layer is this loop too, once for each residue of the stride.
 *
 * The sums are written back to the output's own layout (the default one or channels last).
 * Built with -DREAL=float or -DREAL=double.
 */
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

/* XB output cells of one row from a band buffer; KW, S (the column stride) and XB are constants
 * once inlined, so the loads of a kernel row and the XB sums stay in registers. */
static inline __attribute__((always_inline)) void cells_fixed(
    const int KW, const int S, const real *rows, int64_t KH, int64_t row_step, const vec *w,
    vec bias, vec *out) {
  vec acc[XB];
#pragma GCC unroll 16
  for (int b = 0; b < XB; ++b) acc[b] = bias;
  for (int64_t ky = 0; ky < KH; ++ky) {
    const real *row = rows + ky * row_step;
    vec in[(XB - 1) * S + KW];
#pragma GCC unroll 32
    for (int i = 0; i < (XB - 1) * S + KW; ++i) in[i] = *(const vec *)(row + i * LANES);
#pragma GCC unroll 16
    for (int kx = 0; kx < KW; ++kx) {
      vec tap = w[ky * KW + kx];
#pragma GCC unroll 16
      for (int b = 0; b < XB; ++b) acc[b] += tap * in[b * S + kx];
    }
  }
#pragma GCC unroll 16
  for (int b = 0; b < XB; ++b) out[b] = acc[b];
}

/* The same for any kernel width, stride and dilation: the XB sums still in registers, each
 * input vector loaded for the one cell that reads it. */
static void cells_any(const real *rows, int64_t KH, int64_t KW, int64_t S, int64_t D,
                      int64_t row_step, const vec *w, vec bias, vec *out) {
  vec acc[XB];
#pragma GCC unroll 16
  for (int b = 0; b < XB; ++b) acc[b] = bias;
  for (int64_t ky = 0; ky < KH; ++ky)
    for (int64_t kx = 0; kx < KW; ++kx) {
      const vec tap = w[ky * KW + kx];
      const real *in = rows + ky * row_step + kx * D * LANES;
#pragma GCC unroll 16
      for (int b = 0; b < XB; ++b) acc[b] += tap * *(const vec *)(in + b * S * LANES);
    }
#pragma GCC unroll 16
  for (int b = 0; b < XB; ++b) out[b] = acc[b];
}

static void cells(const real *rows, int64_t KH, int64_t KW, int64_t S, int64_t D,
                  int64_t row_step, const vec *w, vec bias, vec *out) {
  if (D == 1 && S == 1 && KW == 3) cells_fixed(3, 1, rows, KH, row_step, w, bias, out);
  else if (D == 1 && S == 1 && KW == 5) cells_fixed(5, 1, rows, KH, row_step, w, bias, out);
  else if (D == 1 && S == 1 && KW == 7) cells_fixed(7, 1, rows, KH, row_step, w, bias, out);
  else if (D == 1 && S == 2 && KW == 3) cells_fixed(3, 2, rows, KH, row_step, w, bias, out);
  else if (D == 1 && S == 2 && KW == 5) cells_fixed(5, 2, rows, KH, row_step, w, bias, out);
  else if (D == 1 && S == 2 && KW == 7) cells_fixed(7, 2, rows, KH, row_step, w, bias, out);
  else cells_any(rows, KH, KW, S, D, row_step, w, bias, out);
}

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

/* How many numbers one vector register holds here: the channels a loop takes at a time. */
int convlab_lanes(void) { return LANES; }

/* out[n, c] = bias[c] + sum over taps of w[c, 0, ky, kx] * padded x[n, c] at the tap.
 * x, y: (N, C, H, W) and (N, C, OH, OW) with element strides xs, ys; w: (C, 1, KH, KW)
 * contiguous; bias may be NULL. pad: top, bottom, left, right. budget: the bytes a thread's band
 * of rows may take. Returns 0, or 1 if a buffer could not be allocated. */
int convlab_depthwise(const real *x, const int64_t *xs, const real *w, const real *bias, real *y,
                      const int64_t *ys, int64_t N, int64_t C, int64_t H, int64_t W, int64_t KH,
                      int64_t KW, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                      const int64_t *pad, int64_t OH, int64_t OW, int64_t budget, int threads) {
  const int64_t top = pad[0], left = pad[2];
  const int64_t OWr = (OW + XB - 1) / XB * XB;          /* output cells, rounded up to XB */
  const int64_t Wp = (OWr - 1) * sw + (KW - 1) * dw + 1; /* the band's columns those read */
  const int64_t copied = W < Wp - left ? W : (Wp - left > 0 ? Wp - left : 0);
  const int64_t row_bytes = Wp * LANES * (int64_t)sizeof(real);
  /* output rows a band holds: as many as its input rows fit in the budget, at least one */
  int64_t band = (budget / row_bytes - (KH - 1) * dh - 1) / sh + 1;
  if (band < 1) band = 1;
  if (band > OH) band = OH;
  const int64_t blocks = (C + LANES - 1) / LANES;
  /* fewer blocks of channels than threads (one sample, few channels): smaller bands, so that
   * every thread has some */
  while (band > 1 && N * blocks * ((OH + band - 1) / band) < threads) band = (band + 1) / 2;
  const int64_t bands = (OH + band - 1) / band;
  const int64_t band_rows = (band - 1) * sh + (KH - 1) * dh + 1;
  int failed = 0;

#pragma omp parallel num_threads(threads) reduction(| : failed)
  {
    real *buf = aligned((size_t)(band_rows * row_bytes));
    vec *wv = aligned((size_t)(KH * KW) * sizeof(vec));
    vec *ob = aligned((size_t)OWr * sizeof(vec));
    failed = !buf || !wv || !ob;
#pragma omp for schedule(static)
    for (int64_t t = 0; t < N * blocks * bands; ++t) {
      if (failed) continue;
      const int64_t n = t / (blocks * bands), c0 = (t / bands % blocks) * LANES;
      const int64_t cn = C - c0 < LANES ? C - c0 : LANES;
      const real *xn = x + n * xs[0] + c0 * xs[1];
      for (int64_t k = 0; k < KH * KW; ++k)
        for (int64_t l = 0; l < LANES; ++l) wv[k][l] = l < cn ? w[(c0 + l) * KH * KW + k] : 0;
      vec bv;
      for (int64_t l = 0; l < LANES; ++l) bv[l] = (bias && l < cn) ? bias[c0 + l] : 0;
      {
        const int64_t oy0 = t % bands * band;
        const int64_t oy1 = oy0 + band < OH ? oy0 + band : OH;
        const int64_t rows = (oy1 - 1 - oy0) * sh + (KH - 1) * dh + 1;
        for (int64_t i = 0; i < rows; ++i) {     /* the band's rows, padding included */
          real *br = buf + i * Wp * LANES;
          const int64_t ii = oy0 * sh + i - top;
          if (ii < 0 || ii >= H || copied == 0) {
            memset(br, 0, (size_t)row_bytes);
            continue;
          }
          const real *xr = xn + ii * xs[2];
          if (cn < LANES) memset(br, 0, (size_t)row_bytes);
          else {
            memset(br, 0, (size_t)(left * LANES) * sizeof(real));
            memset(br + (left + copied) * LANES, 0,
                   (size_t)((Wp - left - copied) * LANES) * sizeof(real));
          }
          real *bi = br + left * LANES;
          if (xs[1] == 1 && cn == LANES) {       /* channels last: LANES numbers at a time */
            for (int64_t j = 0; j < copied; ++j)
              memcpy(bi + j * LANES, xr + j * xs[3], LANES * sizeof(real));
          } else {
            for (int64_t l = 0; l < cn; ++l) {
              const real *r = xr + l * xs[1];
              if (xs[3] == 1)
                for (int64_t j = 0; j < copied; ++j) bi[j * LANES + l] = r[j];
              else
                for (int64_t j = 0; j < copied; ++j) bi[j * LANES + l] = r[j * xs[3]];
            }
          }
        }
        for (int64_t oy = oy0; oy < oy1; ++oy) {
          const real *base = buf + (oy - oy0) * sh * Wp * LANES;
          for (int64_t ox = 0; ox < OWr; ox += XB)
            cells(base + ox * sw * LANES, KH, KW, sw, dw, dh * Wp * LANES, wv, bv, ob + ox);
          write_row(y + n * ys[0] + c0 * ys[1] + oy * ys[2], ys, (const real *)ob, cn, OW);
        }
      }
    }
    free(buf);
    free(wv);
    free(ob);
  }
  return failed;
}

/* XB output cells of one row for LANES output channels: each input channel's taps, one weight
 * vector each, times the input number each cell reads there. KW and S are constants once
 * inlined (the loads' offsets fixed, the taps' loop unrolled); KW 0 stands for any width,
 * stride and dilation. */
static inline __attribute__((always_inline)) void direct_fixed(
    const int KW_FIXED, const int S_FIXED, const real *rows, int64_t CI, int64_t KH,
    int64_t KW_ANY, int64_t S_ANY, int64_t D, int64_t channel_step, int64_t row_step,
    const vec *w, vec bias, vec *out) {
  const int64_t KW = KW_FIXED ? KW_FIXED : KW_ANY, S = KW_FIXED ? S_FIXED : S_ANY;
  const int64_t step = KW_FIXED ? 1 : D;
  vec acc[XB];
#pragma GCC unroll 16
  for (int b = 0; b < XB; ++b) acc[b] = bias;
  for (int64_t ci = 0; ci < CI; ++ci)
    for (int64_t ky = 0; ky < KH; ++ky) {
      const real *row = rows + ci * channel_step + ky * row_step;
      const vec *taps = w + (ci * KH + ky) * KW;
#pragma GCC unroll 8
      for (int64_t kx = 0; kx < KW; ++kx) {
        const vec tap = taps[kx];
        const real *in = row + kx * step;
#pragma GCC unroll 16
        for (int b = 0; b < XB; ++b) acc[b] += tap * in[b * S];
      }
    }
#pragma GCC unroll 16
  for (int b = 0; b < XB; ++b) out[b] = acc[b];
}

static void direct_cells(const real *rows, int64_t CI, int64_t KH, int64_t KW, int64_t S,
                         int64_t D, int64_t channel_step, int64_t row_step, const vec *w,
                         vec bias, vec *out) {
#define DIRECT(kw, s) direct_fixed(kw, s, rows, CI, KH, KW, S, D, channel_step, row_step, w, \
                                   bias, out)
  if (D == 1 && S == 1 && KW == 3) DIRECT(3, 1);
  else if (D == 1 && S == 1 && KW == 5) DIRECT(5, 1);
  else if (D == 1 && S == 1 && KW == 7) DIRECT(7, 1);
  else if (D == 1 && S == 2 && KW == 3) DIRECT(3, 2);
  else if (D == 1 && S == 2 && KW == 5) DIRECT(5, 2);
  else if (D == 1 && S == 2 && KW == 7) DIRECT(7, 2);
  else DIRECT(0, 0);
#undef DIRECT
}

/* out[n, o] = bias[o] + sum over the input channels i of o's group and the taps of
 * w[o, i, ky, kx] * padded x[n, g*CI/G + i] at the tap. x, y, pad, budget, threads as for
 * convlab_depthwise; w: (CO, CI/G, KH, KW) contiguous. Returns 0, or 1 if a buffer could not be
 * allocated. */
int convlab_direct(const real *x, const int64_t *xs, const real *w, const real *bias, real *y,
                   const int64_t *ys, int64_t N, int64_t CI, int64_t H, int64_t W, int64_t CO,
                   int64_t G, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t dh,
                   int64_t dw, const int64_t *pad, int64_t OH, int64_t OW, int64_t budget,
                   int threads) {
  const int64_t top = pad[0], left = pad[2];
  const int64_t CIg = CI / G, COg = CO / G, fan_in = CIg * KH * KW;
  const int64_t OWr = (OW + XB - 1) / XB * XB;
  const int64_t Wp = (OWr - 1) * sw + (KW - 1) * dw + 1;
  const int64_t copied = W < Wp - left ? W : (Wp - left > 0 ? Wp - left : 0);
  const int64_t row_bytes = Wp * CIg * (int64_t)sizeof(real);   /* a row of every channel */
  int64_t band = (budget / row_bytes - (KH - 1) * dh - 1) / sh + 1;
  if (band < 1) band = 1;
  if (band > OH) band = OH;
  const int64_t group_blocks = (COg + LANES - 1) / LANES, blocks = G * group_blocks;
  while (band > 1 && N * blocks * ((OH + band - 1) / band) < threads) band = (band + 1) / 2;
  const int64_t bands = (OH + band - 1) / band;
  const int64_t band_rows = (band - 1) * sh + (KH - 1) * dh + 1;
  /* every block's weights as vectors of its LANES output channels, made once a call: a task
   * of each sample and band reads them */
  vec *packed = aligned((size_t)(blocks * fan_in) * sizeof(vec));
  if (!packed) return 1;
  int failed = 0;

#pragma omp parallel num_threads(threads) reduction(| : failed)
  {
#pragma omp for schedule(static)
    for (int64_t block = 0; block < blocks; ++block) {
      const int64_t g = block / group_blocks, c0 = g * COg + block % group_blocks * LANES;
      const int64_t cn = (g + 1) * COg - c0 < LANES ? (g + 1) * COg - c0 : LANES;
      vec *wv = packed + block * fan_in;
      for (int64_t k = 0; k < fan_in; ++k)
        for (int64_t l = 0; l < LANES; ++l) wv[k][l] = l < cn ? w[(c0 + l) * fan_in + k] : 0;
    }
    real *buf = aligned((size_t)(band_rows * row_bytes));
    vec *ob = aligned((size_t)OWr * sizeof(vec));
    failed = !buf || !ob;
#pragma omp for schedule(static)
    for (int64_t t = 0; t < N * blocks * bands; ++t) {
      if (failed) continue;
      const int64_t n = t / (blocks * bands), block = t / bands % blocks;
      const int64_t g = block / group_blocks, c0 = g * COg + block % group_blocks * LANES;
      const int64_t cn = (g + 1) * COg - c0 < LANES ? (g + 1) * COg - c0 : LANES;
      const int64_t oy0 = t % bands * band, oy1 = oy0 + band < OH ? oy0 + band : OH;
      const int64_t rows = (oy1 - 1 - oy0) * sh + (KH - 1) * dh + 1;
      const vec *wv = packed + block * fan_in;
      vec bv;
      for (int64_t l = 0; l < LANES; ++l) bv[l] = (bias && l < cn) ? bias[c0 + l] : 0;
      for (int64_t ci = 0; ci < CIg; ++ci) {     /* the band's rows, [channel][row][column] */
        const real *xc = x + n * xs[0] + (g * CIg + ci) * xs[1];
        for (int64_t i = 0; i < rows; ++i) {
          real *br = buf + (ci * band_rows + i) * Wp;
          const int64_t ii = oy0 * sh + i - top;
          if (ii < 0 || ii >= H || copied == 0) {
            memset(br, 0, (size_t)Wp * sizeof(real));
            continue;
          }
          memset(br, 0, (size_t)left * sizeof(real));
          memset(br + left + copied, 0, (size_t)(Wp - left - copied) * sizeof(real));
          const real *xr = xc + ii * xs[2];
          if (xs[3] == 1)
            memcpy(br + left, xr, (size_t)copied * sizeof(real));
          else
            for (int64_t j = 0; j < copied; ++j) br[left + j] = xr[j * xs[3]];
        }
      }
      for (int64_t oy = oy0; oy < oy1; ++oy) {
        const real *base = buf + (oy - oy0) * sh * Wp;
        for (int64_t ox = 0; ox < OWr; ox += XB)
          direct_cells(base + ox * sw, CIg, KH, KW, sw, dw, band_rows * Wp, dh * Wp, wv, bv,
                       ob + ox);
        write_row(y + n * ys[0] + c0 * ys[1] + oy * ys[2], ys, (const real *)ob, cn, OW);
      }
    }
    free(buf);
    free(ob);
  }
  free(packed);
  return failed;
}
