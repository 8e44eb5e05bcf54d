/**
 * Relu's gradient in one pass on the WebAssembly backend. tfjs-core's
 * gradient is dy · cast(step(x)): a Step kernel writing a full-size
 * temporary, then a Multiply; for the seed CNN that was 3.7 ms of a 57 ms
 * step (CPU time), for the first layer's 64×26×26×32 activations alone
 * 2.8 ms. The project's kernel (simd/relu_grad.c) computes the same float32
 * products in one pass.
 *
 * The gradient below replaces tfjs-core's for Relu on every backend; it runs
 * the kernel where the current backend registers it (wasm) and tfjs-core's
 * formula everywhere else, so the other backends compute exactly what they
 * computed before.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, simdKernels } from '../simd/kernels.js';
import type { KernelArgs } from './package-kernels.js';
import { asWasmBackend } from './wasm-heap.js';

export const RELU_GRAD = 'ConvnetStudioReluGrad';

function reluGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const size = tf.util.sizeFromShape(x.shape);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || tf.util.sizeFromShape(dy.shape) !== size) {
    throw new Error(`${RELU_GRAD} takes float32 x and dy of one size, got ${x.dtype}[${x.shape.join(',')}] and ${dy.dtype}[${dy.shape.join(',')}]`);
  }
  const wasm = asWasmBackend(backend);
  const dx = wasm.makeOutput(dy.shape, 'float32');
  simdKernels(wasm).relu_grad(heapAddress(wasm, x), heapAddress(wasm, dy), heapAddress(wasm, dx), size);
  return dx;
}

export const reluGradKernelConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGradKernel as unknown as tf.KernelFunc,
};

export const reluGradientConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const grad = dy as tf.Tensor;
    return {
      x: () => {
        const fused =
          x.dtype === 'float32' &&
          grad.dtype === 'float32' &&
          tf.util.arraysEqual(x.shape, grad.shape) &&
          tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
        return fused ? (tf.engine().runKernel(RELU_GRAD, { x, dy: grad }) as tf.Tensor) : tf.mul(grad, tf.cast(tf.step(x), 'float32'));
      },
    };
  },
};
