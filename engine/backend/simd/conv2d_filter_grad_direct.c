/*
 * Conv2DBackpropFilter computed directly. The rewrite (kernels/conv2d-backprop-filter.ts) hands
 * the work to XNNPACK as a convolution whose "filter" is dy, and XNNPACK
 * repacks that filter on every call: for the seed CNN's first layer dy is
 * 64×26×26×32, and the repack cost several times the 1.4 M multiply-adds
 * themselves, and it lost on every other template shape too
 * (docs/performance.md). Here each tap's gradient is a sum of
 * x · dy over the output positions, added into four vectors of output
 * channels at once; dy is read row by row, where it lies.
 *
 *   dw[p,q,c,o] = Σ_{b,i,j} x[b, i·sh + p·dh − top, j·sw + q·dw − left, c] · dy[b,i,j,o]
 *
 * dw is [kh, kw, in_c, out_c] and is overwritten. Stateless and without a
 * stack frame: it touches only the buffers it is given.
 */
#include <wasm_simd128.h>

static inline int ceil_div_nonneg(int a, int b) { return a <= 0 ? 0 : (a + b - 1) / b; }

__attribute__((export_name("conv2d_filter_grad_direct"))) void conv2d_filter_grad_direct(
    const float *x, const float *dy, float *dw, int batch, int in_h, int in_w, int in_c, int out_h, int out_w,
    int out_c, int k_h, int k_w, int stride_h, int stride_w, int dil_h, int dil_w, int pad_top, int pad_left) {
  const int taps = k_h * k_w * in_c * out_c;
  for (int t = 0; t < taps; t++) dw[t] = 0.0f;
  const int wide = out_c & ~15;
  const int narrow = out_c & ~3;
  for (int b = 0; b < batch; b++) {
    for (int oy = 0; oy < out_h; oy++) {
      const float *dy_row = dy + (b * out_h + oy) * out_w * out_c;
      for (int p = 0; p < k_h; p++) {
        const int r = oy * stride_h + p * dil_h - pad_top;
        if (r < 0 || r >= in_h) continue;
        const float *x_row = x + (b * in_h + r) * in_w * in_c;
        for (int q = 0; q < k_w; q++) {
          // Output columns whose tap q reads inside the row: 0 ≤ ox·sw + q·dw − left < in_w.
          const int offset = q * dil_w - pad_left;
          const int ox_start = ceil_div_nonneg(-offset, stride_w);
          int ox_end = ceil_div_nonneg(in_w - offset, stride_w);
          if (ox_end > out_w) ox_end = out_w;
          if (ox_start >= ox_end) continue;
          for (int c = 0; c < in_c; c++) {
            float *acc = dw + ((p * k_w + q) * in_c + c) * out_c;
            const float *xs = x_row + offset * in_c + c;
            const int x_step = stride_w * in_c;
            int o = 0;
            for (; o < wide; o += 16) {
              v128_t a0 = wasm_v128_load(acc + o), a1 = wasm_v128_load(acc + o + 4);
              v128_t a2 = wasm_v128_load(acc + o + 8), a3 = wasm_v128_load(acc + o + 12);
              for (int ox = ox_start; ox < ox_end; ox++) {
                const v128_t xv = wasm_v128_load32_splat(xs + ox * x_step);
                const float *g = dy_row + ox * out_c + o;
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(xv, wasm_v128_load(g)));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(xv, wasm_v128_load(g + 4)));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(xv, wasm_v128_load(g + 8)));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(xv, wasm_v128_load(g + 12)));
              }
              wasm_v128_store(acc + o, a0);
              wasm_v128_store(acc + o + 4, a1);
              wasm_v128_store(acc + o + 8, a2);
              wasm_v128_store(acc + o + 12, a3);
            }
            for (; o < narrow; o += 4) {
              v128_t a0 = wasm_v128_load(acc + o);
              for (int ox = ox_start; ox < ox_end; ox++) {
                const v128_t xv = wasm_v128_load32_splat(xs + ox * x_step);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(xv, wasm_v128_load(dy_row + ox * out_c + o)));
              }
              wasm_v128_store(acc + o, a0);
            }
            for (; o < out_c; o++) {
              float a = acc[o];
              for (int ox = ox_start; ox < ox_end; ox++) a += xs[ox * x_step] * dy_row[ox * out_c + o];
              acc[o] = a;
            }
          }
        }
      }
    }
  }
}
