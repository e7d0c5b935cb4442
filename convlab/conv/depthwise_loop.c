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
