/**
 * Relu's one-pass gradient (kernels/relu-grad.ts, simd/relu_grad.c): on wasm
 * it equals tfjs-core's dy · step(x) on the cpu backend bit for bit, NaN,
 * infinities, signed zeros and a size that is not a multiple of four
 * included; on cpu the replaced gradient still runs tfjs-core's formula.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './select.js';
import { RELU_GRAD } from './kernels/relu-grad.js';
import { seededValues } from '../testing/seededValues.js';

before(async () => {
  await selectBackend('wasm');
});

const SPECIAL = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -1e-40, 3, -3];

function inputs(size: number): { x: Float32Array; dy: Float32Array } {
  const x = seededValues(size, 41);
  const dy = seededValues(size, 43);
  SPECIAL.forEach((value, i) => {
    x[i * 7] = value;
    dy[i * 5 + 1] = value;
  });
  return { x, dy };
}

async function reluGradient(backend: 'cpu' | 'wasm', x: Float32Array, dy: Float32Array, shape: number[]) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const [xt, dyt] = [tf.tensor(x, shape), tf.tensor(dy, shape)];
  const kernelsRun: string[] = [];
  const profile = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.mul(tf.relu(v), dyt))(xt));
  for (const kernel of profile.kernels) kernelsRun.push(kernel.name);
  const dx = tf.grad((v: tf.Tensor) => tf.mul(tf.relu(v), dyt))(xt);
  const values = dx.dataSync() as Float32Array;
  tf.dispose([xt, dyt, dx, profile.result as tf.Tensor]);
  return { values, kernelsRun, leaked: tf.memory().numTensors - before };
}

test('Relu gradient on wasm is tfjs-core\'s dy · step(x) bit for bit, in one kernel', async () => {
  for (const shape of [[2, 26, 26, 32], [3, 7, 5]]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const { x, dy } = inputs(size);
    const expected = await reluGradient('cpu', x, dy, shape);
    const actual = await reluGradient('wasm', x, dy, shape);
    assert.ok(actual.kernelsRun.includes(RELU_GRAD), `wasm ran ${actual.kernelsRun.join(', ')}`);
    assert.ok(!actual.kernelsRun.includes('Step'), 'wasm still ran Step');
    assert.ok(expected.kernelsRun.includes('Step') && !expected.kernelsRun.includes(RELU_GRAD), `cpu ran ${expected.kernelsRun.join(', ')}`);
    assert.equal(actual.values.length, size);
    for (let i = 0; i < size; i++) {
      if (!Object.is(actual.values[i], expected.values[i])) {
        assert.fail(`element ${i}: x ${x[i]}, dy ${dy[i]}: wasm ${actual.values[i]}, cpu ${expected.values[i]}`);
      }
    }
    assert.equal(actual.leaked, 0, 'tensors leaked on wasm');
    assert.equal(expected.leaked, 0, 'tensors leaked on cpu');
  }
});
