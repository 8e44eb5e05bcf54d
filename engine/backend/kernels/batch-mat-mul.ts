/**
 * BatchMatMul for the WebAssembly backend. The package's kernel reaches
 * XNNPACK only when neither operand is transposed; with either flag it runs a
 * scalar loop about seven times slower than transposing the operand first and
 * multiplying through XNNPACK. Every dense layer's gradients use those flags.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor } from './conv-geometry.js';
import { partialReplacement } from './package-kernels.js';

/** Swaps the last two axes. */
function transposeInner(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return tf.transpose(t, perm);
}

export const batchMatMulConfig = partialReplacement(tf.BatchMatMul, (args, fallback) => {
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if (!transposeA && !transposeB) return fallback(args);
  const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
  return tf.tidy(() =>
    tf.matMul(transposeA ? transposeInner(asTensor(a)) : asTensor(a), transposeB ? transposeInner(asTensor(b)) : asTensor(b)),
  );
});
