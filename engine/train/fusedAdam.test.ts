/**
 * The fused Adam step (fusedAdam.ts, backend/kernels/adam-update.ts) against
 * tfjs's AdamOptimizer on the wasm backend: the same variables, gradients and
 * settings through both give the same weights and moments, bit for bit,
 * step after step; with odd sizes (the kernel's scalar tail), a
 * variable without a gradient, a learning rate changed between steps, both
 * forms of gradient argument, and no tensor left behind.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/select.js';
import { FusedAdamOptimizer } from './fusedAdam.js';
import { setLearningRate } from './optimizers.js';

const SHAPES = [[1], [5], [3, 3, 1, 32], [7, 11, 13]];

function seeded(size: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * scale;
  });
}

interface Trace {
  values: Float32Array[];
  moments: Float32Array[];
  tensorsAfterEachStep: number[];
}

async function run(make: () => tf.Optimizer, prefix: string, asArray: boolean): Promise<Trace> {
  const variables = SHAPES.map((shape, i) => tf.variable(tf.tensor(seeded(tf.util.sizeFromShape(shape), 100 + i), shape), true, `${prefix}${i}`));
  const optimizer = make();
  const tensorsAfterEachStep: number[] = [];
  for (let step = 0; step < 6; step++) {
    if (step === 3) setLearningRate(optimizer, 0.003);
    const gradients = SHAPES.map((shape, i) => tf.tensor(seeded(tf.util.sizeFromShape(shape), 1000 * step + i, step === 1 ? 1e-4 : 3), shape));
    // The last variable gets no gradient on even steps: its moments must stand still.
    const named = variables.map((v, i) => ({ name: v.name, tensor: gradients[i]! })).filter((_, i) => i < SHAPES.length - 1 || step % 2 === 1);
    if (asArray) optimizer.applyGradients(named);
    else optimizer.applyGradients(Object.fromEntries(named.map((g) => [g.name, g.tensor])));
    tf.dispose(gradients);
    tensorsAfterEachStep.push(tf.memory().numTensors);
  }
  const weights = await optimizer.getWeights();
  const trace = {
    values: variables.map((v) => v.dataSync() as Float32Array),
    moments: weights.slice(1).map((w) => w.tensor.dataSync() as Float32Array),
    tensorsAfterEachStep,
  };
  optimizer.dispose();
  tf.dispose(variables);
  return trace;
}

before(async () => {
  await selectBackend('wasm');
});

for (const asArray of [true, false]) {
  test(`fused Adam gives tfjs Adam's weights and moments on wasm (gradients as ${asArray ? 'a list' : 'a map'})`, async () => {
    assert.equal(tf.getBackend(), 'wasm');
    const settings = [0.01, 0.9, 0.999, 1e-7] as const;
    const reference = await run(() => tf.train.adam(...settings), 'reference', asArray);
    const fused = await run(() => new FusedAdamOptimizer(...settings), 'fused', asArray);
    assert.equal(fused.moments.length, reference.moments.length);
    for (const [what, a, b] of [
      ...fused.values.map((v, i) => [`weight ${i}`, v, reference.values[i]!] as const),
      ...fused.moments.map((m, i) => [`moment ${i}`, m, reference.moments[i]!] as const),
    ]) {
      // Same float32 operations in the same order (no fused multiply-add in WebAssembly SIMD): identical.
      assert.deepEqual(a, b, what);
    }
    // The weights moved: a step that did nothing would also match.
    assert.ok(fused.values[2]!.some((v, j) => v !== seeded(fused.values[2]!.length, 102)[j]));
    assert.equal(fused.tensorsAfterEachStep.at(-1), fused.tensorsAfterEachStep[1], 'tensors leaked between steps');
  });
}

test('fused Adam is tfjs Adam on a backend without the fused kernel', async () => {
  await tf.setBackend('cpu');
  try {
    const settings = [0.01, 0.9, 0.999, 1e-7] as const;
    const reference = await run(() => tf.train.adam(...settings), 'cpuReference', true);
    const fused = await run(() => new FusedAdamOptimizer(...settings), 'cpuFused', true);
    fused.values.forEach((v, i) => assert.deepEqual(v, reference.values[i]));
  } finally {
    await tf.setBackend('wasm');
  }
});
