/*
 * Conv2D, NHWC input, filter [kh, kw, in_c, out_c], output NHWC, any stride,
 * dilation and padding; out_c a multiple of 4 (kernels/conv2d-direct.ts routes
 * the rest to XNNPACK). Also the input gradient's convolution (dy with the
 * flipped filter), which is how Conv2DBackpropInput runs.
 *
 * Register blocking as in a GEMM micro-kernel: a tile of TILE (4) output pixels
 * (consecutive in N·H·W order, so tiles cross rows and images freely) times
 * eight output channels is TILE × 2 accumulators; each input channel of each
 * tap costs TILE splat loads and two filter loads for 2·TILE multiply-adds.
 * A tile whose taps all read inside the image runs without checks; otherwise
 * a tap that reads padding for some pixels of the tile reads `zero` (in_c
 * zeros the caller provides) for them, and a tap that reads padding for all
 * is skipped, so a full-padding input gradient does not multiply whole rows
 * of zeros.
 *
 *   y[b,i,j,o] = Σ_{p,q,c} x[b, i·sh + p·dh − top, j·sw + q·dw − left, c] · w[p,q,c,o]
 *
 * Stateless and without a stack frame: it touches only the buffers it is given.
 */
#include "madd.h"

/*
 * Four pixels: eight accumulators, two filter vectors and the splats fit in
 * the sixteen SIMD registers V8 has on x64 (one is its scratch). Six pixels
 * (twelve accumulators, XNNPACK's shape) spilled and measured ×0.7 of four.
 */
#define TILE 4
#define FOR_TILE(M) M(0) M(1) M(2) M(3)

__attribute__((export_name("conv2d_forward"))) void conv2d_forward(
    const float *x, const float *w, float *y, const float *zero, int batch, int in_h, int in_w, int in_c, int out_h,
    int out_w, int out_c, int k_h, int k_w, int stride_h, int stride_w, int dil_h, int dil_w, int pad_top,
    int pad_left) {
  const int pixels = batch * out_h * out_w;
  const int plane = out_h * out_w;
  for (int t = 0; t < pixels; t += TILE) {
    /* Each pixel's first input row and column (may lie in the padding) and its image's offset. */
#define PIXEL_SETUP(r)                                                          \
    int row##r = -1000000, col##r = -1000000, img##r = 0;                       \
    if (t + r < pixels) {                                                       \
      const int pix = t + r, b = pix / plane, rem = pix - b * plane;            \
      const int oy = rem / out_w, ox = rem - oy * out_w;                        \
      row##r = oy * stride_h - pad_top;                                         \
      col##r = ox * stride_w - pad_left;                                        \
      img##r = b * in_h * in_w * in_c;                                          \
    }
    FOR_TILE(PIXEL_SETUP)
#undef PIXEL_SETUP
    /* Whether every tap of the tile's pixels reads inside the image (valid padding, or away from the border). */
    int interior = 1;
#define INSIDE(r)                                                                            \
    interior &= row##r >= 0 && row##r + (k_h - 1) * dil_h < in_h && col##r >= 0 &&          \
                col##r + (k_w - 1) * dil_w < in_w;
    FOR_TILE(INSIDE)
#undef INSIDE
    int o = 0;
    for (; o + 8 <= out_c; o += 8) {
#define ACC_INIT(r) v128_t a##r##0 = wasm_f32x4_splat(0.0f), a##r##1 = wasm_f32x4_splat(0.0f);
      FOR_TILE(ACC_INIT)
#undef ACC_INIT
#define STEP(r)                                               \
      {                                                       \
        const v128_t xv = wasm_v128_load32_splat(x##r + c);   \
        a##r##0 = MADD(xv, w0, a##r##0);                      \
        a##r##1 = MADD(xv, w1, a##r##1);                      \
      }
      if (interior) {
        /* Every tap of every pixel inside the image: no checks, pointers stepped along. */
        const float *wp = w + o;
        for (int p = 0; p < k_h; p++) {
          for (int q = 0; q < k_w; q++) {
            const int tap = (p * dil_h * in_w + q * dil_w) * in_c;
#define TAP_POINTER(r) const float *x##r = x + img##r + (row##r * in_w + col##r) * in_c + tap;
            FOR_TILE(TAP_POINTER)
#undef TAP_POINTER
            for (int c = 0; c < in_c; c++) {
              const v128_t w0 = wasm_v128_load(wp), w1 = wasm_v128_load(wp + 4);
              wp += out_c;
              FOR_TILE(STEP)
            }
          }
        }
      } else {
      for (int p = 0; p < k_h; p++) {
        for (int q = 0; q < k_w; q++) {
          int any = 0;
#define TAP_POINTER(r)                                                                             \
          const int ir##r = row##r + p * dil_h, ic##r = col##r + q * dil_w;                        \
          const int ok##r = (unsigned)ir##r < (unsigned)in_h && (unsigned)ic##r < (unsigned)in_w; \
          const float *x##r = ok##r ? x + img##r + (ir##r * in_w + ic##r) * in_c : zero;          \
          any |= ok##r;
          FOR_TILE(TAP_POINTER)
#undef TAP_POINTER
          if (!any) continue;
          const float *wp = w + (p * k_w + q) * in_c * out_c + o;
          for (int c = 0; c < in_c; c++) {
            const v128_t w0 = wasm_v128_load(wp), w1 = wasm_v128_load(wp + 4);
            wp += out_c;
            FOR_TILE(STEP)
          }
        }
      }
      }
#undef STEP
#define STORE(r)                                                       \
      if (t + r < pixels) {                                            \
        wasm_v128_store(y + (t + r) * out_c + o, a##r##0);             \
        wasm_v128_store(y + (t + r) * out_c + o + 4, a##r##1);         \
      }
      FOR_TILE(STORE)
#undef STORE
    }
    if (o < out_c) { /* out_c % 8 == 4: one vector of channels left */
#define ACC_INIT(r) v128_t a##r = wasm_f32x4_splat(0.0f);
      FOR_TILE(ACC_INIT)
#undef ACC_INIT
      for (int p = 0; p < k_h; p++) {
        for (int q = 0; q < k_w; q++) {
          int any = 0;
#define TAP_POINTER(r)                                                                             \
          const int ir##r = row##r + p * dil_h, ic##r = col##r + q * dil_w;                        \
          const int ok##r = (unsigned)ir##r < (unsigned)in_h && (unsigned)ic##r < (unsigned)in_w; \
          const float *x##r = ok##r ? x + img##r + (ir##r * in_w + ic##r) * in_c : zero;          \
          any |= ok##r;
          FOR_TILE(TAP_POINTER)
#undef TAP_POINTER
          if (!any) continue;
          const float *wp = w + (p * k_w + q) * in_c * out_c + o;
          for (int c = 0; c < in_c; c++) {
            const v128_t w0 = wasm_v128_load(wp);
            wp += out_c;
#define STEP(r) a##r = MADD(wasm_v128_load32_splat(x##r + c), w0, a##r);
            FOR_TILE(STEP)
#undef STEP
          }
        }
      }
#define STORE(r) \
      if (t + r < pixels) wasm_v128_store(y + (t + r) * out_c + o, a##r);
      FOR_TILE(STORE)
#undef STORE
    }
  }
}
