/**
 * A training step of a network holding every layer, activation and optimizer
 * the studio offers runs on wasm (so no kernel is missing) and agrees with
 * the cpu backend: same losses, same weights afterwards, no leaked tensors.
 *
 * @subject engine/train/optimizers.ts engine/backend/wasm.ts
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from './select.js';
import { createOptimizer } from '../train/optimizers.js';
import { seededValues } from '../testing/seededValues.js';

const INPUT: [number, number, number] = [12, 12, 3];
const CLASSES = 3;
const BATCH = 4;

function buildEveryLayerModel(): tfl.LayersModel {
  const input = tfl.input({ shape: INPUT });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(x) as tfl.SymbolicTensor;

  // Trunk: strides 1 and 2, 'same' and 'valid', every convolution kind.
  const stem = apply(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), input);
  let branch = apply(tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu6' }), stem);
  branch = apply(tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'elu' }), branch);
  branch = apply(tfl.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'selu' }), branch);
  branch = apply(tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }), branch);
  branch = apply(tfl.layers.zeroPadding2d({ padding: 2 }), branch);
  branch = apply(tfl.layers.cropping2D({ cropping: 1 }), branch);

  let side = apply(tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }), stem);
  side = apply(tfl.layers.batchNormalization(), side);
  side = apply(tfl.layers.upSampling2d({ size: [2, 2] }), side);

  const joined = apply(tfl.layers.concatenate(), [side, branch]);
  let summed = apply(tfl.layers.add(), [side, branch]);
  summed = apply(tfl.layers.layerNormalization(), summed);
  // Where the branch is zero padding, upsampled copies stay equal through
  // LayerNormalization, so this max pooling also meets ties.
  summed = apply(tfl.layers.maxPooling2d({ poolSize: 2 }), summed);
  summed = apply(tfl.layers.averagePooling2d({ poolSize: 2, padding: 'same' }), summed);
  summed = apply(tfl.layers.activation({ activation: 'swish' }), summed);

  const pooled = apply(tfl.layers.concatenate(), [
    apply(tfl.layers.globalAveragePooling2d({}), summed),
    apply(tfl.layers.globalAveragePooling2d({}), joined),
  ]);
  let head = apply(tfl.layers.dense({ units: 8, activation: 'gelu' }), pooled);
  head = apply(tfl.layers.leakyReLU({ alpha: 0.1 }), head);
  // A fixed seed draws the same dropout mask on both backends (tfjs draws it in JS).
  head = apply(tfl.layers.dropout({ rate: 0.25, seed: 7 }), head);
  const output = apply(tfl.layers.dense({ units: CLASSES, activation: 'softmax' }), head);
  return tfl.model({ inputs: input, outputs: output });
}

interface Snapshot {
  shape: number[];
  values: Float32Array;
}

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.1),
  adam: () => tf.train.adam(0.01),
  // The studio's Adam: each variable's update one fused kernel on wasm (train/fusedAdam.ts), tfjs's own on cpu.
  'adam (fused)': () => createOptimizer({ type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }),
  rmsprop: () => tf.train.rmsprop(0.01),
  adagrad: () => tf.train.adagrad(0.1),
};

let initialWeights: Snapshot[];

before(async () => {
  await selectBackend('wasm');
  await tf.setBackend('cpu');
  const model = buildEveryLayerModel();
  initialWeights = model.getWeights().map((w) => ({ shape: w.shape, values: (w.dataSync() as Float32Array).slice() }));
  model.dispose();
});

interface Run {
  losses: number[];
  weights: Snapshot[];
  tensorsAfterEachStep: number[];
  msPerStep: number;
}

async function train(backend: 'cpu' | 'wasm', optimizer: string, steps: number): Promise<Run> {
  await tf.setBackend(backend);
  const model = buildEveryLayerModel();
  const start = tf.tidy(() => initialWeights.map((w) => tf.tensor(w.values, w.shape)));
  model.setWeights(start);
  tf.dispose(start);
  model.compile({ optimizer: OPTIMIZERS[optimizer]!(), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor(seededValues(BATCH * INPUT.reduce((a, b) => a * b), 11), [BATCH, ...INPUT]);
  const ys = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), CLASSES);
  const losses: number[] = [];
  const tensorsAfterEachStep: number[] = [];
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    losses.push((await model.trainOnBatch(xs, ys)) as number);
    tensorsAfterEachStep.push(tf.memory().numTensors);
  }
  const msPerStep = (performance.now() - started) / steps;
  const weights = model.getWeights().map((w) => ({ shape: w.shape, values: (w.dataSync() as Float32Array).slice() }));
  tf.dispose([xs, ys]);
  model.optimizer.dispose();
  model.dispose();
  return { losses, weights, tensorsAfterEachStep, msPerStep };
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

test('every kernel a training step runs on cpu is registered for wasm', async () => {
  await tf.setBackend('cpu');
  const model = buildEveryLayerModel();
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.randomNormal([BATCH, ...INPUT]);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), CLASSES);
  const profile = await tf.profile(async () => {
    await model.trainOnBatch(xs, ys);
  });
  tf.dispose([xs, ys]);
  model.optimizer.dispose();
  model.dispose();
  const cpuKernels = new Set(tf.getKernelsForBackend('cpu').map((k) => k.kernelName));
  const wasmKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const missing = profile.kernelNames.filter((name) => cpuKernels.has(name) && !wasmKernels.has(name));
  assert.deepEqual(missing, []);
});

for (const optimizer of Object.keys(OPTIMIZERS)) {
  test(`training with ${optimizer} on wasm matches cpu`, async (t) => {
    const steps = 3;
    const cpu = await train('cpu', optimizer, steps);
    const wasm = await train('wasm', optimizer, steps);
    t.diagnostic(`ms per step of this model (batch ${BATCH}): wasm ${wasm.msPerStep.toFixed(1)}, cpu ${cpu.msPerStep.toFixed(1)}`);
    for (let i = 0; i < steps; i++) {
      const relative = Math.abs(wasm.losses[i]! - cpu.losses[i]!) / Math.max(1, Math.abs(cpu.losses[i]!));
      assert.ok(relative < 1e-4, `step ${i + 1}: wasm loss ${wasm.losses[i]}, cpu loss ${cpu.losses[i]}`);
    }
    wasm.weights.forEach((w, i) => {
      assert.deepEqual(w.shape, cpu.weights[i]!.shape);
      const difference = maxDifference(w.values, cpu.weights[i]!.values);
      assert.ok(difference < 1e-3, `weight ${i} [${w.shape}] differs by ${difference} after ${steps} steps`);
    });
    // Optimizer slots appear at the first step; after that the count must hold.
    assert.equal(wasm.tensorsAfterEachStep.at(-1), wasm.tensorsAfterEachStep[0], 'tensors leaked on wasm between steps');
  });
}
