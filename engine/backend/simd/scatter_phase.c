/*
 * Writes one output phase of a strided convolution's input gradient into
 * place: src is [batch, rows, cols, channels], the gradient at input rows
 * u·stride_h + row0 and columns v·stride_w + col0 (kernels/
 * conv2d-backprop-input-phases.ts computes each phase as its own small
 * convolution, which skips the zeros a stride-spread dy would multiply).
 * Rows and columns past out_h × out_w are dropped. Stateless.
 */
#include <wasm_simd128.h>

__attribute__((export_name("scatter_phase"))) void scatter_phase(const float *src, float *dst, int batch, int rows, int cols,
                                                                 int channels, int out_h, int out_w, int stride_h,
                                                                 int stride_w, int row0, int col0) {
  const int vector_channels = channels & ~3;
  for (int b = 0; b < batch; b++) {
    for (int u = 0; u < rows; u++) {
      const int r = u * stride_h + row0;
      if (r >= out_h) break;
      const float *from = src + (b * rows + u) * cols * channels;
      float *to_row = dst + (b * out_h + r) * out_w * channels;
      for (int v = 0; v < cols; v++) {
        const int s = v * stride_w + col0;
        if (s >= out_w) break;
        const float *a = from + v * channels;
        float *t = to_row + s * channels;
        int c = 0;
        for (; c < vector_channels; c += 4) wasm_v128_store(t + c, wasm_v128_load(a + c));
        for (; c < channels; c++) t[c] = a[c];
      }
    }
  }
}
