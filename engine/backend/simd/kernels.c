/*
 * Memory-bound training kernels in WebAssembly SIMD, for the wasm backend:
 * they work in place on the tfjs-backend-wasm heap (this module imports that
 * module's memory), so no tensor is copied in or out. Pointers are byte
 * offsets into that heap, taken from the backend's own tensor records.
 *
 * No static data and no stack arrays: the module must not write anywhere
 * but the buffers it is given. build.sh checks the output for data segments.
 */
#include <wasm_simd128.h>

/*
 * Max pooling's input gradient, NHWC: each window's dy goes to the first
 * strict maximum of the window in row-major order, starting from -Infinity
 * (a window of only -Infinity or NaN passes nothing), as tfjs's cpu kernel
 * does. dx must be zeroed by the caller; overlapping windows add up.
 * Four channels per SIMD step, the window's positions in row-major order.
 */
__attribute__((export_name("max_pool_grad"))) void max_pool_grad(const float *x, const float *dy, float *dx, int batch, int in_h, int in_w, int channels,
                   int out_h, int out_w, int filter_h, int filter_w, int stride_h, int stride_w, int pad_top,
                   int pad_left) {
  const int row_stride = in_w * channels;
  const int vector_channels = channels & ~3;
  for (int b = 0; b < batch; b++) {
    const int image = b * in_h * row_stride;
    for (int oy = 0; oy < out_h; oy++) {
      const int r0 = oy * stride_h - pad_top;
      const int row_start = r0 < 0 ? 0 : r0;
      const int row_end = r0 + filter_h > in_h ? in_h : r0 + filter_h;
      for (int ox = 0; ox < out_w; ox++) {
        const int c0 = ox * stride_w - pad_left;
        const int col_start = c0 < 0 ? 0 : c0;
        const int col_end = c0 + filter_w > in_w ? in_w : c0 + filter_w;
        const float *grad = dy + ((b * out_h + oy) * out_w + ox) * channels;
        int c = 0;
        for (; c < vector_channels; c += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t where = wasm_i32x4_splat(-1);
          for (int r = row_start; r < row_end; r++) {
            for (int col = col_start; col < col_end; col++) {
              const int at = image + r * row_stride + col * channels + c;
              const v128_t v = wasm_v128_load(x + at);
              const v128_t greater = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, greater);
              const v128_t index = wasm_i32x4_add(wasm_i32x4_splat(at), wasm_i32x4_make(0, 1, 2, 3));
              where = wasm_v128_bitselect(index, where, greater);
            }
          }
          const int w0 = wasm_i32x4_extract_lane(where, 0);
          const int w1 = wasm_i32x4_extract_lane(where, 1);
          const int w2 = wasm_i32x4_extract_lane(where, 2);
          const int w3 = wasm_i32x4_extract_lane(where, 3);
          if (w0 >= 0) dx[w0] += grad[c];
          if (w1 >= 0) dx[w1] += grad[c + 1];
          if (w2 >= 0) dx[w2] += grad[c + 2];
          if (w3 >= 0) dx[w3] += grad[c + 3];
        }
        for (; c < channels; c++) {
          float best = -__builtin_inff();
          int where = -1;
          for (int r = row_start; r < row_end; r++) {
            for (int col = col_start; col < col_end; col++) {
              const int at = image + r * row_stride + col * channels + c;
              if (x[at] > best) {
                best = x[at];
                where = at;
              }
            }
          }
          if (where >= 0) dx[where] += grad[c];
        }
      }
    }
  }
}

/*
 * out[j] = scale · Σ_i x[i·inner + j]: a reduction over the leading axes
 * (bias gradients, batch means) read in memory order, rows added into the
 * output four lanes at a time.
 */
__attribute__((export_name("sum_leading"))) void sum_leading(const float *x, float *out, int outer, int inner, float scale) {
  const int vector_inner = inner & ~3;
  for (int j = 0; j < inner; j++) out[j] = 0.0f;
  for (int i = 0; i < outer; i++) {
    const float *row = x + i * inner;
    int j = 0;
    for (; j < vector_inner; j += 4) {
      wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(row + j)));
    }
    for (; j < inner; j++) out[j] += row[j];
  }
  if (scale != 1.0f) {
    for (int j = 0; j < inner; j++) out[j] *= scale;
  }
}
