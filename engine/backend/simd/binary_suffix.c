/*
 * Element-wise add, subtract, multiply and divide where one operand repeats
 * along the other's leading axes: per-channel statistics against whole
 * activations (BatchNormalization's forward pass and gradient: x − mean,
 * x · scale, dy · γ), a bias, or a scalar (kept for completeness; the
 * TypeScript side leaves scalars to the package, which measured the same). tfjs-backend-wasm's broadcasting
 * binary kernels were among the largest costs of the BatchNormalization
 * templates' steps (docs/performance.md); here the short operand is read
 * four lanes at a time beside the long one, in memory order.
 *
 *   out[i] = big[i] ∘ small[i mod inner]    (small_first: small[i mod inner] ∘ big[i])
 *
 * op: 0 add, 1 subtract, 2 multiply, 3 divide. Plain float32 operations, as
 * tfjs's kernels do them, so the results are identical. Stateless.
 */
#include <wasm_simd128.h>

static inline v128_t apply(v128_t a, v128_t b, int op) {
  switch (op) {
    case 0: return wasm_f32x4_add(a, b);
    case 1: return wasm_f32x4_sub(a, b);
    case 2: return wasm_f32x4_mul(a, b);
    default: return wasm_f32x4_div(a, b);
  }
}

static inline float apply_scalar(float a, float b, int op) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    default: return a / b;
  }
}

/* One row of `inner` elements; the op and the order are loop-invariant, so the compiler hoists the switch. */
static inline void row(const float *big, const float *small, float *out, int inner, int op, int small_first) {
  const int vector_inner = inner & ~3;
  int j = 0;
  if (small_first) {
    for (; j < vector_inner; j += 4) wasm_v128_store(out + j, apply(wasm_v128_load(small + j), wasm_v128_load(big + j), op));
    for (; j < inner; j++) out[j] = apply_scalar(small[j], big[j], op);
  } else {
    for (; j < vector_inner; j += 4) wasm_v128_store(out + j, apply(wasm_v128_load(big + j), wasm_v128_load(small + j), op));
    for (; j < inner; j++) out[j] = apply_scalar(big[j], small[j], op);
  }
}

__attribute__((export_name("binary_suffix"))) void binary_suffix(const float *big, const float *small, float *out, int size,
                                                                 int inner, int op, int small_first) {
  if (inner == 1) {
    /* A scalar: splat it once. */
    const v128_t s = wasm_v128_load32_splat(small);
    const float sv = small[0];
    const int vector_size = size & ~3;
    int i = 0;
    if (small_first) {
      for (; i < vector_size; i += 4) wasm_v128_store(out + i, apply(s, wasm_v128_load(big + i), op));
      for (; i < size; i++) out[i] = apply_scalar(sv, big[i], op);
    } else {
      for (; i < vector_size; i += 4) wasm_v128_store(out + i, apply(wasm_v128_load(big + i), s, op));
      for (; i < size; i++) out[i] = apply_scalar(big[i], sv, op);
    }
    return;
  }
  for (int i = 0; i < size; i += inner) row(big + i, small, out + i, inner, op, small_first);
}
