/**
 * Gradient health on real tfjs training steps: the figures equal norms
 * computed independently; a deep sigmoid stack warns of vanishing
 * gradients, a huge learning rate of exploding ones, and the seed CNN on
 * real Fashion-MNIST at its default settings warns of neither; clipping
 * bounds the global gradient norm.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { fashionMnist } from '../testing/exportFixtures.js';
import { buildModel } from '../graph/tfjs/build.js';
import { defaultTrainingSettings } from '../project/schema.js';
import { createProject } from '../graph/templates.js';
import type { EngineEvent, GradientHealthEvent, TrainingWarningEvent } from '../protocol.js';
import { GRADIENT_HEALTH_LOG, GradientHealth, type GradientHealthThresholds } from './gradientHealth.js';
import { createOptimizer } from './optimizers.js';
import { Engine } from '../engine.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';

let temp: { dir: string; remove: () => Promise<void> };

before(async () => {
  await selectBackend('wasm');
  temp = await makeTempDir('gradient-health-');
});
after(() => temp.remove());

function denseStack(depth: number, activation: 'sigmoid' | 'relu', units = 16, inputs = 8, classes = 3): tfl.LayersModel {
  const input = tfl.input({ shape: [inputs] });
  let h = input;
  for (let i = 1; i <= depth; i++) h = tfl.layers.dense({ units, activation, name: `d${i}`, kernelInitializer: tfl.initializers.glorotUniform({ seed: i }) }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: classes, activation: 'softmax', name: 'head', kernelInitializer: tfl.initializers.glorotUniform({ seed: 99 }) }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** Runs `steps` training steps with the health hook; returns what it emitted. */
async function train(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  batches: () => { x: tf.Tensor; y: tf.Tensor },
  steps: number,
  options: { everyBatches: number; clipNorm?: number; thresholds?: Partial<GradientHealthThresholds>; name: string },
): Promise<{ health: GradientHealthEvent[]; warnings: TrainingWarningEvent[]; losses: number[] }> {
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  const events: EngineEvent[] = [];
  const hook = new GradientHealth({ runId: options.name, runDir: join(temp.dir, options.name), model, optimizer, everyBatches: options.everyBatches, clipNorm: options.clipNorm, emit: (e) => events.push(e), thresholds: options.thresholds });
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const { x, y } = batches();
      losses.push((await model.trainOnBatch(x, y)) as number);
      await hook.afterStep(x, 1, s + 1);
      tf.dispose([x, y]);
    }
  } finally {
    hook.detach();
  }
  return {
    health: events.filter((e): e is GradientHealthEvent => e.type === 'gradient-health'),
    warnings: events.filter((e): e is TrainingWarningEvent => e.type === 'health-warning'),
    losses,
  };
}

const randomBatch = (seed: number, inputs = 8, classes = 3) => () => ({
  x: tf.randomNormal([32, inputs], 0, 1, 'float32', seed),
  y: tf.tensor1d(Array.from({ length: 32 }, (_, i) => (i * 7 + seed) % classes), 'float32'),
});

test('the figures equal gradient, weight and update norms computed independently', async () => {
  const model = denseStack(2, 'relu');
  const { x, y } = randomBatch(1)();
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
  // Independently: the gradient of the same loss, by tf.variableGrads, and the weights before the step.
  const weightsBefore = model.trainableWeights.map((w) => ({ node: w.originalName.split('/')[0]!, values: Float32Array.from(w.read().dataSync()) }));
  // Sparse categorical cross-entropy written out: mean over the batch of −log p(label), p clipped as Keras does.
  const loss = () => {
    const p = tf.clipByValue(model.predict(x) as tf.Tensor, 1e-7, 1 - 1e-7);
    return tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(tf.cast(y, 'int32'), 3), tf.log(p)), 1))) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(loss, model.trainableWeights.map((w) => w.read() as tf.Variable));
  const gradients = model.trainableWeights.map((w) => Float32Array.from(grads[(w.read() as tf.Variable).name]!.dataSync()));
  value.dispose();
  tf.dispose(grads);
  const { health } = await train(model, tf.train.sgd(0.1), () => ({ x: x.clone(), y: y.clone() }), 1, { everyBatches: 1, name: 'figures' });
  tf.dispose([x, y]);
  const norm = (arrays: Float32Array[]) => Math.sqrt(arrays.reduce((s, a) => s + a.reduce((t, v) => t + v * v, 0), 0));
  for (const node of ['d1', 'd2', 'head']) {
    const at = weightsBefore.map((w, i) => (w.node === node ? i : -1)).filter((i) => i >= 0);
    const g = norm(at.map((i) => gradients[i]!));
    const w = norm(at.map((i) => weightsBefore[i]!.values));
    const figures = health[0]!.layers.find((l) => l.node === node)!;
    assert.ok(Math.abs(figures.gradientNorm! - g) <= 1e-4 * g, `${node}: gradient norm ${figures.gradientNorm} vs ${g}`);
    assert.ok(Math.abs(figures.weightNorm! - w) <= 1e-5 * w, `${node}: weight norm ${figures.weightNorm} vs ${w}`);
    // Plain SGD moves the weights by exactly lr · gradient.
    assert.ok(Math.abs(figures.updateRatio! - (0.1 * g) / w) <= 1e-3 * ((0.1 * g) / w), `${node}: update ratio ${figures.updateRatio} vs ${(0.1 * g) / w}`);
  }
  assert.deepEqual(health[0]!.layers.filter((l) => l.zeroFraction !== null).map((l) => l.node), ['d1', 'd2']);
  const logged = (await readFile(join(temp.dir, 'figures', GRADIENT_HEALTH_LOG), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(logged.map((l) => l.type), ['gradient-health']);
  model.dispose();
});

