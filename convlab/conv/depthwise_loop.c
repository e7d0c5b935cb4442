/* The depthwise loop (convlab_depthwise); loops.h says how the loops work. */
#include "loops.h"

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
    vec in[(XB - 1) * 2 + 7];       /* S <= 2, KW <= 7: a fixed size, kept in registers */
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

/* Rows first_row, first_row + 1, ... (rows of them) of cn channels of one sample x (element
 * strides xs; H its height) into buf laid out [row][column][lane] of Wp columns: the zero
 * padding above and below the input and left columns to its left included, the input's first
 * `copied` columns after them, zeros to the end of each row and in the lanes past cn. */
static void copy_lanes(real *buf, const real *x, const int64_t *xs, int64_t cn, int64_t H,
                       int64_t first_row, int64_t rows, int64_t Wp, int64_t left,
                       int64_t copied) {
  const int64_t row_numbers = Wp * LANES;
  for (int64_t i = 0; i < rows; ++i) {
    real *br = buf + i * row_numbers;
    const int64_t ii = first_row + i;
    if (ii < 0 || ii >= H || copied == 0) {
      memset(br, 0, (size_t)row_numbers * sizeof(real));
      continue;
    }
    const real *xr = x + ii * xs[2];
    if (cn < LANES) memset(br, 0, (size_t)row_numbers * sizeof(real));
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
  /* channels last: a band's rows of all channels lie together, and a block's task reads a line
   * of every position: bands whose input rows fit the budget stay in the cache for the next
   * block's task, which is the same thread's */
  if (xs[1] == 1 && blocks > 1) {
    const int64_t source = W * C * (int64_t)sizeof(real) * sh;     /* an output row's input */
    const int64_t fits = budget / source > 1 ? budget / source : 1;
    if (band > fits) band = fits;
  }
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
    for (int64_t t = 0; t < N * bands * blocks; ++t) {     /* a band's blocks one after another */
      if (failed) continue;
      const int64_t n = t / (blocks * bands), c0 = t % blocks * LANES;
      const int64_t cn = C - c0 < LANES ? C - c0 : LANES;
      const real *xn = x + n * xs[0] + c0 * xs[1];
      for (int64_t k = 0; k < KH * KW; ++k)
        for (int64_t l = 0; l < LANES; ++l) wv[k][l] = l < cn ? w[(c0 + l) * KH * KW + k] : 0;
      vec bv;
      for (int64_t l = 0; l < LANES; ++l) bv[l] = (bias && l < cn) ? bias[c0 + l] : 0;
      {
        const int64_t oy0 = t / blocks % bands * band;
        const int64_t oy1 = oy0 + band < OH ? oy0 + band : OH;
        const int64_t rows = (oy1 - 1 - oy0) * sh + (KH - 1) * dh + 1;
        copy_lanes(buf, xn, xs, cn, H, oy0 * sh - top, rows, Wp, left, copied);
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

/* WB output cells' contributions to one kernel row's KW weight gradient vectors (LANES
 * channels each): sums[kx] += g[ox + b] * x at (ox + b) * S + kx * D, for b < WB. KW and S are
 * constants once inlined (KW 0: any width, stride and dilation); the input vectors the cells
 * read are loaded once for all of them, and even and odd cells keep two sets of sums, so that
 * two multiply-adds of a tap are in flight at once. */
#define WB 4
static inline __attribute__((always_inline)) void weight_cells(
    const int KW_FIXED, const int S_FIXED, const real *xrow, const vec *grow, int64_t cells,
    int64_t KW_ANY, int64_t S_ANY, int64_t D, vec *sums) {
  const int64_t KW = KW_FIXED ? KW_FIXED : KW_ANY, S = KW_FIXED ? S_FIXED : S_ANY;
  const int64_t step = KW_FIXED ? 1 : D;
  enum { MOST = 8 };                       /* the widest kernel kept in registers */
  vec even[MOST], odd[MOST];
  if (!KW_FIXED) {                          /* any width: the sums stay in memory */
    for (int64_t ox = 0; ox < cells; ++ox)
      for (int64_t kx = 0; kx < KW; ++kx)
        sums[kx] += grow[ox] * *(const vec *)(xrow + (ox * S + kx * step) * LANES);
    return;
  }
#pragma GCC unroll 8
  for (int kx = 0; kx < KW_FIXED; ++kx) {
    even[kx] = sums[kx];
    odd[kx] = (vec){0};
  }
  int64_t ox = 0;
  for (; ox + WB <= cells; ox += WB) {
    const real *row = xrow + ox * S * LANES;
    vec in[(WB - 1) * 2 + 7];       /* S <= 2, KW <= 7: a fixed size, kept in registers */
#pragma GCC unroll 32
    for (int i = 0; i < (WB - 1) * S_FIXED + KW_FIXED; ++i) in[i] = *(const vec *)(row + i * LANES);
#pragma GCC unroll 8
    for (int b = 0; b < WB; ++b) {
      const vec gv = grow[ox + b];
#pragma GCC unroll 8
      for (int kx = 0; kx < KW_FIXED; ++kx) {
        if (b % 2) odd[kx] += gv * in[b * S_FIXED + kx];
        else even[kx] += gv * in[b * S_FIXED + kx];
      }
    }
  }
  for (; ox < cells; ++ox) {
    const vec gv = grow[ox];
#pragma GCC unroll 8
    for (int kx = 0; kx < KW_FIXED; ++kx)
      even[kx] += gv * *(const vec *)(xrow + (ox * S_FIXED + kx) * LANES);
  }
#pragma GCC unroll 8
  for (int kx = 0; kx < KW_FIXED; ++kx) sums[kx] = even[kx] + odd[kx];
}

static void weight_row(const real *xrow, const vec *grow, int64_t cells, int64_t KW, int64_t S,
                       int64_t D, vec *sums) {
#define ROW(kw, s) weight_cells(kw, s, xrow, grow, cells, KW, S, D, sums)
  if (D == 1 && S == 1 && KW == 3) ROW(3, 1);
  else if (D == 1 && S == 1 && KW == 5) ROW(5, 1);
  else if (D == 1 && S == 1 && KW == 7) ROW(7, 1);
  else if (D == 1 && S == 2 && KW == 3) ROW(3, 2);
  else if (D == 1 && S == 2 && KW == 5) ROW(5, 2);
  else if (D == 1 && S == 2 && KW == 7) ROW(7, 2);
  else ROW(0, 0);
#undef ROW
}
#undef WB

/* The weight's gradient of a depthwise layer: dw[c, 0, ky, kx] = sum over the samples and
 * output cells of g[n, c] times padded x[n, c] at the tap. x, g: (N, C, H, W) and (N, C, OH,
 * OW) with element strides xs, gs; dw: (C, 1, KH, KW) contiguous; pad, budget, threads as for
 * convlab_depthwise. Each task takes LANES channels and a share of the (sample, band) pairs,
 * with a band of the input and of the output gradient copied [row][column][lane]; when there
 * are fewer blocks of channels than twice the threads, the pairs are cut into parts whose sums
 * are added at the end. Returns 0, or 1 if a buffer could not be allocated. */
int convlab_depthwise_weight(const real *x, const int64_t *xs, const real *g, const int64_t *gs,
                             real *dw, int64_t N, int64_t C, int64_t H, int64_t W, int64_t KH,
                             int64_t KW, int64_t sh, int64_t sw, int64_t dh, int64_t dwid,
                             const int64_t *pad, int64_t OH, int64_t OW, int64_t budget,
                             int threads) {
  const int64_t top = pad[0], left = pad[2], taps = KH * KW;
  const int64_t Wp = (OW - 1) * sw + (KW - 1) * dwid + 1;
  const int64_t copied = W < Wp - left ? W : (Wp - left > 0 ? Wp - left : 0);
  /* a band's bytes per output row: its input rows (about sh of them) and its gradient row */
  const int64_t row_bytes = (Wp * sh + OW) * LANES * (int64_t)sizeof(real);
  int64_t band = budget / row_bytes;
  if (band < 1) band = 1;
  if (band > OH) band = OH;
  const int64_t bands = (OH + band - 1) / band, pairs = N * bands;
  const int64_t band_rows = (band - 1) * sh + (KH - 1) * dh + 1;
  const int64_t blocks = (C + LANES - 1) / LANES;
  int64_t parts = (2 * threads + blocks - 1) / blocks;
  if (parts > pairs) parts = pairs;
  vec *partial = aligned((size_t)(parts * blocks * taps) * sizeof(vec));
  if (!partial) return 1;
  int failed = 0;

#pragma omp parallel num_threads(threads) reduction(| : failed)
  {
    real *xbuf = aligned((size_t)(band_rows * Wp * LANES) * sizeof(real));
    real *gbuf = aligned((size_t)(band * OW * LANES) * sizeof(real));
    failed = !xbuf || !gbuf;
#pragma omp for schedule(static)
    for (int64_t t = 0; t < parts * blocks; ++t) {
      if (failed) continue;
      const int64_t part = t / blocks, c0 = t % blocks * LANES;
      const int64_t cn = C - c0 < LANES ? C - c0 : LANES;
      vec *sums = partial + t * taps;
      memset(sums, 0, (size_t)taps * sizeof(vec));
      for (int64_t pair = part; pair < pairs; pair += parts) {
        const int64_t n = pair / bands, oy0 = pair % bands * band;
        const int64_t cells_h = oy0 + band < OH ? band : OH - oy0;
        const int64_t rows = (cells_h - 1) * sh + (KH - 1) * dh + 1;
        copy_lanes(xbuf, x + n * xs[0] + c0 * xs[1], xs, cn, H, oy0 * sh - top, rows, Wp,
                   left, copied);
        copy_lanes(gbuf, g + n * gs[0] + c0 * gs[1], gs, cn, OH, oy0, cells_h, OW, 0, OW);
        for (int64_t ky = 0; ky < KH; ++ky)
          for (int64_t oy = 0; oy < cells_h; ++oy)
            weight_row(xbuf + (oy * sh + ky * dh) * Wp * LANES,
                       (const vec *)(gbuf + oy * OW * LANES), OW, KW, sw, dwid,
                       sums + ky * KW);
      }
    }
    free(xbuf);
    free(gbuf);                /* the loop above ends when every thread's parts are summed */
#pragma omp for schedule(static)
    for (int64_t block = 0; block < blocks; ++block) {   /* the parts added, lanes to rows */
      const int64_t c0 = block * LANES, cn = C - c0 < LANES ? C - c0 : LANES;
      add_parts(dw, partial, parts, blocks, block, taps, c0, cn);
    }
  }
  free(partial);
  return failed;
}
