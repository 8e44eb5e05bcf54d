/*
 * Relu's input gradient, dx = dy · step(x), in one pass: tfjs-core's gradient
 * is step(x) then a multiply, two full passes with a temporary. step(x) is
 * 1 where x > 0, 0 where not, NaN where x is NaN (tfjs's Step), and the
 * product is the same float32 multiply, so the result is tfjs's bit for bit.
 */
#include <wasm_simd128.h>

__attribute__((export_name("relu_grad"))) void relu_grad(const float *x, const float *dy, float *dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    v128_t step = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(v, zero));
    step = wasm_v128_bitselect(v, step, wasm_f32x4_ne(v, v));
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), step));
  }
  for (; i < n; i++) {
    const float v = x[i];
    const float step = v != v ? v : v > 0.0f ? 1.0f : 0.0f;
    dx[i] = dy[i] * step;
  }
}
