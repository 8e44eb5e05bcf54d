/**
 * The trainer end to end through the Engine, on real PNG files and real tfjs
 * models: it learns, events come in order, tensors stay flat, and pause,
 * resume, stop, early stopping and the NaN guard behave as promised; a run
 * whose data folder is missing fails before training (prepareRun.ts).
 *
 * @subject engine/train/trainingRun.ts engine/train/prepareRun.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../engine.js';
import type { EngineEvent, FinishedEvent, RunErrorEvent, TrainOptions, BackendPreference } from '../protocol.js';
import type { ProjectFile, TrainingSettings } from '../project/schema.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { selectBackend } from '../backend/select.js';

let dataDir: string;
let runsDir: string;

before(async () => {
  dataDir = await writePatternFolder({ perClass: 30, size: 12, seed: 7 });
  runsDir = await mkdtemp(join(tmpdir(), 'cnnstudio-runs-'));
  await selectBackend('auto');
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(runsDir, { recursive: true, force: true });
});

/** This file's recipe: 8 filters and a pooling layer, Adam at 0.01, 6 epochs, 20% held out. */
function tinyProject(training: Partial<TrainingSettings> = {}): ProjectFile {
  return tinyCnnProject({
    size: 12,
    filters: 8,
    pool: true,
    data: { validationSplit: 0.2 },
    training: { epochs: 6, optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, ...training },
  });
}

interface RunResult {
  events: EngineEvent[];
  end: FinishedEvent | RunErrorEvent;
}

async function train(
  project: ProjectFile,
  options: { backend?: BackendPreference; train?: TrainOptions; onEvent?: (e: EngineEvent, engine: Engine, runId: string) => void } = {},
): Promise<RunResult> {
  const engine = new Engine({ backend: options.backend ?? 'auto' });
  const events: EngineEvent[] = [];
  let runId = '';
  const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) => {
    engine.onEvent((e) => {
      events.push(e);
      options.onEvent?.(e, engine, runId);
      if (e.type === 'finished' || e.type === 'error') resolve(e);
    });
  });
  const started = await engine.execute({
    type: 'train.start',
    project,
    options: { dataPath: dataDir, runDir: join(runsDir, `${Date.now()}-${Math.random().toString(36).slice(2)}`), ...options.train },
  });
  runId = started.runId;
  const end = await ended;
  await engine.idle();
  return { events, end };
}

function finished(result: RunResult): FinishedEvent {
  assert.equal(result.end.type, 'finished', result.end.type === 'error' ? `run failed: ${result.end.message}` : '');
  return result.end as FinishedEvent;
}

test('a tiny CNN learns real PNG files well above chance, with events in order and a flat tensor count', async () => {
  const tensorsBefore = tf.memory().numTensors;
  const result = await train(tinyProject());
  const end = finished(result);

  // Three classes: chance is 1/3.
  assert.ok(end.metrics.valAccuracy! >= 0.8, `validation accuracy ${end.metrics.valAccuracy} should be well above chance (0.33)`);

  const types = result.events.map((e) => e.type);
  const firstStart = types.indexOf('run-started');
  assert.ok(firstStart >= 0, 'run-started is sent');
  assert.ok(types.slice(0, firstStart).every((t) => t === 'progress'), 'only progress comes before run-started');
  assert.equal(types.at(-1), 'finished');
  const epochs = result.events.filter((e) => e.type === 'epoch');
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3, 4, 5, 6]);
  // Within each epoch: batches in increasing order, then the epoch, then its checkpoint.
  let lastEpoch = 0;
  let lastBatch = 0;
  let batchesPerEpoch = 0;
  for (const e of result.events.slice(firstStart + 1, -1)) {
    if (e.type === 'batch') {
      assert.equal(e.epoch, lastEpoch + 1, 'batch belongs to the epoch in progress');
      assert.ok(e.batch > lastBatch, 'batches increase');
      assert.ok(e.samplesPerSecond > 0 && e.etaSeconds >= 0);
      lastBatch = e.batch;
      batchesPerEpoch = e.batchesPerEpoch;
    } else if (e.type === 'epoch') {
      assert.equal(e.epoch, lastEpoch + 1);
      assert.equal(lastBatch, batchesPerEpoch, 'the last batch of an epoch is always reported');
      lastEpoch = e.epoch;
      lastBatch = 0;
    } else if (e.type === 'checkpoint') {
      assert.equal(e.epoch, lastEpoch);
    }
  }

  const started = result.events[firstStart];
  assert.equal(started.type, 'run-started');
  if (started.type === 'run-started') {
    assert.deepEqual(started.dataset.classes, ['checks', 'horizontal', 'vertical']);
    assert.equal(started.dataset.train + started.dataset.validation, 90);
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(started.backend));
  }

  // The tensor count at the end of every epoch is the same: nothing leaks per epoch.
  const counts = epochs.map((e) => (e.type === 'epoch' ? e.tensors : -1));
  assert.equal(new Set(counts).size, 1, `tensor counts per epoch: ${counts.join(', ')}`);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the finished run frees every tensor it made');

  // The run folder holds the metrics log, a checkpoint per epoch and the model.
  const log = (await readFile(join(end.runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.map((l) => l.type), ['run-started', 'epoch', 'epoch', 'epoch', 'epoch', 'epoch', 'epoch', 'finished']);
  assert.deepEqual((await readdir(join(end.runDir, 'checkpoints'))).sort(), ['epoch-001', 'epoch-002', 'epoch-003', 'epoch-004', 'epoch-005', 'epoch-006']);
  const modelJson = JSON.parse(await readFile(join(end.modelPath, 'model.json'), 'utf8'));
  assert.deepEqual(modelJson.userDefinedMetadata.classNames, ['checks', 'horizontal', 'vertical']);
});

