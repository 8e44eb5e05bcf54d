/**
 * Sum and Mean for the WebAssembly backend when they reduce the leading axes
 * of a float32 tensor: bias gradients (over batch, rows and columns) and
 * batch statistics. The package's kernels first transpose the reduced axes
 * to the end, which costs ten times the reduction itself; the project's SIMD
 * kernel adds the rows up in memory order instead. Other reductions go to
 * the package's kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, simdKernels } from '../simd/kernels.js';
import { partialReplacement, type KernelArgs } from './package-kernels.js';
import { asWasmBackend } from './wasm-heap.js';

/** How many leading axes `axis` reduces, or 0 when it is not exactly a leading run short of the last axis. */
function leadingAxesReduced(shape: number[], axis: number | number[]): number {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  return leading && axes.length < shape.length ? axes.length : 0;
}

function reduceLeading(args: KernelArgs, fallback: tf.KernelFunc, mean: boolean): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as unknown as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const reduced = x.dtype === 'float32' ? leadingAxesReduced(x.shape, axis) : 0;
  const outer = tf.util.sizeFromShape(x.shape.slice(0, reduced));
  if (reduced === 0 || outer === 0) return fallback(args);
  const kept = x.shape.slice(reduced);
  const wasm = asWasmBackend(args.backend);
  const out = wasm.makeOutput(keepDims ? [...x.shape.slice(0, reduced).map(() => 1), ...kept] : kept, 'float32');
  simdKernels(wasm).sum_leading(heapAddress(wasm, x), heapAddress(wasm, out), outer, tf.util.sizeFromShape(kept), mean ? 1 / outer : 1);
  return out;
}

export const sumConfig = partialReplacement(tf.Sum, (args, fallback) => reduceLeading(args, fallback, false));
export const meanConfig = partialReplacement(tf.Mean, (args, fallback) => reduceLeading(args, fallback, true));
