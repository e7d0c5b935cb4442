/* The loops of layers whose windows hold few numbers: the forward pass (convlab_direct),
 * which with the taps of one residue of the stride is the input gradient too, and the
 * weight gradient (convlab_direct_weight); loops.h says how the loops work. */
#include "loops.h"

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
    int64_t in_buf = -1;          /* the (sample, band, group) whose rows buf holds */
    /* a group's blocks of output channels are neighbouring tasks, and a thread's tasks are
     * one run of them: each band of input rows is copied once for all of its blocks */
#pragma omp for schedule(static)
    for (int64_t t = 0; t < N * bands * blocks; ++t) {
      if (failed) continue;
      const int64_t n = t / (bands * blocks), block = t % blocks;
      const int64_t g = block / group_blocks, c0 = g * COg + block % group_blocks * LANES;
      const int64_t cn = (g + 1) * COg - c0 < LANES ? (g + 1) * COg - c0 : LANES;
      const int64_t oy0 = t / blocks % bands * band, oy1 = oy0 + band < OH ? oy0 + band : OH;
      const int64_t rows = (oy1 - 1 - oy0) * sh + (KH - 1) * dh + 1;
      const vec *wv = packed + block * fan_in;
      vec bv;
      for (int64_t l = 0; l < LANES; ++l) bv[l] = (bias && l < cn) ? bias[c0 + l] : 0;
      if (t / group_blocks != in_buf)
        copy_rows(buf, x + n * xs[0] + g * CIg * xs[1], xs, CIg, H, oy0 * sh - top, rows,
                  band_rows, Wp, left, copied);
      in_buf = t / group_blocks;
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

/* One kernel row's taps of one input channel, summed over a band's output cells: KW weight
 * gradient vectors (LANES output channels each) kept in registers while every cell adds its
 * output gradient vector times the input number the tap read. KW_FIXED 0: any width. */
static inline __attribute__((always_inline)) void weight_row(
    const int KW_FIXED, const real *xrows, const vec *grows, int64_t cells_h, int64_t OW,
    int64_t KW_ANY, int64_t S, int64_t D, int64_t x_row_step, vec *sums) {
  const int64_t KW = KW_FIXED ? KW_FIXED : KW_ANY;
  vec acc[KW_FIXED ? KW_FIXED : 1];
  if (!KW_FIXED) {       /* any width: the sums stay in memory */
    for (int64_t oy = 0; oy < cells_h; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        const vec gv = grows[oy * OW + ox];
        const real *in = xrows + oy * x_row_step + ox * S;
        for (int64_t kx = 0; kx < KW; ++kx) sums[kx] += gv * in[kx * D];
      }
    return;
  }
  vec odd[KW_FIXED ? KW_FIXED : 1];    /* a second set of sums for every other cell: twice */
#pragma GCC unroll 8                    /* as many multiply-adds in flight */
  for (int kx = 0; kx < KW_FIXED; ++kx) {
    acc[kx] = sums[kx];
    odd[kx] = (vec){0};
  }
  for (int64_t oy = 0; oy < cells_h; ++oy) {
    const real *xr = xrows + oy * x_row_step;
    const vec *gr = grows + oy * OW;
    int64_t ox = 0;
    for (; ox + 1 < OW; ox += 2) {
      const vec g0 = gr[ox], g1 = gr[ox + 1];
      const real *in0 = xr + ox * S, *in1 = in0 + S;
#pragma GCC unroll 8
      for (int kx = 0; kx < KW_FIXED; ++kx) {
        acc[kx] += g0 * in0[kx * D];
        odd[kx] += g1 * in1[kx * D];
      }
    }
    if (ox < OW) {
      const vec g0 = gr[ox];
      const real *in0 = xr + ox * S;
#pragma GCC unroll 8
      for (int kx = 0; kx < KW_FIXED; ++kx) acc[kx] += g0 * in0[kx * D];
    }
  }
#pragma GCC unroll 8
  for (int kx = 0; kx < KW_FIXED; ++kx) sums[kx] = acc[kx] + odd[kx];
}

/* The weight's gradient of a layer convlab_direct runs: dw[o, i, ky, kx] = sum over the samples
 * and output cells of g[n, o] times padded x[n, g*CI/G + i] at the tap. x, g: (N, CI, H, W) and
 * (N, CO, OH, OW) with element strides xs, gs; dw: (CO, CI/G, KH, KW) contiguous. A task takes
 * one group and a share of the (sample, band) pairs: each band of the input is copied once for
 * all of the group's blocks of output channels. The pairs are cut into parts (bands made
 * smaller if need be) when there are fewer groups than twice the threads, each part's sums
 * added at the end. Returns 0, or 1 if a buffer could not be allocated. */
int convlab_direct_weight(const real *x, const int64_t *xs, const real *g, const int64_t *gs,
                          real *dw, int64_t N, int64_t CI, int64_t H, int64_t W, int64_t CO,
                          int64_t G, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t dh,
                          int64_t dwid, const int64_t *pad, int64_t OH, int64_t OW,
                          int64_t budget, int threads) {
  const int64_t top = pad[0], left = pad[2];
  const int64_t CIg = CI / G, COg = CO / G, fan_in = CIg * KH * KW;
  const int64_t Wp = (OW - 1) * sw + (KW - 1) * dwid + 1;
  const int64_t copied = W < Wp - left ? W : (Wp - left > 0 ? Wp - left : 0);
  /* a band's bytes per output row: its input rows (about sh of them) and its gradient row */
  const int64_t row_bytes = (Wp * CIg * sh + OW * LANES) * (int64_t)sizeof(real);
  int64_t band = budget / row_bytes;
  if (band < 1) band = 1;
  if (band > OH) band = OH;
  const int64_t group_blocks = (COg + LANES - 1) / LANES, blocks = G * group_blocks;
  const int64_t wanted = (2 * threads + G - 1) / G;      /* parts for two tasks a thread */
  while (band > 1 && N * ((OH + band - 1) / band) < wanted) band = (band + 1) / 2;
  const int64_t bands = (OH + band - 1) / band, pairs = N * bands;
  const int64_t band_rows = (band - 1) * sh + (KH - 1) * dh + 1;
  const int64_t parts = wanted < pairs ? wanted : pairs;
  vec *partial = aligned((size_t)(parts * blocks * fan_in) * sizeof(vec));
  if (!partial) return 1;
  int failed = 0;

#pragma omp parallel num_threads(threads) reduction(| : failed)
  {
    real *xbuf = aligned((size_t)(CIg * band_rows * Wp) * sizeof(real));
    vec *gbuf = aligned((size_t)(band * OW) * sizeof(vec));
    failed = !xbuf || !gbuf;
#pragma omp for schedule(static)
    for (int64_t t = 0; t < parts * G; ++t) {
      if (failed) continue;
      const int64_t part = t / G, grp = t % G;
      vec *sums = partial + (part * blocks + grp * group_blocks) * fan_in;
      memset(sums, 0, (size_t)(group_blocks * fan_in) * sizeof(vec));
      for (int64_t pair = part; pair < pairs; pair += parts) {
        const int64_t n = pair / bands, oy0 = pair % bands * band;
        const int64_t cells_h = oy0 + band < OH ? band : OH - oy0;
        const int64_t rows = (cells_h - 1) * sh + (KH - 1) * dh + 1;
        copy_rows(xbuf, x + n * xs[0] + grp * CIg * xs[1], xs, CIg, H, oy0 * sh - top, rows,
                  band_rows, Wp, left, copied);
        for (int64_t b = 0; b < group_blocks; ++b) {
          const int64_t c0 = grp * COg + b * LANES;
          const int64_t cn = (grp + 1) * COg - c0 < LANES ? (grp + 1) * COg - c0 : LANES;
          if (cn < LANES) memset(gbuf, 0, (size_t)(cells_h * OW) * sizeof(vec));
          for (int64_t oy = 0; oy < cells_h; ++oy) {  /* gradient rows, [row][column][lane] */
            real *gr = (real *)(gbuf + oy * OW);
            const real *src = g + n * gs[0] + c0 * gs[1] + (oy0 + oy) * gs[2];
            if (gs[1] == 1 && cn == LANES)      /* channels last: LANES numbers at a time */
              for (int64_t ox = 0; ox < OW; ++ox)
                memcpy(gr + ox * LANES, src + ox * gs[3], LANES * sizeof(real));
            else
              for (int64_t l = 0; l < cn; ++l)
                for (int64_t ox = 0; ox < OW; ++ox)
                  gr[ox * LANES + l] = src[l * gs[1] + ox * gs[3]];
          }
          vec *block_sums = sums + b * fan_in;
          for (int64_t ci = 0; ci < CIg; ++ci)
            for (int64_t ky = 0; ky < KH; ++ky) {
              const real *xrows = xbuf + (ci * band_rows + ky * dh) * Wp;
              vec *s = block_sums + (ci * KH + ky) * KW;
              const int64_t step = sh * Wp;
#define ROW(kw) weight_row(kw, xrows, gbuf, cells_h, OW, KW, sw, dwid, step, s)
              if (dwid == 1 && KW == 3) ROW(3);
              else if (dwid == 1 && KW == 5) ROW(5);
              else if (dwid == 1 && KW == 7) ROW(7);
              else ROW(0);
#undef ROW
            }
        }
      }
    }
    free(xbuf);
    free(gbuf);                /* the loop above ends when every thread's parts are summed */
#pragma omp for schedule(static)
    for (int64_t block = 0; block < blocks; ++block) {   /* the parts added, lanes to rows */
      const int64_t grp = block / group_blocks, c0 = grp * COg + block % group_blocks * LANES;
      const int64_t cn = (grp + 1) * COg - c0 < LANES ? (grp + 1) * COg - c0 : LANES;
      for (int64_t k = 0; k < fan_in; ++k) {
        vec total = partial[block * fan_in + k];
        for (int64_t part = 1; part < parts; ++part)
          total += partial[(part * blocks + block) * fan_in + k];
        for (int64_t l = 0; l < cn; ++l) dw[(c0 + l) * fan_in + k] = total[l];
      }
    }
  }
  free(partial);
  return failed;
}
