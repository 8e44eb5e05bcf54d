/**
 * A float32 tensor's own memory on the CPU backends, for the data-parallel
 * training step (engine/train/parallel): weights, inputs and gradients move
 * between a backend and SharedArrayBuffers every step, and going through
 * dataSync() / tf.tensor() / Variable.assign() allocates and frees a fresh
 * array and backend buffer for each of them (about 1 MB a seed-CNN step on
 * each thread, and the garbage collections that follow).
 *
 * Both CPU backends keep a tensor's values in one flat array: tfjs-backend-wasm
 * in its heap (its own kernels read it through `typedArrayFromHeap`), and
 * tfjs-backend-cpu as the `values` array of its data map. Any other backend,
 * or a tensor whose memory cannot be reached this way, gets null, and callers
 * take the copying path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasmBackend } from './kernels/wasm-heap.js';

/** tfjs-backend-cpu keeps each tensor's values in its data map. */
interface CpuBackendData {
  data: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * The tensor's values in place, or null. The view is only valid until the
 * next tfjs operation (the wasm heap may grow and move), so use it at once.
 */
export function tensorView(tensor: tf.Tensor): Float32Array | null {
  if (tensor.dtype !== 'float32' || tensor.isDisposed) return null;
  const name = tf.getBackend();
  const values =
    name === 'wasm' ? asWasmBackend(tf.backend()).typedArrayFromHeap(tensor) : name === 'cpu' ? (tf.backend() as unknown as CpuBackendData).data.get(tensor.dataId)?.values : null;
  return values instanceof Float32Array && values.length === tensor.size ? values : null;
}

/**
 * The tensor's memory to write into, or null: only a tensor that is the sole
 * owner of its memory (a tfjs reshape or clone shares it, and must not change
 * under another tensor's feet).
 */
export function writableTensorView(tensor: tf.Tensor): Float32Array | null {
  const view = tensorView(tensor);
  return view && tf.backend().refCount(tensor.dataId) === 1 ? view : null;
}

/** Copies the tensor's values into `target` at `offset`, without an intermediate array where the backend allows. */
export function copyTensorInto(tensor: tf.Tensor, target: Float32Array, offset: number): void {
  target.set(tensorView(tensor) ?? (tensor.dataSync() as Float32Array), offset);
}

/**
 * Sets a variable's values from `source` (its size, a view of memory that may
 * change after this call). Never in place: tfjs-backend-wasm's convolutions
 * and matrix products keep the weights packed for XNNPACK, keyed by the
 * tensor, so a weight changed in its own memory would be read stale; a new
 * tensor assigned is a new key.
 */
export function setVariable(variable: tf.Variable, source: Float32Array): void {
  const value = tensorFromTransient(source, variable.shape);
  variable.assign(value);
  value.dispose();
}

/**
 * A float32 tensor holding `source`'s values (a view of memory that changes
 * after this call, such as a SharedArrayBuffer): the wasm backend copies into
 * its heap as it creates the tensor, the others get a copy to keep.
 */
export function tensorFromTransient(source: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? source : source.slice(), shape, 'float32');
}
