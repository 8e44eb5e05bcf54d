/*
 * Conv2DBackpropFilter computed directly. The rewrite (kernels/conv2d-backprop-filter.ts) hands
 * the work to XNNPACK as a convolution whose "filter" is dy, and XNNPACK
 * repacks that filter on every call: for the seed CNN's first layer dy is
 * 64×26×26×32, and the repack cost several times the 1.4 M multiply-adds
 * themselves, and it lost on every other template shape too
 * (docs/performance.md). Here each tap's gradient is a sum of
 * x · dy over the output positions. For one image at a time, a block of two
 * input channels by sixteen output channels (eight accumulators) stays in
 * registers over all of the image's output positions, so each position costs
 * two splat loads and four dy loads for eight multiply-adds (MADD: fused in
 * the relaxed-SIMD build, madd.h); dy is read row by row, where it lies.
 *
 *   dw[p,q,c,o] = Σ_{b,i,j} x[b, i·sh + p·dh − top, j·sw + q·dw − left, c] · dy[b,i,j,o]
 *
 * dw is [kh, kw, in_c, out_c] and is overwritten. Stateless and without a
 * stack frame: it touches only the buffers it is given.
 */
#include "madd.h"

static inline int ceil_div_nonneg(int a, int b) { return a <= 0 ? 0 : (a + b - 1) / b; }

/* Output columns whose tap reads inside the row: 0 ≤ ox·sw + offset < in_w. */
#define COLUMN_RANGE                                      \
  const int ox_start = ceil_div_nonneg(-offset, stride_w); \
  int ox_end = ceil_div_nonneg(in_w - offset, stride_w);   \
  if (ox_end > out_w) ox_end = out_w;

/* One input channel's gradient for output channels o.. (sixteen, then four, then the last
   few as a masked vector, or one at a time when there are fewer than four). */
static inline void single_channel(float *acc, const float *x_row0, const float *dy_image, int o, int out_c, int out_w,
                                  int oy_start, int oy_end, int ox_start, int ox_end, int x_step, int x_row_step) {
  const int wide = out_c & ~15;
  const int narrow = out_c & ~3;
  for (; o < wide; o += 16) {
    v128_t a0 = wasm_v128_load(acc + o), a1 = wasm_v128_load(acc + o + 4);
    v128_t a2 = wasm_v128_load(acc + o + 8), a3 = wasm_v128_load(acc + o + 12);
    const float *x_row = x_row0;
    for (int oy = oy_start; oy < oy_end; oy++, x_row += x_row_step) {
      const float *g = dy_image + (oy * out_w + ox_start) * out_c + o;
      const float *xs = x_row + ox_start * x_step;
      for (int ox = ox_start; ox < ox_end; ox++, g += out_c, xs += x_step) {
        const v128_t xv = wasm_v128_load32_splat(xs);
        a0 = MADD(xv, wasm_v128_load(g), a0);
        a1 = MADD(xv, wasm_v128_load(g + 4), a1);
        a2 = MADD(xv, wasm_v128_load(g + 8), a2);
        a3 = MADD(xv, wasm_v128_load(g + 12), a3);
      }
    }
    wasm_v128_store(acc + o, a0);
    wasm_v128_store(acc + o + 4, a1);
    wasm_v128_store(acc + o + 8, a2);
    wasm_v128_store(acc + o + 12, a3);
  }
  for (; o < narrow; o += 4) {
    v128_t a0 = wasm_v128_load(acc + o);
    const float *x_row = x_row0;
    for (int oy = oy_start; oy < oy_end; oy++, x_row += x_row_step) {
      const float *g = dy_image + (oy * out_w + ox_start) * out_c + o;
      const float *xs = x_row + ox_start * x_step;
      for (int ox = ox_start; ox < ox_end; ox++, g += out_c, xs += x_step) {
        a0 = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load32_splat(xs), wasm_v128_load(g)), a0);
      }
    }
    wasm_v128_store(acc + o, a0);
  }
  if (o < out_c && out_c >= 4) {
    /* The last one to three channels as one vector over the last four, summed from
       zero; only their lanes are added (the others were done above). This loop and the
       four-wide one above carry one accumulator: a multiply and an add measured faster
       there than the relaxed multiply-add (lenet5 c1, 2.27 → 1.28 ms). */
    const int last = out_c - 4;
    v128_t sum = wasm_f32x4_splat(0.0f);
    const float *x_row = x_row0;
    for (int oy = oy_start; oy < oy_end; oy++, x_row += x_row_step) {
      const float *g = dy_image + (oy * out_w + ox_start) * out_c + last;
      const float *xs = x_row + ox_start * x_step;
      for (int ox = ox_start; ox < ox_end; ox++, g += out_c, xs += x_step) {
        sum = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load32_splat(xs), wasm_v128_load(g)), sum);
      }
    }
    const v128_t tail = wasm_i32x4_ge(wasm_i32x4_add(wasm_i32x4_make(0, 1, 2, 3), wasm_i32x4_splat(last)), wasm_i32x4_splat(o));
    wasm_v128_store(acc + last, wasm_f32x4_add(wasm_v128_load(acc + last), wasm_v128_and(sum, tail)));
    o = out_c;
  }
  for (; o < out_c; o++) {
    float a = acc[o];
    const float *x_row = x_row0;
    for (int oy = oy_start; oy < oy_end; oy++, x_row += x_row_step) {
      const float *g = dy_image + (oy * out_w) * out_c + o;
      for (int ox = ox_start; ox < ox_end; ox++) a += x_row[ox * x_step] * g[ox * out_c];
    }
    acc[o] = a;
  }
}