test('pause and resume keep the optimizer state: a paused run ends exactly like an uninterrupted one', async () => {
  const project = tinyProject({ epochs: 2 });
  const plain = await train(project, { backend: 'cpu' });
  let pausedOnce = false;
  const quietBatchesWhilePaused: number[] = [];
  let paused = false;
  // The pause lasts as long as three batches take here (from the run's own
  // samples/s) plus the 50 ms between batch events: a run that kept training
  // while paused would send a batch event in that time, on any machine.
  let batchMs = 0;
  let pausedForMs = 0;
  const interrupted = await train(project, {
    backend: 'cpu',
    onEvent: (e, engine, runId) => {
      if (e.type === 'batch') batchMs = (project.training.batchSize / e.samplesPerSecond) * 1000;
      if (e.type === 'batch' && paused) quietBatchesWhilePaused.push(e.batch);
      if (e.type === 'batch' && e.epoch === 1 && !pausedOnce) {
        pausedOnce = true;
        void engine.execute({ type: 'train.pause', runId });
      }
      if (e.type === 'paused') {
        paused = true;
        pausedForMs = 50 + 3 * batchMs;
        setTimeout(() => {
          paused = false;
          void engine.execute({ type: 'train.resume', runId });
        }, pausedForMs);
      }
    },
  });
  const types = interrupted.events.map((e) => e.type);
  assert.ok(types.includes('paused') && types.includes('resumed'), 'paused and resumed events are sent');
  assert.ok(types.indexOf('paused') < types.indexOf('resumed'));
  assert.ok(Number.isFinite(pausedForMs) && pausedForMs > 50, `paused for ${pausedForMs} ms`);
  assert.deepEqual(quietBatchesWhilePaused, [], 'no batch runs while paused');
  const losses = (r: RunResult) => r.events.filter((e) => e.type === 'epoch').map((e) => (e.type === 'epoch' ? [e.loss, e.valLoss] : []));
  assert.deepEqual(losses(interrupted), losses(plain));
});

test('stop ends the run after the current batch and still saves the model', async () => {
  let asked = false;
  const result = await train(tinyProject({ epochs: 50 }), {
    onEvent: (e, engine, runId) => {
      if (e.type === 'batch' && !asked) {
        asked = true;
        void engine.execute({ type: 'train.stop', runId });
      }
    },
  });
  const end = finished(result);
  assert.equal(end.status, 'stopped');
  assert.ok(end.epochs < 50);
  assert.ok((await readFile(join(end.modelPath, 'weights.bin'))).byteLength > 0);
});

