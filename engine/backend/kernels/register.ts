/**
 * Kernels the project registers so that training works, and gives the same
 * result, on every backend. Found by training a model with every layer the
 * studio offers on wasm and on cpu: training-step.test.ts lists the kernels
 * the cpu backend ran that wasm has no registration for, and compares the
 * two backends' weights after a few steps, which keeps these lists honest.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormConfigs, batchNormGradConfig } from './batch-norm.js';
import { correctAbsentNormalisationParameters } from './absent-normalisation-parameters.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { meanConfig, sumConfig } from './leading-axes-reduction.js';
import { reverseConfig } from './reverse.js';
import { tileConfig } from './tile.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { resizeNearestNeighborGradConfigs } from './resize-nearest-neighbor-grad.js';
import { adamUpdateConfig } from './adam-update.js';
import { broadcastBinaryConfigs } from './broadcast-binary.js';
import { castConfig, identityConfig } from './shared-identity.js';
import { conv2DConfig } from './conv2d-direct.js';
import { reluGradientConfig, reluGradKernelConfig } from './relu-grad.js';

/** Gradient kernels tfjs-backend-wasm 4.22 does not have. */
export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
];

/** Kernels of the project's own that no tfjs package has (train/fusedAdam.ts and relu-grad.ts run them). */
export const projectKernels: readonly tf.KernelConfig[] = [adamUpdateConfig, reluGradKernelConfig];

/** Kernels tfjs-backend-wasm and tfjs-backend-cpu 4.22 have but compute wrongly. */
export const kernelCorrections: readonly tf.KernelConfig[] = [maxPoolGradConfig, ...resizeNearestNeighborGradConfigs, ...batchNormConfigs];

/** Gradients tfjs-core 4.22 computes wrongly, on every backend. */
export const gradientCorrections: readonly tf.GradConfig[] = [batchNormGradConfig];

/**
 * Gradients that run one of projectKernels where the backend has it, and
 * tfjs-core's own formula where it does not (relu-grad.ts).
 */
export const gradientSpeedups: readonly tf.GradConfig[] = [reluGradientConfig];

/**
 * Kernels tfjs-backend-wasm 4.22 computes correctly but many times slower
 * than the same work expressed through XNNPACK, or (Conv2D) slower than the
 * project's own SIMD kernel (docs/performance.md has the figures).
 */
export const wasmSpeedups: readonly tf.KernelConfig[] = [
  conv2DConfig,
  conv2DBackpropInputConfig,
  batchMatMulConfig,
  sumConfig,
  meanConfig,
  reverseConfig,
  tileConfig,
  ...broadcastBinaryConfigs,
  identityConfig,
  castConfig,
];

/**
 * Registers the lists; safe to call any number of times. A newer
 * tfjs-backend-wasm that ships one of the missing kernels keeps its native
 * one, while a correction or a speedup always replaces the package's kernel
 * (and a gradient correction tfjs-core's gradient). Also lets normalisation
 * layers without γ or β train (absent-normalisation-parameters.ts).
 */
export function registerTrainingKernels(): void {
  for (const config of wasmTrainingKernels) {
    if (tf.getKernel(config.kernelName, config.backendName) === undefined) tf.registerKernel(config);
  }
  for (const config of [...projectKernels, ...kernelCorrections, ...wasmSpeedups]) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  for (const config of [...gradientCorrections, ...gradientSpeedups]) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
  correctAbsentNormalisationParameters();
}
