/**
 * MaxPoolGrad for the WebAssembly backend, replacing the one
 * tfjs-backend-wasm 4.22 ships: it starts each window's maximum at 0, so a
 * window whose values are all negative passes no gradient at all (common
 * after normalisation layers) and the network trains on wrong gradients.
 * (wasm's MaxPoolWithArgmax shares the flaw, so it cannot stand in.)
 *
 * Each window's dy goes to the first strict maximum of the window in
 * row-major order (tfjs's and TensorFlow's rule for ties; a window of only
 * -Infinity or NaN passes nothing, as on cpu). One pass over the heap, all
 * channels of a window position at once so that memory is read in order:
 * composing the same from tfjs ops took seven full-size temporaries and was
 * a quarter of the seed CNN's training step (docs/performance.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { shape4D } from './conv-geometry.js';
import { asWasmBackend, withHeapViews } from './wasm-heap.js';

function maxPoolGrad({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const { dy, input } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(shape4D(input, 'MaxPoolGrad input'), filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;

  const wasm = asWasmBackend(backend);
  const { out, outValues: dx, inputValues } = withHeapViews<Float32Array>(wasm, { shape: input.shape, dtype: 'float32' }, [input, dy]);
  const [x, grad] = inputValues as [tf.TypedArray, tf.TypedArray];
  dx.fill(0);

  const best = new Float64Array(channels);
  const where = new Int32Array(channels);
  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    const imageStart = b * inHeight * rowStride;
    for (let oy = 0; oy < outHeight; oy++) {
      const rowStart = Math.max(0, oy * strideHeight - top);
      const rowEnd = Math.min(inHeight, oy * strideHeight - top + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const colStart = Math.max(0, ox * strideWidth - left);
        const colEnd = Math.min(inWidth, ox * strideWidth - left + filterWidth);
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = rowStart; r < rowEnd; r++) {
          for (let col = colStart; col < colEnd; col++) {
            const at = imageStart + r * rowStride + col * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[at + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = at + c;
              }
            }
          }
        }
        const dyAt = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          const position = where[c]!;
          if (position >= 0) dx[position]! += grad[dyAt + c]!;
        }
      }
    }
  }
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
