/**
 * The project's kernels at their edges, on the wasm backend against the cpu
 * backend (and BatchNormalization against its formula): a batch of no
 * images through the convolution and depthwise gradients, BatchNormalization
 * over a non-channel axis without offset or scale (inference),
 * int32 arithmetic and broadcasts the SIMD kernel leaves to the package, and
 * copies and casts of string tensors.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './select.js';

before(async () => {
  await selectBackend('wasm');
  await selectBackend('cpu');
});

/** `fn` on wasm and on cpu: shapes and values of each output. */
async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ wasm: { shape: number[]; values: number[] }[]; cpu: { shape: number[]; values: number[] }[] }> {
  const read = async (backend: string) => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const result = await Promise.all(list.map(async (t) => ({ shape: t.shape, values: Array.from(await t.data()) as number[] })));
    tf.dispose(list);
    assert.equal(tf.memory().numTensors, before, `${backend} leaves no tensor`);
    return result;
  };
  const wasm = await read('wasm');
  const cpu = await read('cpu');
  return { wasm, cpu };
}

function assertClose(actual: number[], expected: number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tolerance, `[${i}] ${v} vs ${expected[i]}`));
}

test('a batch of no images: the convolution and depthwise gradients are zeros of the right shapes, as on cpu', async () => {
  const { wasm, cpu } = await onBoth(() => {
    const x = tf.zeros([0, 5, 5, 2]) as tf.Tensor4D;
    const filter = tf.ones([3, 3, 2, 4]) as tf.Tensor4D;
    const depthwise = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    const [dx, df] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'same')))([x, filter]);
    const [ddx, ddf] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')))([x, depthwise]);
    return [dx!, df!, ddx!, ddf!];
  });
  assert.deepEqual(wasm.map((o) => o.shape), [[0, 5, 5, 2], [3, 3, 2, 4], [0, 5, 5, 2], [3, 3, 2, 1]]);
  assert.deepEqual(wasm, cpu);
  assert.ok(wasm[1]!.values.every((v) => v === 0) && wasm[3]!.values.every((v) => v === 0));
});

test('BatchNormalization over a non-channel axis, with no offset (and no scale), as at inference: the formula on both backends', async () => {
  const xs = [0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9];
  const means = [1, 4, 7];
  const variances = [1, 4, 0.25];
  const gammas = [2, -1, 0.5];
  const eps = 1e-3;
  // Without a gradient tape: tfjs's tape cannot save an absent scale or offset (absent-normalisation-parameters.ts).
  const { wasm, cpu } = await onBoth(() => {
    const x = tf.tensor3d(xs, [1, 3, 4]);
    const mean = tf.tensor3d(means, [1, 3, 1]);
    const variance = tf.tensor3d(variances, [1, 3, 1]);
    return [tf.batchNorm(x, mean, variance, undefined, undefined, eps), tf.batchNorm(x, mean, variance, undefined, tf.tensor3d(gammas, [1, 3, 1]), eps)];
  });
  const row = (i: number) => Math.floor(i / 4);
  const plain = xs.map((v, i) => (v - means[row(i)]!) / Math.sqrt(variances[row(i)]! + eps));
  for (const out of [wasm, cpu]) {
    assertClose(out[0]!.values, plain, 1e-4);
    assertClose(out[1]!.values, plain.map((v, i) => v * gammas[row(i)]!), 1e-4);
  }
});

test('int32 arithmetic, and a broadcast whose smaller operand has more axes, give cpu\'s answers', async () => {
  const { wasm, cpu } = await onBoth(() => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const b = tf.tensor1d([10, 20, 30], 'int32');
    const small = tf.tensor3d([1, -1], [2, 1, 1]);
    const big = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]);
    return [tf.add(a, b), tf.mul(a, b), tf.sub(big, small), tf.mul(small, big)];
  });
  assert.deepEqual(wasm, cpu);
  assert.deepEqual(wasm[0]!.values, [11, 22, 33, 14, 25, 36]);
  assert.deepEqual(wasm[2]!.shape, [2, 3, 4]);
});

test('a copy and a cast of string tensors on wasm are the package\'s, and keep the strings', async () => {
  await tf.setBackend('wasm');
  const words = tf.tensor1d(['conv', 'dense'], 'string');
  const copy = tf.clone(words);
  const same = tf.cast(tf.tensor1d([1.5, 2.5]), 'float32');
  assert.deepEqual(await copy.array(), ['conv', 'dense']);
  assert.deepEqual(await same.array(), [1.5, 2.5]);
  tf.dispose([words, copy, same]);
  await tf.setBackend('cpu');
});
