/**
 * The kernels tfjs-backend-wasm itself registers, captured before the project
 * replaces any: a replacement that only speeds up some cases hands the others
 * back to the package's kernel. Importing the package registers its kernels,
 * so they are all present when this module runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

export type KernelArgs = Parameters<tf.KernelFunc>[0];

const shipped = new Map(tf.getKernelsForBackend('wasm').map((config) => [config.kernelName, { ...config }]));

export function packageKernel(kernelName: string): tf.KernelConfig {
  const kernel = shipped.get(kernelName);
  if (!kernel) throw new Error(`tfjs-backend-wasm has no ${kernelName} kernel to fall back to`);
  return kernel;
}

/**
 * A wasm kernel that handles some cases itself and hands the rest to the
 * package's. It keeps the package kernel's setup, which binds the wasm
 * function when the backend starts (the package's config is replaced
 * before that happens, so its setup would otherwise never run).
 */
export function partialReplacement(
  kernelName: string,
  replace: (args: KernelArgs, fallback: tf.KernelFunc) => tf.TensorInfo | tf.TensorInfo[],
): tf.KernelConfig {
  const shippedKernel = packageKernel(kernelName);
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: shippedKernel.setupFunc,
    disposeFunc: shippedKernel.disposeFunc,
    kernelFunc: (args) => replace(args, shippedKernel.kernelFunc),
  };
}
