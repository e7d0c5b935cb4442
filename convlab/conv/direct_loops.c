/* The loops of layers whose windows hold few numbers, or whose groups hold more output channels
 * than a vector: the forward pass (convlab_direct), which with the taps of one residue of the
 * stride is the input gradient too, and the weight gradient (convlab_direct_weight); loops.h
 * says how the loops work. */
#include "loops.h"

/* XW output cells of one row for OCB blocks of LANES output channels: each input channel's
 * taps, one weight vector a block (the blocks' weights w_step vectors apart), times the input
 * number each cell reads there, the OCB x XW sums in registers. OCB, XW, KW and S are constants
 * once inlined (the loads' offsets fixed, the loops unrolled; the dilation D spaces the taps);
 * KW 0 stands for any width and stride. Two blocks share each input number loaded, which one
 * block alone (8 cells) could not: that is what makes the loop faster than a matrix product on
 * wide layers too. */
static inline __attribute__((always_inline)) void direct_tile(
    const int OCB, const int XW, const int KW_FIXED, const int S_FIXED, const real *rows,
    int64_t CI, int64_t KH, int64_t KW_ANY, int64_t S_ANY, int64_t D, int64_t channel_step,
    int64_t row_step, const vec *w, int64_t w_step, const vec *bias, vec *out,
    int64_t out_step) {
  const int64_t KW = KW_FIXED ? KW_FIXED : KW_ANY, S = KW_FIXED ? S_FIXED : S_ANY;
  vec acc[2][XB];                  /* OCB <= 2, XW <= XB: fixed sizes, kept in registers */
#pragma GCC unroll 2
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 8
    for (int b = 0; b < XW; ++b) acc[o][b] = bias[o];
  for (int64_t ci = 0; ci < CI; ++ci)
    for (int64_t ky = 0; ky < KH; ++ky) {
      const real *row = rows + ci * channel_step + ky * row_step;
      const vec *taps = w + (ci * KH + ky) * KW;
#pragma GCC unroll 8
      for (int64_t kx = 0; kx < KW; ++kx) {
        vec tap[2];
#pragma GCC unroll 2
        for (int o = 0; o < OCB; ++o) tap[o] = taps[o * w_step + kx];
        const real *in = row + kx * D;
#pragma GCC unroll 8
        for (int b = 0; b < XW; ++b) {
          const real v = in[b * S];
#pragma GCC unroll 2
          for (int o = 0; o < OCB; ++o) acc[o][b] += tap[o] * v;
        }
      }
    }
#pragma GCC unroll 2
  for (int o = 0; o < OCB; ++o)
#pragma GCC unroll 8
    for (int b = 0; b < XW; ++b) out[o * out_step + b] = acc[o][b];
}

/* The tiles a call uses: two blocks of 7 cells where a group has two blocks or more (a group's
 * odd block: one of 7), else one block of 8. */
#define PAIR_CELLS 7
static void direct_cells(int OCB, int XW, const real *rows, int64_t CI, int64_t KH, int64_t KW,
                         int64_t S, int64_t D, int64_t channel_step, int64_t row_step,
                         const vec *w, int64_t w_step, const vec *bias, vec *out,
                         int64_t out_step) {
#define TILE(ocb, xw, kw, s) direct_tile(ocb, xw, kw, s, rows, CI, KH, KW, S, D, channel_step, \
                                         row_step, w, w_step, bias, out, out_step)
#define KERNELS(ocb, xw)                         \
  if (S == 1 && KW == 3) TILE(ocb, xw, 3, 1);      \
  else if (S == 1 && KW == 5) TILE(ocb, xw, 5, 1); \
  else if (S == 1 && KW == 7) TILE(ocb, xw, 7, 1); \
  else if (S == 2 && KW == 3) TILE(ocb, xw, 3, 2); \
  else if (S == 2 && KW == 5) TILE(ocb, xw, 5, 2); \
  else if (S == 2 && KW == 7) TILE(ocb, xw, 7, 2); \
  else TILE(ocb, xw, 0, 0);
  if (OCB == 2) { KERNELS(2, PAIR_CELLS) }
  else if (XW == PAIR_CELLS) { KERNELS(1, PAIR_CELLS) }
  else { KERNELS(1, XB) }
