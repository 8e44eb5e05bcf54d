/**
 * The filter gradient computed by the project's SIMD kernel
 * (simd/conv2d_filter_grad_direct.c) instead of as an XNNPACK convolution.
 * XNNPACK repacks its filter operand on every call, and in the rewrite
 * (conv2d-backprop-filter.ts) that operand is dy, the step's largest tensor;
 * two transposes come on top. For the seed CNN's first layer (one input
 * channel, 3×3, 32 filters) that cost about fifteen times the arithmetic.
 * Issue 7 expected the direct route to win only for few taps × channels, but
 * bench/conv-gradients.ts found it faster on every template's shapes, 1×1
 * to 5×5 and 1 to 64 input channels (×1.6 to ×26; an even split for lenet5's
 * first layer, whose 6 filters fill the SIMD lanes worst), so float32 always
 * takes it (docs/performance.md has the table).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, simdKernels, type SimdBuild } from '../simd/kernels.js';
import { convKernelGeometry, type Conv2DInfo } from './conv-geometry.js';
import { asWasmBackend } from './wasm-heap.js';

/** The kernel reads float32 only; other dtypes take the XNNPACK rewrite. */
export function wantsDirectFilterGradient(x: tf.TensorInfo, dy: tf.TensorInfo): boolean {
  return x.dtype === 'float32' && dy.dtype === 'float32';
}

/** x and dy in NHWC; returns dW as [kH, kW, inC, outC]. */
/** `build` picks the plain or relaxed-SIMD kernels explicitly (tests and benchmarks compare them). */
export function directFilterGradient(backend: unknown, info: Conv2DInfo, x: tf.TensorInfo, dy: tf.TensorInfo, build?: SimdBuild): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const out = wasm.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], 'float32');
  simdKernels(wasm, build).conv2d_filter_grad_direct(
    heapAddress(wasm, x),
    heapAddress(wasm, dy),
    heapAddress(wasm, out),
    ...convKernelGeometry(info),
  );
  return out;
}
