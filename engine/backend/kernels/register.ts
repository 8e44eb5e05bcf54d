/**
 * The gradient kernels tfjs-backend-wasm lacks for training convolutional
 * networks. Found by training a model with every layer the studio offers on
 * the wasm backend and listing the kernels the cpu backend ran that wasm has
 * no registration for (see training-step.test.ts, which keeps that true).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-backprop-input.js';

export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
];

/**
 * Registers the kernels once per process. A newer tfjs-backend-wasm that
 * ships one of them keeps its own: registering twice would throw, and its
 * native kernel is the better one.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernels) {
    if (tf.getKernel(config.kernelName, 'wasm') === undefined) tf.registerKernel(config);
  }
}