__attribute__((export_name("conv2d_filter_grad_direct"))) void conv2d_filter_grad_direct(
    const float *x, const float *dy, float *dw, int batch, int in_h, int in_w, int in_c, int out_h, int out_w,
    int out_c, int k_h, int k_w, int stride_h, int stride_w, int dil_h, int dil_w, int pad_top, int pad_left) {
  const int taps = k_h * k_w * in_c * out_c;
  for (int t = 0; t < taps; t++) dw[t] = 0.0f;
  const int wide = out_c & ~15;
  const int paired = in_c & ~1;
  const int x_step = stride_w * in_c;
  for (int b = 0; b < batch; b++) {
    const float *x_image = x + b * in_h * in_w * in_c;
    const float *dy_image = dy + b * out_h * out_w * out_c;
    for (int p = 0; p < k_h; p++) {
      /* Output rows whose tap p reads inside the image. */
      const int row_offset = p * dil_h - pad_top;
      const int oy_start = ceil_div_nonneg(-row_offset, stride_h);
      int oy_end = ceil_div_nonneg(in_h - row_offset, stride_h);
      if (oy_end > out_h) oy_end = out_h;
      if (oy_start >= oy_end) continue;
      for (int q = 0; q < k_w; q++) {
        const int offset = q * dil_w - pad_left;
        COLUMN_RANGE
        if (ox_start >= ox_end) continue;
        float *dw_tap = dw + (p * k_w + q) * in_c * out_c;
        /* x at (oy_start's row, ox = 0's column) of this tap, channel 0. */
        const float *x_tap = x_image + ((oy_start * stride_h + row_offset) * in_w + offset) * in_c;
        const int x_row_step = stride_h * in_w * in_c;
        int c = 0;
        for (; c < paired; c += 2) {
          float *acc0 = dw_tap + c * out_c, *acc1 = acc0 + out_c;
          int o = 0;
          for (; o < wide; o += 16) {
            v128_t a0 = wasm_v128_load(acc0 + o), a1 = wasm_v128_load(acc0 + o + 4);
            v128_t a2 = wasm_v128_load(acc0 + o + 8), a3 = wasm_v128_load(acc0 + o + 12);
            v128_t b0 = wasm_v128_load(acc1 + o), b1 = wasm_v128_load(acc1 + o + 4);
            v128_t b2 = wasm_v128_load(acc1 + o + 8), b3 = wasm_v128_load(acc1 + o + 12);
            const float *x_row = x_tap + c;
            for (int oy = oy_start; oy < oy_end; oy++, x_row += x_row_step) {
              const float *g = dy_image + (oy * out_w + ox_start) * out_c + o;
              const float *xs = x_row + ox_start * x_step;
              for (int ox = ox_start; ox < ox_end; ox++, g += out_c, xs += x_step) {
                const v128_t g0 = wasm_v128_load(g), g1 = wasm_v128_load(g + 4);
                const v128_t g2 = wasm_v128_load(g + 8), g3 = wasm_v128_load(g + 12);
                const v128_t x0 = wasm_v128_load32_splat(xs);
                a0 = MADD(x0, g0, a0);
                a1 = MADD(x0, g1, a1);
                a2 = MADD(x0, g2, a2);
                a3 = MADD(x0, g3, a3);
                const v128_t x1 = wasm_v128_load32_splat(xs + 1);
                b0 = MADD(x1, g0, b0);
                b1 = MADD(x1, g1, b1);
                b2 = MADD(x1, g2, b2);
                b3 = MADD(x1, g3, b3);
              }
            }
            wasm_v128_store(acc0 + o, a0);
            wasm_v128_store(acc0 + o + 4, a1);
            wasm_v128_store(acc0 + o + 8, a2);
            wasm_v128_store(acc0 + o + 12, a3);
            wasm_v128_store(acc1 + o, b0);
            wasm_v128_store(acc1 + o + 4, b1);
            wasm_v128_store(acc1 + o + 8, b2);
            wasm_v128_store(acc1 + o + 12, b3);
          }
          /* The remaining output channels, one input channel at a time. */
          if (o < out_c) {
            single_channel(acc0, x_tap + c, dy_image, o, out_c, out_w, oy_start, oy_end, ox_start, ox_end, x_step, x_row_step);
            single_channel(acc1, x_tap + c + 1, dy_image, o, out_c, out_w, oy_start, oy_end, ox_start, ox_end, x_step, x_row_step);
          }
        }
        for (; c < in_c; c++) {
          single_channel(dw_tap + c * out_c, x_tap + c, dy_image, 0, out_c, out_w, oy_start, oy_end, ox_start, ox_end, x_step, x_row_step);
        }
      }
    }
  }
}
