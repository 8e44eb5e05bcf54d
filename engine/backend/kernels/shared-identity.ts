/**
 * Identity, and Cast to the tensor's own dtype, on the WebAssembly backend
 * without copying: the output shares the input's memory, as the cpu backend's
 * Identity and the package's own Reshape already do (the backend counts the
 * references and frees the memory with the last one). The package copies the
 * whole tensor on every call, and tfjs-layers' BatchNormalization and
 * gradient code call Identity and Cast dozens of times per step on full
 * activations (resnet-small: 34 Identity calls on 64×28×28×16 per step,
 * docs/performance.md). Sharing is safe because no kernel writes into its
 * inputs: every kernel here, the package's included, allocates its output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { partialReplacement, type KernelArgs } from './package-kernels.js';
import { asWasmBackend } from './wasm-heap.js';

function share(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as unknown as { x: tf.TensorInfo };
  asWasmBackend(args.backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig = partialReplacement(tf.Identity, (args, fallback) => {
  const { x } = args.inputs as unknown as { x: tf.TensorInfo };
  return x.dtype === 'string' ? fallback(args) : share(args);
});

export const castConfig = partialReplacement(tf.Cast, (args, fallback) => {
  const { x } = args.inputs as unknown as { x: tf.TensorInfo };
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  return dtype === x.dtype && x.dtype !== 'string' && x.dtype !== 'complex64' ? share(args) : fallback(args);
});
