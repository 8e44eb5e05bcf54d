/**
 * Tile for the WebAssembly backend: the package's kernel computes every
 * output element's source index separately, and BatchNormalization's
 * gradient tiles its per-channel statistics over whole activations (for
 * resnet-small, 40% of a training step went there). Here each source row is
 * copied once and every repetition is a block copy of what is already built.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from './package-kernels.js';
import { asWasmBackend, withHeapViews } from './wasm-heap.js';

function tile({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as unknown as { x: tf.TensorInfo };
  const { reps } = attrs as unknown as tf.TileAttrs;
  const shape = x.shape;
  const outShape = shape.map((d, i) => d * reps[i]!);
  const wasm = asWasmBackend(backend);
  const { out, outValues, inputValues } = withHeapViews(wasm, { shape: outShape, dtype: x.dtype }, [x]);
  const values = inputValues[0]!;
  const rank = shape.length;
  if (rank === 0 || outValues.length === 0) {
    outValues.set(values.subarray(0, outValues.length));
    return out;
  }
  const inStrides = shape.map((_, i) => tf.util.sizeFromShape(shape.slice(i + 1)));
  const outStrides = outShape.map((_, i) => tf.util.sizeFromShape(outShape.slice(i + 1)));

  /** Writes the tiled block for axes axis.. at `target`, reading the source block at `source`. */
  const build = (axis: number, source: number, target: number): void => {
    const size = shape[axis]!;
    if (axis === rank - 1) {
      outValues.set(values.subarray(source, source + size), target);
    } else {
      for (let i = 0; i < size; i++) build(axis + 1, source + i * inStrides[axis]!, target + i * outStrides[axis]!);
    }
    const built = size * outStrides[axis]!;
    for (let r = 1; r < reps[axis]!; r++) outValues.copyWithin(target + r * built, target, target + built);
  };
  build(0, 0, 0);
  return out;
}

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile as unknown as tf.KernelFunc,
};
