/**
 * Gradient health at its edges, on real tfjs training steps (cpu): a ReLU
 * layer whose bias keeps every unit below zero is reported dead after the
 * checks in a row; a gradient that is not a number, and one that grew a
 * thousandfold since the previous check, are exploding; a layer that starts
 * at all-zero weights is not "exploding" when its first step moves it; and
 * checks whose figures were never read (two steps without afterStep, or a
 * detach before it) leave no tensor behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { makeTempDir } from '../testing/imageFiles.js';
import type { EngineEvent, GradientHealthEvent, TrainingWarningEvent } from '../protocol.js';
import { GradientHealth, type GradientHealthThresholds } from './gradientHealth.js';

let temp: { dir: string; remove: () => Promise<void> };

before(async () => {
  await selectBackend('cpu');
  temp = await makeTempDir('gradient-health-edges');
});
after(() => temp.remove());

/** inputs → hidden Dense (its own initialisers) → softmax head of 3. */
function model(hidden: Omit<Parameters<typeof tfl.layers.dense>[0], 'units'>): tfl.LayersModel {
  const input = tfl.input({ shape: [8] });
  const h = tfl.layers.dense({ units: 16, name: 'hidden', ...hidden }).apply(input) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'head', kernelInitializer: tfl.initializers.glorotUniform({ seed: 9 }) }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

function batch(seed: number, scale = 1): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.mul(tf.randomNormal([16, 8], 0, 1, 'float32', seed), scale),
    y: tf.tensor1d(Array.from({ length: 16 }, (_, i) => (i + seed) % 3), 'float32'),
  }));
}

async function run(
  m: tfl.LayersModel,
  batches: { x: tf.Tensor; y: tf.Tensor }[],
  name: string,
  thresholds?: Partial<GradientHealthThresholds>,
): Promise<{ health: GradientHealthEvent[]; warnings: TrainingWarningEvent[] }> {
  const optimizer = tf.train.sgd(0.1);
  m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  const events: EngineEvent[] = [];
  const hook = new GradientHealth({ runId: name, runDir: join(temp.dir, name), model: m, optimizer, everyBatches: 1, emit: (e) => events.push(e), thresholds });
  try {
    for (const [i, { x, y }] of batches.entries()) {
      await m.trainOnBatch(x, y);
      await hook.afterStep(x, 1, i + 1);
      tf.dispose([x, y]);
    }
  } finally {
    hook.detach();
    m.dispose();
    optimizer.dispose();
  }
  return { health: events.filter((e): e is GradientHealthEvent => e.type === 'gradient-health'), warnings: events.filter((e): e is TrainingWarningEvent => e.type === 'health-warning') };
}

test('a ReLU layer whose units are all below zero is dead after the checks in a row, and said once', async () => {
  const dead = model({ activation: 'relu', biasInitializer: tfl.initializers.constant({ value: -100 }), kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) });
  const { health, warnings } = await run(dead, [1, 2, 3, 4].map((s) => batch(s)), 'dead', { checks: 3 });
  assert.deepEqual(health.map((e) => e.layers.find((l) => l.node === 'hidden')?.zeroFraction), [1, 1, 1, 1]);
  const deadWarnings = warnings.filter((w) => w.kind === 'dead-relu');
  assert.equal(deadWarnings.length, 1, 'one warning, not one per check');
  assert.equal(deadWarnings[0]!.batch, 3, 'on the third check in a row');
  assert.equal(deadWarnings[0]!.message, 'Dead ReLUs at node "hidden": 100 % of its outputs are zero on a batch (3 checks in a row); those units pass no gradient and stop learning.');
});

test('a gradient that is not a number is exploding', async () => {
  const m = model({ activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) });
  const poisoned = batch(5);
  const x = tf.tidy(() => tf.mul(poisoned.x, tf.scalar(NaN)));
  poisoned.x.dispose();
  const { warnings } = await run(m, [{ x, y: poisoned.y }], 'nan');
  const exploding = warnings.filter((w) => w.kind === 'exploding-gradients').map((w) => w.message);
  assert.ok(exploding.includes('Exploding gradients at node "hidden": its gradient norm is NaN (above 1000).'), exploding.join('\n'));
});

test('a gradient norm that grew past the growth limit since the previous check is exploding', async () => {
  const m = model({ activation: 'linear', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) });
  const { health, warnings } = await run(m, [batch(6, 0.001), batch(7, 10)], 'growth', { explodingNorm: 1e12, explodingUpdateRatio: 1e12 });
  const norms = health.map((e) => e.layers.find((l) => l.node === 'hidden')!.gradientNorm!);
  const growth = norms[1]! / norms[0]!;
  assert.ok(growth > 100, `grew ${growth}×`);
  const message = warnings.find((w) => w.kind === 'exploding-gradients' && w.node === 'hidden')?.message;
  assert.equal(message, `Exploding gradients at node "hidden": its gradient norm grew ${growth.toFixed(0)}× since the previous check (to ${norms[1]!.toExponential(2)}).`);
});

test('a layer that starts at all-zero weights: its first update is reported as an infinite ratio, and is no exploding warning', async () => {
  const m = model({ activation: 'linear', kernelInitializer: 'zeros', biasInitializer: 'zeros' });
  const { health, warnings } = await run(m, [batch(8)], 'zeros');
  const hidden = health[0]!.layers.find((l) => l.node === 'hidden')!;
  assert.equal(hidden.weightNorm, 0);
  assert.equal(hidden.updateRatio, Infinity);
  assert.deepEqual(warnings.filter((w) => w.node === 'hidden'), [], 'moving away from zero is not an explosion');
});

test('checks whose figures were never read leave no tensor behind', async () => {
  const m = model({ activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) });
  const optimizer = tf.train.sgd(0.1);
  m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
  const { x, y } = batch(9);
  await m.trainOnBatch(x, y);
  const tensors = tf.memory().numTensors;
  const hook = new GradientHealth({ runId: 'unread', runDir: join(temp.dir, 'unread'), model: m, optimizer, everyBatches: 1, emit: () => undefined });
  // Two checked steps and no afterStep: the second's figures replace the first's.
  await m.trainOnBatch(x, y);
  await m.trainOnBatch(x, y);
  hook.detach();
  assert.equal(tf.memory().numTensors, tensors, 'the pending figures were freed');
  tf.dispose([x, y]);
  m.dispose();
  optimizer.dispose();
});