test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  const result = await train(
    tinyProject({
      epochs: 10,
      // No epoch after the first can improve validation accuracy by a whole 1.0.
      earlyStopping: { enabled: true, monitor: 'valAccuracy', patience: 1, minDelta: 1, restoreBestWeights: true },
    }),
  );
  const end = finished(result);
  assert.equal(end.status, 'early-stopped');
  assert.equal(end.epochs, 2, 'patience 1: one epoch without improvement ends the run, as in Keras');
  assert.equal(end.bestEpoch, 1);
  const firstEpoch = result.events.find((e) => e.type === 'epoch' && e.epoch === 1);
  assert.equal(end.metrics.valAccuracy, firstEpoch?.type === 'epoch' ? firstEpoch.valAccuracy : NaN);
  const best = await readFile(join(end.runDir, 'checkpoints', 'epoch-001', 'weights.bin'));
  const last = await readFile(join(end.runDir, 'checkpoints', 'epoch-002', 'weights.bin'));
  const saved = await readFile(join(end.modelPath, 'weights.bin'));
  assert.ok(saved.equals(best), 'the saved model has the best epoch\'s weights');
  assert.ok(!saved.equals(last), 'and not the last epoch\'s');
});

test('a loss that becomes NaN stops the run with an error that says so and where the last good checkpoint is', async () => {
  // tfjs clips probabilities, so only a float overflow makes the loss NaN: a
  // linear softmax classifier with an absurd learning rate overflows on its
  // second batch.
  const project = tinyProject({ epochs: 3, batchSize: 8, optimizer: { type: 'sgd', learningRate: 1e38, momentum: 0, nesterov: false } });
  project.graph.nodes = project.graph.nodes.filter((n) => !['conv', 'pool'].includes(n.id));
  project.graph.edges = [
    { id: 'a', source: 'input', target: 'flatten' },
    { id: 'b', source: 'flatten', target: 'dense' },
    { id: 'c', source: 'dense', target: 'output' },
  ];
  const result = await train(project, { backend: 'cpu' });
  assert.equal(result.end.type, 'error');
  const error = result.end as RunErrorEvent;
  assert.equal(error.code, 'non-finite-loss');
  assert.match(error.message, /^Training diverged: the loss became NaN at epoch 1, batch 2\. No checkpoint was written yet/);
  assert.match(error.hint, /Lower the learning rate \(it was 1e\+38\)/);
  assert.equal(error.lastCheckpoint, undefined);
  assert.ok(!result.events.some((e) => e.type === 'finished'));
});

test('binary cross-entropy trains a one-unit sigmoid head on two classes', async () => {
  const twoClasses = await writePatternFolder({ classes: ['horizontal', 'vertical'], perClass: 30, size: 12, seed: 11 });
  try {
    const project = tinyProject({ epochs: 6, loss: 'binary-crossentropy' });
    const dense = project.graph.nodes.find((n) => n.id === 'dense')!;
    dense.params = { units: 1, activation: 'sigmoid' };
    const end = finished(await train(project, { train: { dataPath: twoClasses } }));
    assert.ok(end.metrics.valAccuracy! >= 0.8, `validation accuracy ${end.metrics.valAccuracy} should be well above chance (0.5)`);
  } finally {
    await rm(twoClasses, { recursive: true, force: true });
  }
});

test('learning-rate schedules change the rate from epoch to epoch', async () => {
  const result = await train(tinyProject({ epochs: 3, schedule: { type: 'step', stepSize: 1, gamma: 0.5 } }));
  finished(result);
  const rates = result.events.filter((e) => e.type === 'epoch').map((e) => (e.type === 'epoch' ? e.learningRate : 0));
  assert.deepEqual(rates, [0.01, 0.005, 0.0025]);
});

test('training a project without a data folder, or with a missing one, fails with an error naming it', async () => {
  const engine = new Engine();
  const errors: RunErrorEvent[] = [];
  engine.onEvent((e) => e.type === 'error' && errors.push(e));
  // No folder at all is refused in the answer (engine/train/startRefusal.test.ts); a missing one fails the run.
  await assert.rejects(engine.execute({ type: 'train.start', project: tinyProject(), options: { runDir: join(runsDir, 'no-data') } }), /has no data folder/);

  await engine.execute({ type: 'train.start', project: tinyProject(), options: { dataPath: '/nonexistent/images', runDir: join(runsDir, 'missing') } });
  await engine.idle();
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /\/nonexistent\/images/);
});