#undef KERNELS
#undef TILE
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
  const int64_t group_blocks = (COg + LANES - 1) / LANES, blocks = G * group_blocks;
  const int pair = group_blocks >= 2 ? 2 : 1, XW = pair == 2 ? PAIR_CELLS : XB;
  const int64_t group_units = (group_blocks + pair - 1) / pair, units = G * group_units;
  const int64_t OWr = (OW + XW - 1) / XW * XW;
  const int64_t Wp = (OWr - 1) * sw + (KW - 1) * dw + 1;
  const int64_t copied = W < Wp - left ? W : (Wp - left > 0 ? Wp - left : 0);
  const int64_t row_bytes = Wp * CIg * (int64_t)sizeof(real);   /* a row of every channel */
  int64_t band = (budget / row_bytes - (KH - 1) * dh - 1) / sh + 1;
  if (band < 1) band = 1;
  if (band > OH) band = OH;
  while (band > 1 && N * units * ((OH + band - 1) / band) < threads) band = (band + 1) / 2;
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
    vec *ob = aligned((size_t)(pair * OWr) * sizeof(vec));
    failed = !buf || !ob;
    int64_t in_buf = -1;          /* the (sample, band, group) whose rows buf holds */
    /* a group's units of output channels are neighbouring tasks, and a thread's tasks are
     * one run of them: each band of input rows is copied once for all of its units */
