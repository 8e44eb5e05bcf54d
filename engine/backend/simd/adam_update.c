/*
 * One Adam step for one variable in a single pass over memory. tfjs's
 * AdamOptimizer runs about ten element-wise ops per variable (mul, add,
 * square, div, sqrt…), each a full pass with its own output allocation; here
 * the weight, both moments and the gradient are read once and the three new
 * tensors written once. The arithmetic is tfjs's, operation for operation in
 * float32 and in the same order (WebAssembly SIMD has no fused multiply-add,
 * so nothing is contracted), so the result matches tfjs's Adam exactly:
 *
 *   m' = m·β1 + g·(1−β1)          v' = v·β2 + g²·(1−β2)
 *   w' = ((m' / c1) / (√(v' / c2) + ε)) · (−lr) + w       c = 1 − β^t
 *
 * Outputs may not alias inputs (the caller allocates them). Stateless.
 */
#include <wasm_simd128.h>

__attribute__((export_name("adam_update"))) void adam_update(const float *w, const float *m, const float *v, const float *g,
                                                             float *w_out, float *m_out, float *v_out, int n, float beta1,
                                                             float one_minus_beta1, float beta2, float one_minus_beta2,
                                                             float bias1, float bias2, float epsilon, float neg_lr) {
  const v128_t b1 = wasm_f32x4_splat(beta1), ob1 = wasm_f32x4_splat(one_minus_beta1);
  const v128_t b2 = wasm_f32x4_splat(beta2), ob2 = wasm_f32x4_splat(one_minus_beta2);
  const v128_t c1 = wasm_f32x4_splat(bias1), c2 = wasm_f32x4_splat(bias2);
  const v128_t eps = wasm_f32x4_splat(epsilon), rate = wasm_f32x4_splat(neg_lr);
  const int vector_n = n & ~3;
  int i = 0;
  for (; i < vector_n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(gi, ob1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), ob2));
    const v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, c1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, c2)), eps));
    wasm_v128_store(w_out + i, wasm_f32x4_add(wasm_f32x4_mul(step, rate), wasm_v128_load(w + i)));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * beta1 + gi * one_minus_beta1;
    const float vi = v[i] * beta2 + (gi * gi) * one_minus_beta2;
    const float step = (mi / bias1) / (__builtin_sqrtf(vi / bias2) + epsilon);
    w_out[i] = step * neg_lr + w[i];
    m_out[i] = mi;
    v_out[i] = vi;
  }
}
