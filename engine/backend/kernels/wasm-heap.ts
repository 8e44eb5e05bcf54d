/**
 * Direct access to tensors in the WebAssembly heap, for kernels whose work is
 * a single pass over memory (pool gradients, reductions): a JavaScript loop
 * over the heap runs them in one pass, where composing tfjs ops costs several
 * full-size temporaries and transposes. No copies: views alias the heap.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function asWasmBackend(backend: unknown): BackendWasm {
  const candidate = backend as Partial<BackendWasm> | undefined;
  if (typeof candidate?.typedArrayFromHeap !== 'function' || typeof candidate.makeOutput !== 'function') {
    throw new Error('this kernel runs on the wasm backend only');
  }
  return candidate as BackendWasm;
}

/**
 * Allocates the output first, then views every tensor: allocating can grow
 * the heap, which detaches views taken before it.
 */
export function withHeapViews<T extends tf.TypedArray>(
  backend: BackendWasm,
  output: { shape: number[]; dtype: tf.DataType },
  inputs: tf.TensorInfo[],
): { out: tf.TensorInfo; outValues: T; inputValues: tf.TypedArray[] } {
  const out = backend.makeOutput(output.shape, output.dtype);
  return {
    out,
    outValues: backend.typedArrayFromHeap(out) as T,
    inputValues: inputs.map((info) => backend.typedArrayFromHeap(info)),
  };
}
