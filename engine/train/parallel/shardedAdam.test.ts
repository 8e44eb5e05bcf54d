/**
 * The split Adam step: the float32 JS slice update equals tfjs's Adam and the
 * project's fused wasm kernel bit for bit, whichever way the vector is cut;
 * and a two-thread ReplicaPool whose threads each update a slice leaves the
 * engine's model and optimizer (weights, moments, β^t, iterations) exactly
 * where the engine-only step (summed gradients into applyGradients) leaves
 * them, with the gradient-health hook steering steps between the two.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../backend/select.js';
import { buildModel } from '../../graph/tfjs/build.js';
import { tinyCnnProject } from '../../testing/tinyCnnProject.js';
import { seededValues } from '../../testing/seededValues.js';
import { FusedAdamOptimizer } from '../fusedAdam.js';
import { ReplicaPool, type StepHooks } from './replicaPool.js';
import { adamConstants, adamSlice, sliceOf } from './shardedAdam.js';

before(async () => {
  await selectBackend('wasm');
});

const bits = (a: Float32Array | number[]) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

test('the JS slice update is tfjs Adam and the fused kernel, bit for bit, however the vector is cut', () => {
  // Two weights, stored out of order in the shared buffer (the second first), as the pool's layout may do.
  const sizes = [37, 23];
  const weightOffsets = [23, 0];
  const total = 60;
  const initial = [seededValues(37, 1), seededValues(23, 2)];
  const lr = 0.01;
  for (const Optimizer of [tf.AdamOptimizer, FusedAdamOptimizer]) {
    const reference = new Optimizer(lr, 0.9, 0.999, 1e-7);
    const variables = initial.map((v, i) => tf.variable(tf.tensor(v), true, `sharded-${Optimizer.name}-${i}`));
    const weights = new Float32Array(total);
    const first = new Float32Array(total);
    const second = new Float32Array(total);
    initial.forEach((v, i) => weights.set(v, weightOffsets[i]));
    const segments = [0, weightOffsets[0]!, sizes[0]!, sizes[0]!, weightOffsets[1]!, sizes[1]!];
    for (let step = 1; step <= 3; step++) {
      // Two replicas' gradients; tfjs gets their float32 sum.
      const replicas = [seededValues(total, 10 * step), seededValues(total, 10 * step + 1)].map((g) => Float32Array.from(g, (v) => v * 0.5));
      const summed = Float32Array.from(replicas[0]!, (v, j) => v + replicas[1]![j]!);
      // β^t as tfjs keeps it: repeated float32 products.
      let b1 = Math.fround(0.9);
      let b2 = Math.fround(0.999);
      for (let t = 1; t < step; t++) {
        b1 = Math.fround(b1 * Math.fround(0.9));
        b2 = Math.fround(b2 * Math.fround(0.999));
      }
      const constants = adamConstants({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: lr, accBeta1: b1, accBeta2: b2 });
      // Cut differently each step: 1, 3 and 7 slices.
      const cuts = [1, 3, 7][step - 1]!;
      for (let k = 0; k < cuts; k++) {
        const [start, end] = sliceOf(total, cuts, k);
        adamSlice(weights, first, second, replicas, segments, start, end, constants);
      }
      reference.applyGradients(
        variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(summed.subarray(i === 0 ? 0 : sizes[0]!, i === 0 ? sizes[0]! : total)) })),
      );
    }
    const state = reference as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] };
    variables.forEach((v, i) => {
      const at = weightOffsets[i]!;
      const size = sizes[i]!;
      assert.deepEqual(bits(weights.subarray(at, at + size)), bits(v.dataSync() as Float32Array), `${Optimizer.name}: weight ${i}`);
      assert.deepEqual(bits(first.subarray(at, at + size)), bits(state.accumulatedFirstMoment[i]!.variable.dataSync() as Float32Array), `${Optimizer.name}: m ${i}`);
      assert.deepEqual(bits(second.subarray(at, at + size)), bits(state.accumulatedSecondMoment[i]!.variable.dataSync() as Float32Array), `${Optimizer.name}: v ${i}`);
    });
    tf.dispose(variables);
    reference.dispose();
  }
});

test('two threads splitting the Adam step leave the model and optimizer exactly where the engine-only step does', async () => {
  const graph = tinyCnnProject({ size: 12, filters: 8, pool: true }).graph;
  const x = tf.randomUniform([8, 12, 12, 1], 0, 1, 'float32', 4);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1]);
  /** `split`: which of the five steps may split the update (the others go through applyGradients, as a health check's would). */
  const train = async (split: boolean[]) => {
    const model = buildModel(graph, { seed: 3 });
    const optimizer = new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-7);
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const pool = await ReplicaPool.start({ threads: 2, graph, seed: 3, loss: 'sparse-categorical-crossentropy', backend: 'wasm', model, batchSize: 8, sampleShape: [12, 12, 1] });
    let step = 0;
    let taken = 0;
    const hooks: StepHooks = { needsApplyGradients: () => !split[step]!, stepTaken: () => taken++ };
    const losses: number[] = [];
    try {
      for (; step < split.length; step++) losses.push((await pool.step(optimizer, x, y, hooks))[0]);
    } finally {
      await pool.close();
    }
    const weights = model.getWeights().map((w) => bits(w.dataSync() as Float32Array));
    const state = optimizer.getWeights();
    const optimizerState = (await state).map((w) => ({ name: w.name, bits: bits(w.tensor.dataSync() as Float32Array) }));
    const iterations = optimizer.iterations;
    model.dispose();
    optimizer.dispose();
    return { losses, weights, optimizerState, iterations, taken };
  };
  try {
    const engineOnly = await train([false, false, false, false, false]);
    const mixed = await train([true, true, false, true, true]);
    assert.equal(engineOnly.taken, 0);
    assert.equal(mixed.taken, 4, 'each split step is counted through the hook');
    assert.deepEqual(mixed.losses, engineOnly.losses);
    assert.deepEqual(mixed.weights, engineOnly.weights);
    assert.equal(mixed.iterations, engineOnly.iterations);
    assert.equal(mixed.optimizerState.length, engineOnly.optimizerState.length);
    mixed.optimizerState.forEach((w, i) => assert.deepEqual(w.bits, engineOnly.optimizerState[i]!.bits, `optimizer weight ${w.name}`));
  } finally {
    tf.dispose([x, y]);
  }
});