test('20 sigmoid Dense layers warn of vanishing gradients at the first layers, naming the node and the fix', async () => {
  const model = denseStack(20, 'sigmoid');
  const { warnings } = await train(model, tf.train.adam(0.001), randomBatch(2), 4, { everyBatches: 1, name: 'vanishing' });
  model.dispose();
  const vanishing = warnings.filter((w) => w.kind === 'vanishing-gradients');
  assert.ok(vanishing.some((w) => w.node === 'd1'), `warnings: ${JSON.stringify(warnings.map((w) => [w.kind, w.node]))}`);
  assert.match(vanishing[0]!.message, /node "d\d+"/);
  assert.match(vanishing[0]!.hint, /ReLU.*BatchNormalization.*He initialisation.*residual/);
  assert.ok(!warnings.some((w) => w.kind === 'exploding-gradients'));
});

test('a huge learning rate warns of exploding gradients', async () => {
  const model = denseStack(3, 'relu');
  const { warnings } = await train(model, tf.train.sgd(50), randomBatch(3), 4, { everyBatches: 1, name: 'exploding' });
  model.dispose();
  const exploding = warnings.filter((w) => w.kind === 'exploding-gradients');
  assert.ok(exploding.length > 0, `warnings: ${JSON.stringify(warnings.map((w) => [w.kind, w.node]))}`);
  assert.match(exploding[0]!.hint, /learning rate.*BatchNormalization.*clip/);
  // The weights blow up at once; what follows (dead units, then no gradient at all) is its consequence, so exploding comes first.
  assert.equal(warnings[0]!.kind, 'exploding-gradients', JSON.stringify(warnings.map((w) => [w.kind, w.node, w.batch])));
});

test('the seed CNN at its default settings on real Fashion-MNIST warns of neither', async (t) => {
  const { train: data } = await fashionMnist();
  const settings = defaultTrainingSettings();
  const model = buildModel(createProject('seed-cnn').graph, { seed: settings.seed });
  let next = 0;
  const batches = () => {
    const n = settings.batchSize;
    const start = next;
    next += n;
    return {
      x: tf.tensor4d(Float32Array.from(data.images.subarray(start * 784, (start + n) * 784), (v) => v / 255), [n, 28, 28, 1]),
      y: tf.tensor1d(Array.from(data.labels.subarray(start, start + n)), 'float32'),
    };
  };
  const { warnings, health, losses } = await train(model, createOptimizer(settings.optimizer), batches, 30, { everyBatches: 5, name: 'seed' });
  model.dispose();
  t.diagnostic(`loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}; ${health.length} checks; conv1 gradient norm ${health[0]!.layers[0]!.gradientNorm!.toExponential(2)}`);
  assert.equal(health.length, 6);
  assert.deepEqual(warnings.filter((w) => w.kind !== 'dead-relu'), []);
});

test('clipNorm bounds the global gradient norm of every step', async () => {
  const model = denseStack(2, 'relu');
  // SGD with rate 1 moves the weights by exactly the (clipped) gradient.
  const { health } = await train(model, tf.train.sgd(1), randomBatch(4), 2, { everyBatches: 1, clipNorm: 0.01, name: 'clip' });
  model.dispose();
  for (const check of health) {
    const updateNorm = Math.sqrt(check.layers.reduce((s, l) => s + (l.updateRatio! * l.weightNorm!) ** 2, 0));
    const gradientNorm = Math.sqrt(check.layers.reduce((s, l) => s + l.gradientNorm! ** 2, 0));
    assert.ok(Math.abs(updateNorm - 0.01) < 1e-5, `update norm ${updateNorm}`);
    assert.ok(Math.abs(gradientNorm - 0.01) < 1e-5, `reported gradients are the clipped ones (${gradientNorm})`);
  }
});

test('a training run through the Engine streams gradient-health events and writes them to the run folder', async () => {
  const dataDir = await writePatternFolder({ perClass: 12, size: 12, seed: 3 });
  try {
    const project = tinyCnnProject({ size: 12, training: { epochs: 1, batchSize: 8, gradientHealthEvery: 2, optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, clipNorm: 5 } } });
    const engine = new Engine({ backend: 'wasm' });
    const events: EngineEvent[] = [];
    const runDir = join(temp.dir, 'run');
    const ended = new Promise<void>((resolve) => engine.onEvent((e) => (events.push(e), e.type === 'finished' || e.type === 'error' ? resolve() : undefined)));
    await engine.execute({ type: 'train.start', project, options: { dataPath: dataDir, runDir } });
    await ended;
    await engine.idle();
    assert.equal(events.at(-1)!.type, 'finished', JSON.stringify(events.at(-1)));
    const batches = (events.find((e) => e.type === 'run-started') as { batchesPerEpoch: number }).batchesPerEpoch;
    const checks = events.filter((e): e is GradientHealthEvent => e.type === 'gradient-health');
    assert.equal(checks.length, Math.ceil(batches / 2));
    assert.deepEqual(checks[0]!.layers.map((l) => l.node), ['conv', 'dense']);
    const logged = (await readFile(join(runDir, GRADIENT_HEALTH_LOG), 'utf8')).trim().split('\n');
    assert.equal(logged.filter((l) => l.includes('"gradient-health"')).length, checks.length);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
