/*
 * a · b + c on four float32 lanes. The relaxed-SIMD build (build.sh compiles
 * every kernel twice) uses f32x4.relaxed_madd, which V8 turns into one fused
 * multiply-add where the CPU has FMA (rounded once) and into a multiply and an
 * add where it does not; the plain build always multiplies and adds. Only
 * kernels whose tests allow rounding differences use it (never adam_update.c,
 * which matches tfjs bit for bit).
 */
#ifndef CONVNET_MADD_H
#define CONVNET_MADD_H
#include <wasm_simd128.h>
#ifdef CONVNET_RELAXED_SIMD
#define MADD(a, b, c) wasm_f32x4_relaxed_madd((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif
#endif