#pragma omp for schedule(static)
    for (int64_t t = 0; t < N * bands * units; ++t) {
      if (failed) continue;
      const int64_t n = t / (bands * units), unit = t % units, g = unit / group_units;
      const int64_t first = unit % group_units * pair;        /* its first block in the group */
      const int ocb = first + pair <= group_blocks ? pair : 1;
      const int64_t block = g * group_blocks + first, c0 = g * COg + first * LANES;
      const int64_t oy0 = t / units % bands * band, oy1 = oy0 + band < OH ? oy0 + band : OH;
      const int64_t rows = (oy1 - 1 - oy0) * sh + (KH - 1) * dh + 1;
      const vec *wv = packed + block * fan_in;
      vec bv[2];
      for (int o = 0; o < ocb; ++o)
        for (int64_t l = 0; l < LANES; ++l) {
          const int64_t c = c0 + o * LANES + l;
          bv[o][l] = (bias && c < (g + 1) * COg) ? bias[c] : 0;
        }
      if (t / group_units != in_buf)
        copy_rows(buf, x + n * xs[0] + g * CIg * xs[1], xs, CIg, H, oy0 * sh - top, rows,
                  band_rows, Wp, left, copied);
      in_buf = t / group_units;
      for (int64_t oy = oy0; oy < oy1; ++oy) {
        const real *base = buf + (oy - oy0) * sh * Wp;
        for (int64_t ox = 0; ox < OWr; ox += XW)
          direct_cells(ocb, XW, base + ox * sw, CIg, KH, KW, sw, dw, band_rows * Wp, dh * Wp,
                       wv, fan_in, bv, ob + ox, OWr);
        for (int o = 0; o < ocb; ++o) {
          const int64_t c = c0 + o * LANES;
          const int64_t cn = (g + 1) * COg - c < LANES ? (g + 1) * COg - c : LANES;
          write_row(y + n * ys[0] + c * ys[1] + oy * ys[2], ys, (const real *)(ob + o * OWr),
                    cn, OW);
        }
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
  vec acc[7], odd[7];    /* KW_FIXED <= 7; odd: a second set of sums for every other cell, */
  if (!KW_FIXED) {       /* twice as many multiply-adds in flight. Any width: sums in memory */
    for (int64_t oy = 0; oy < cells_h; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        const vec gv = grows[oy * OW + ox];
        const real *in = xrows + oy * x_row_step + ox * S;
        for (int64_t kx = 0; kx < KW; ++kx) sums[kx] += gv * in[kx * D];
      }
    return;
  }
#pragma GCC unroll 8
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

/* One kernel row's taps of two input channels for two blocks of output channels, summed over
 * a band's output cells: 2 x 2 x KW sums in registers (sNM: block N, input channel M), each
 * input number loaded once for both blocks and each gradient vector once for both channels,
 * where weight_row loads an input number for one multiply-add. KW is a constant once inlined
 * (3, 5 or 7). */
static inline __attribute__((always_inline)) void weight_tile(
    const int KW, const real *x0, const real *x1, const vec *g0, const vec *g1, int64_t cells_h,
    int64_t OW, int64_t S, int64_t D, int64_t x_row_step, vec *s00, vec *s01, vec *s10,
    vec *s11) {
  vec a[2][2][7];                  /* KW <= 7: a fixed size, kept in registers */
#pragma GCC unroll 8
  for (int kx = 0; kx < KW; ++kx) {
    a[0][0][kx] = s00[kx];
    a[0][1][kx] = s01[kx];
    a[1][0][kx] = s10[kx];
    a[1][1][kx] = s11[kx];
  }
  for (int64_t oy = 0; oy < cells_h; ++oy) {
    const real *r0 = x0 + oy * x_row_step, *r1 = x1 + oy * x_row_step;
    const vec *ga = g0 + oy * OW, *gb = g1 + oy * OW;
    for (int64_t ox = 0; ox < OW; ++ox) {
      const vec u = ga[ox], v = gb[ox];
      const real *in0 = r0 + ox * S, *in1 = r1 + ox * S;
#pragma GCC unroll 8
      for (int kx = 0; kx < KW; ++kx) {
        const real p = in0[kx * D], q = in1[kx * D];
        a[0][0][kx] += u * p;
        a[0][1][kx] += u * q;
        a[1][0][kx] += v * p;
        a[1][1][kx] += v * q;
      }
    }
  }
#pragma GCC unroll 8
  for (int kx = 0; kx < KW; ++kx) {
    s00[kx] = a[0][0][kx];
    s01[kx] = a[0][1][kx];
    s10[kx] = a[1][0][kx];
    s11[kx] = a[1][1][kx];
  }
}

/* Two blocks' sums of every pair of input channels and kernel row, by weight_tile; a group's
 * last odd channel is left to weight_row. */
static void weight_pairs(const real *xbuf, const vec *g0, const vec *g1, int64_t CIg,
                         int64_t KH, int64_t KW, int64_t band_rows, int64_t Wp, int64_t cells_h,
                         int64_t OW, int64_t sh, int64_t sw, int64_t dh, int64_t dwid,
                         vec *sums0, vec *sums1) {
  for (int64_t ci = 0; ci + 1 < CIg; ci += 2)
    for (int64_t ky = 0; ky < KH; ++ky) {
      const real *x0 = xbuf + (ci * band_rows + ky * dh) * Wp, *x1 = x0 + band_rows * Wp;
      const int64_t k0 = (ci * KH + ky) * KW, k1 = ((ci + 1) * KH + ky) * KW;
#define TILE(kw) weight_tile(kw, x0, x1, g0, g1, cells_h, OW, sw, dwid, sh * Wp, sums0 + k0, \
                             sums0 + k1, sums1 + k0, sums1 + k1)
      if (KW == 3) TILE(3);
      else if (KW == 5) TILE(5);
      else TILE(7);
#undef TILE
    }
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
  const int64_t row_bytes = (Wp * CIg * sh + 2 * OW * LANES) * (int64_t)sizeof(real);
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
    vec *gbuf = aligned((size_t)(2 * band * OW) * sizeof(vec));    /* two blocks' rows */
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
        const int tiles = KW == 3 || KW == 5 || KW == 7;   /* widths weight_tile unrolls */
        for (int64_t b = 0, both; b < group_blocks; b += both) {
          both = tiles && b + 1 < group_blocks ? 2 : 1;   /* blocks taken together */
          for (int64_t j = 0; j < both; ++j) {   /* gradient rows, [block][row][column][lane] */
            const int64_t c0 = grp * COg + (b + j) * LANES;
            const int64_t cn = (grp + 1) * COg - c0 < LANES ? (grp + 1) * COg - c0 : LANES;
            vec *gj = gbuf + j * band * OW;
            if (cn < LANES) memset(gj, 0, (size_t)(cells_h * OW) * sizeof(vec));
            for (int64_t oy = 0; oy < cells_h; ++oy) {
              real *gr = (real *)(gj + oy * OW);
              const real *src = g + n * gs[0] + c0 * gs[1] + (oy0 + oy) * gs[2];
              if (gs[1] == 1 && cn == LANES)      /* channels last: LANES numbers at a time */
                for (int64_t ox = 0; ox < OW; ++ox)
                  memcpy(gr + ox * LANES, src + ox * gs[3], LANES * sizeof(real));
              else
                for (int64_t l = 0; l < cn; ++l)
                  for (int64_t ox = 0; ox < OW; ++ox)
                    gr[ox * LANES + l] = src[l * gs[1] + ox * gs[3]];
            }
          }
          if (both == 2)
            weight_pairs(xbuf, gbuf, gbuf + band * OW, CIg, KH, KW, band_rows, Wp, cells_h, OW,
                         sh, sw, dh, dwid, sums + b * fan_in, sums + (b + 1) * fan_in);
          for (int64_t j = 0; j < both; ++j) {     /* what the pairs left: every channel, or */
            vec *block_sums = sums + (b + j) * fan_in;            /* a group's odd last one */
            for (int64_t ci = both == 2 ? CIg / 2 * 2 : 0; ci < CIg; ++ci)
              for (int64_t ky = 0; ky < KH; ++ky) {
                const real *xrows = xbuf + (ci * band_rows + ky * dh) * Wp;
                vec *s = block_sums + (ci * KH + ky) * KW;
                const int64_t step = sh * Wp;
                const vec *gj = gbuf + j * band * OW;
#define ROW(kw) weight_row(kw, xrows, gj, cells_h, OW, KW, sw, dwid, step, s)
                if (dwid == 1 && KW == 3) ROW(3);
                else if (dwid == 1 && KW == 5) ROW(5);
                else if (dwid == 1 && KW == 7) ROW(7);
                else ROW(0);
#undef ROW
              }
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
      add_parts(dw, partial, parts, blocks, block, fan_in, c0, cn);
    }
  }
  free(partial);
  return failed;
}
