/**
 * MaxPoolGrad for the WebAssembly backend, replacing the one
 * tfjs-backend-wasm 4.22 ships: it starts each window's maximum at 0, so a
 * window whose values are all negative passes no gradient at all (common
 * after normalisation layers) and the network trains on wrong gradients.
 * (wasm's MaxPoolWithArgmax shares the flaw, so it cannot stand in.)
 *
 * Each window's dy goes to the first strict maximum of the window in
 * row-major order (tfjs's and TensorFlow's rule for ties; a window of only
 * -Infinity or NaN passes nothing, as on cpu), computed by the project's SIMD
 * kernel in one pass over the heap. Composing the same from tfjs ops took
 * seven full-size temporaries and a quarter of the seed CNN's training step;
 * a JavaScript loop, a tenth (docs/performance.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, simdKernels } from '../simd/kernels.js';
import { shape4D } from './conv-geometry.js';
import type { KernelArgs } from './package-kernels.js';
import { asWasmBackend, withHeapViews } from './wasm-heap.js';

function maxPoolGrad({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, input } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(shape4D(input, 'MaxPoolGrad input'), filterSize, strides, 1, pad, dimRoundingMode);
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`MaxPoolGrad on wasm takes float32 tensors, got ${input.dtype} and ${dy.dtype}`);
  }
  const wasm = asWasmBackend(backend);
  const { out, outValues } = withHeapViews<Float32Array>(wasm, { shape: input.shape, dtype: 'float32' }, []);
  outValues.fill(0);
  simdKernels(wasm).max_pool_grad(
    heapAddress(wasm, input),
    heapAddress(wasm, dy),
    heapAddress(wasm, out),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
