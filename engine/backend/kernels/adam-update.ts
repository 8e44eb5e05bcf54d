/**
 * One Adam step for one variable on the WebAssembly backend, as a kernel of
 * the project's own (train/fusedAdam.ts runs it): the project's SIMD kernel
 * (simd/adam_update.c) reads the weight, both moments and the gradient once
 * and writes the three new tensors, where tfjs's AdamOptimizer runs about
 * ten element-wise ops per variable, each a full pass with its own output.
 * The arithmetic is tfjs's, operation by operation in float32.
 *
 * Inputs: value, firstMoment, secondMoment, gradient (float32, same size).
 * Outputs: [newValue, newFirstMoment, newSecondMoment], fresh tensors (a
 * variable's data may be shared with a clone, so nothing is written in place).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, simdKernels } from '../simd/kernels.js';
import type { KernelArgs } from './package-kernels.js';
import { asWasmBackend } from './wasm-heap.js';

export const ADAM_UPDATE = 'ConvnetStudioAdamUpdate';

export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  /** 1 − β1^t and 1 − β2^t, as tfjs computes them (float32). */
  biasCorrection1: number;
  biasCorrection2: number;
  epsilon: number;
  learningRate: number;
}

function adamUpdate({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo[] {
  const { value, firstMoment, secondMoment, gradient } = inputs as unknown as Record<'value' | 'firstMoment' | 'secondMoment' | 'gradient', tf.TensorInfo>;
  const a = attrs as unknown as AdamUpdateAttrs;
  const all = [value, firstMoment, secondMoment, gradient];
  const size = tf.util.sizeFromShape(value.shape);
  if (all.some((t) => t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== size)) {
    throw new Error(`${ADAM_UPDATE} takes four float32 tensors of one size, got ${all.map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(', ')}`);
  }
  const wasm = asWasmBackend(backend);
  const outputs = [value, firstMoment, secondMoment].map((t) => wasm.makeOutput(t.shape, 'float32'));
  const [newValue, newFirst, newSecond] = outputs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  // tfjs multiplies by the scalars 1 − β and −lr computed in double, then stored as float32 tensors; the call rounds the same way.
  simdKernels(wasm).adam_update(
    heapAddress(wasm, value),
    heapAddress(wasm, firstMoment),
    heapAddress(wasm, secondMoment),
    heapAddress(wasm, gradient),
    heapAddress(wasm, newValue),
    heapAddress(wasm, newFirst),
    heapAddress(wasm, newSecond),
    size,
    a.beta1,
    1 - a.beta1,
    a.beta2,
    1 - a.beta2,
    a.biasCorrection1,
    a.biasCorrection2,
    a.epsilon,
    -a.learningRate,
  );
  return outputs;
}

export const adamUpdateConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: adamUpdate as unknown as tf.KernelFunc,
};
