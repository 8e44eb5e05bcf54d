/**
 * Add, Sub, Multiply and RealDiv on the WebAssembly backend when one float32
 * operand repeats along the other's leading axes (per-channel statistics
 * against activations, a bias) or both have one shape. These are
 * most of BatchNormalization's forward and gradient arithmetic, and the
 * package's kernels took several times a memory pass for them (resnet-small
 * and mobilenet-small, docs/performance.md). The project's SIMD kernel
 * (simd/binary_suffix.c) reads both operands in memory order instead. Other
 * broadcasts, and other dtypes, go to the package's kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, simdKernels } from '../simd/kernels.js';
import { partialReplacement, type KernelArgs } from './package-kernels.js';
import { asWasmBackend } from './wasm-heap.js';

const OPS = { [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3 } as const;

/** Whether `small` (after dropping leading ones) is the trailing part of `big`'s shape. */
function repeatsAlongLeadingAxes(small: number[], big: number[]): boolean {
  let start = 0;
  while (start < small.length && small[start] === 1) start++;
  const tail = small.slice(start);
  if (tail.length > big.length) return false;
  return tail.every((d, i) => d === big[big.length - tail.length + i]);
}

function binarySuffix(kernelName: keyof typeof OPS, args: KernelArgs, fallback: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
  const [sizeA, sizeB] = [tf.util.sizeFromShape(a.shape), tf.util.sizeFromShape(b.shape)];
  const smallFirst = sizeA < sizeB;
  const [big, small] = smallFirst ? [b, a] : [a, b];
  if (!repeatsAlongLeadingAxes(small.shape, big.shape)) return fallback(args);
  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const size = tf.util.sizeFromShape(outShape);
  const inner = Math.min(sizeA, sizeB);
  // A scalar operand measured even with the package's kernel (bench/binary-ops.ts): left to it.
  if (size === 0 || inner <= 1) return fallback(args);
  const wasm = asWasmBackend(args.backend);
  const out = wasm.makeOutput(outShape, 'float32');
  simdKernels(wasm).binary_suffix(heapAddress(wasm, big), heapAddress(wasm, small), heapAddress(wasm, out), size, inner, OPS[kernelName], smallFirst ? 1 : 0);
  return out;
}

export const broadcastBinaryConfigs: tf.KernelConfig[] = ([tf.Add, tf.Sub, tf.Multiply, tf.RealDiv] as const).map((name) =>
  partialReplacement(name, (args, fallback) => binarySuffix(name, args, fallback)),
);
