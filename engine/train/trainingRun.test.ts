/**
 * The training loop's control (trainingRun.ts) on a real tfjs model small
 * enough that a run takes a fraction of a second: a 2×2 grey image, a Dense
 * softmax over two classes, a dataset of a dozen images built in memory.
 * What the loop promises: the events and their order, the metrics of each
 * epoch, checkpoints and the saved model, early stopping (patience, the
 * delta, restoring the best weights, the training loss when there is no
 * validation split), pause, resume and stop, the NaN guard, errors as events,
 * and the two phases of fine-tuning. The Engine-level tests (training.test.ts,
 * runControl.test.ts, pretrained/transferPhases.test.ts) train real image
 * folders in a minute; this file is what the `training-control` mutation run
 * uses first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { makeTempDir } from '../testing/imageFiles.js';
import { chain } from '../testing/graphs.js';
import { buildModel } from '../graph/tfjs/build.js';
import { defaultTrainingSettings, type TrainingSettings } from '../project/schema.js';
import type { EngineEvent, FinishedEvent, RunErrorEvent } from '../protocol.js';
import type { ImageDataset, ImageSplit, MemorySplit } from '../data/types.js';
import { loadModelFolder } from '../model/modelFiles.js';
import { createOptimizer } from './optimizers.js';
import { evaluateSplit } from './evaluateSplit.js';
import { TrainingRun } from './trainingRun.js';
import type { FineTunePlan } from './transferPhases.js';

let temp: { dir: string; remove: () => Promise<void> };
let runs = 0;

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('training-run-');
});

after(async () => {
  await temp.remove();
});

/** `count` 2×2 grey images: class 0 bright on top, class 1 bright below, with a little seeded noise. */
function split(count: number, seed: number): MemorySplit {
  const images = new Uint8Array(count * 4);
  const labels = new Int32Array(count);
  let state = seed;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) % 40);
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    labels[i] = label;
    const [top, bottom] = label === 0 ? [200, 30] : [30, 200];
    images.set([top + noise(), top + noise(), bottom + noise(), bottom + noise()], i * 4);
  }
  return { count, height: 2, width: 2, channels: 1, labels, files: Array.from({ length: count }, (_, i) => `img${i}.png`), images };
}

function dataset(options: { train?: number; validation?: number; loading?: ImageDataset['loading'] } = {}): ImageDataset {
  return {
    classNames: ['top', 'bottom'],
    train: split(options.train ?? 8, 1),
    validation: split(options.validation ?? 4, 2),
    test: split(0, 3),
    skipped: [],
    ...(options.loading ? { loading: options.loading } : {}),
  };
}

function settings(change: Partial<TrainingSettings> = {}): TrainingSettings {
  return {
    ...defaultTrainingSettings(),
    epochs: 3,
    batchSize: 3,
    optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false },
    ...change,
  };
}

interface Started {
  run: TrainingRun;
  model: tfl.LayersModel;
  events: EngineEvent[];
  runDir: string;
  result: Promise<FinishedEvent | null>;
}

/** A hidden Dense (frozen unless `trainableHidden`) and a softmax head, compiled as prepareRun compiles. */
function tinyModel(s: TrainingSettings, trainableHidden = true): { model: tfl.LayersModel; compile: (o: tf.Optimizer) => void; optimizer: tf.Optimizer } {
  const model = buildModel(chain([2, 2, 1], [{ type: 'Flatten' }, { id: 'hidden', type: 'Dense', params: { units: 3, activation: 'tanh' } }, { id: 'head', type: 'Dense', params: { units: 2, activation: 'softmax' } }]), { seed: 5 });
  if (!trainableHidden) model.getLayer('hidden').trainable = false;
  const compile = (optimizer: tf.Optimizer) => model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const optimizer = createOptimizer(s.optimizer);
  compile(optimizer);
  return { model, compile, optimizer };
}

function start(
  s: TrainingSettings,
  options: {
    data?: ImageDataset;
    onEvent?: (e: EngineEvent, run: TrainingRun, model: tfl.LayersModel) => void;
    beforeRun?: (run: TrainingRun) => void;
    fineTune?: Omit<FineTunePlan, 'compile'>;
    initialWeights?: { source: string; loaded: string[]; fresh: string[] };
    trainableHidden?: boolean;
  } = {},
): Started {
  const { model, compile, optimizer } = tinyModel(s, options.trainableHidden);
  const events: EngineEvent[] = [];
  const runDir = join(temp.dir, `run${++runs}`);
  const run: TrainingRun = new TrainingRun({
    runId: `run-${runs}`,
    runDir,
    model,
    optimizer,
    dataset: options.data ?? dataset(),
    settings: s,
    backend: { name: 'cpu', device: 'CPU' },
    modelMetadata: { classNames: ['top', 'bottom'], inputShape: [2, 2, 1], project: 'tiny' },
    ...(options.initialWeights ? { initialWeights: options.initialWeights } : {}),
    ...(options.fineTune ? { fineTune: { ...options.fineTune, compile } } : {}),
    emit: (e) => {
      events.push(e);
      options.onEvent?.(e, run, model);
    },
  });
  options.beforeRun?.(run);
  return { run, model, events, runDir, result: run.run() };
}

function finished(events: EngineEvent[]): FinishedEvent {
  const end = events.at(-1)!;
  assert.equal(end.type, 'finished', end.type === 'error' ? `run failed: ${end.message}` : end.type);
  return end as FinishedEvent;
}

const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);

async function weightBytes(dir: string): Promise<Buffer> {
  return readFile(join(dir, 'weights.bin'));
}

describe('a run to its end', () => {
  test('run-started says what runs: sizes, parameters, batches, and only the optional facts it has', async () => {
    const loading = { mode: 'memory' as const, datasetBytes: 48, budgetBytes: 1000 };
    const initialWeights = { source: '/models/old', loaded: ['hidden'], fresh: ['head'] };
    const { run, model, events, runDir, result } = start(settings({ epochs: 1, batchSize: 64 }), { data: dataset({ loading }), initialWeights, trainableHidden: false });
    await result;
    const started = events[0]!;
    assert.deepEqual(started, {
      type: 'run-started',
      runId: 'run-1',
      runDir,
      backend: 'cpu',
      device: 'CPU',
      params: 4 * 3 + 3 + 3 * 2 + 2,
      trainableParams: 3 * 2 + 2,
      dataset: { classes: ['top', 'bottom'], train: 8, validation: 4, test: 0 },
      epochs: 1,
      batchSize: 8,
      batchesPerEpoch: 1,
      threads: 1,
      dataLoading: loading,
      initialWeights,
    });
    assert.equal(model.countParams(), 23);
    run.dispose();
  });

  test('epochs of batches, each epoch measured, checkpointed and logged; the model saved; the tensor count flat', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const { run, model, events, runDir, result } = start(settings({ epochs: 3, batchSize: 3 }));
    const end = await result;
    assert.deepEqual(end, events.at(-1), 'run() resolves to the finished event');
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'run-started');
    const started = events[0]!;
    assert.ok(started.type === 'run-started');
    assert.equal(started.batchSize, 3);
    assert.equal(started.batchesPerEpoch, 3, '8 images in batches of 3');
    assert.equal('dataLoading' in started || 'initialWeights' in started || 'adapter' in started || 'fineTuneFromEpoch' in started, false);

    const epochs = ofType(events, 'epoch');
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
    for (const epoch of epochs) {
      // The epoch is reported after its last batch, whose running mean is the epoch's.
      const index = events.indexOf(epoch);
      const last = events[index - 1]!;
      assert.ok(last.type === 'batch', `before epoch ${epoch.epoch}: ${last.type}`);
      assert.deepEqual([last.epoch, last.batch, last.batchesPerEpoch], [epoch.epoch, 3, 3]);
      assert.equal(last.loss, epoch.loss);
      assert.equal(last.accuracy, epoch.accuracy);
      assert.ok(last.samplesPerSecond > 0, 'samples/s');
      assert.equal(epoch.learningRate, 0.1);
      assert.ok(epoch.seconds > 0 && epoch.seconds < 60);
      const checkpoint = events[index + 1]!;
      assert.ok(checkpoint.type === 'checkpoint');
      assert.deepEqual(checkpoint, { type: 'checkpoint', runId: 'run-2', epoch: epoch.epoch, path: join(runDir, 'checkpoints', `epoch-00${epoch.epoch}`), best: checkpoint.best });
    }
    // Batches are numbered within their epoch, in order; the first of the run is always reported.
    const batches = ofType(events, 'batch');
    assert.deepEqual([batches[0]!.epoch, batches[0]!.batch], [1, 1]);
    for (let i = 1; i < batches.length; i++) {
      const [a, b] = [batches[i - 1]!, batches[i]!];
      assert.ok(b.epoch > a.epoch || b.batch > a.batch, 'batches in order');
    }
    // The time to go after the first batch (t ms for 3 samples, so t = 3000 / samples/s): 8 batches more at t,
    // and 3 validations guessed at a tenth of an epoch's batches each (0.3 t).
    const first = batches[0]!;
    const t = (3 * 1000) / first.samplesPerSecond;
    assert.ok(Math.abs(first.etaSeconds - (8 * t + 3 * 0.3 * t) / 1000) <= 1e-9 * first.etaSeconds, `eta ${first.etaSeconds} after one batch of ${t} ms`);
    // After the last batch only the last validation is left, at the mean time of the two before (each part of an epoch's seconds).
    const lastBatch = batches.at(-1)!;
    assert.ok(lastBatch.etaSeconds > 0 && lastBatch.etaSeconds <= Math.max(...epochs.map((e) => e.seconds)), `eta at the end ${lastBatch.etaSeconds}`);

    // Each epoch's validation figures are those of its checkpoint on the validation split.
    for (const epoch of epochs) {
      const saved = await loadModelFolder(join(runDir, 'checkpoints', `epoch-00${epoch.epoch}`));
      saved.model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const val = await evaluateSplit(saved.model, dataset().validation, 3, 'sparse-categorical-crossentropy');
      assert.ok(Math.abs(val!.loss - epoch.valLoss!) < 1e-6, `epoch ${epoch.epoch} valLoss ${epoch.valLoss} against ${val!.loss}`);
      assert.equal(val!.accuracy, epoch.valAccuracy);
      assert.deepEqual(
        { epoch: saved.metadata['epoch'], loss: saved.metadata['loss'], project: saved.metadata['project'], classNames: saved.metadata['classNames'] },
        { epoch: epoch.epoch, loss: epoch.loss, project: 'tiny', classNames: ['top', 'bottom'] },
      );
      saved.model.dispose();
    }

    // Without early stopping the run ends with its last weights and the last epoch's metrics.
    const last = epochs.at(-1)!;
    assert.deepEqual(end, {
      type: 'finished',
      runId: 'run-2',
      runDir,
      status: 'completed',
      epochs: 3,
      bestEpoch: end!.bestEpoch,
      metrics: { loss: last.loss, accuracy: last.accuracy, valLoss: last.valLoss, valAccuracy: last.valAccuracy },
      modelPath: join(runDir, 'model'),
    });
    const bests = ofType(events, 'checkpoint').filter((c) => c.best).map((c) => c.epoch);
    assert.equal(end!.bestEpoch, bests.at(-1), 'the best epoch is the last checkpoint marked best');
    assert.equal(bests[0], 1, 'the first epoch is always the best so far');
    assert.ok((await weightBytes(join(runDir, 'model'))).equals(await weightBytes(join(runDir, 'checkpoints', 'epoch-003'))));

    const log = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as EngineEvent);
    assert.deepEqual(log.map((l) => l.type), ['run-started', 'epoch', 'epoch', 'epoch', 'finished']);
    const { time, ...logged } = log[1] as EngineEvent & { time: string };
    assert.ok(!Number.isNaN(Date.parse(time)), 'each line is stamped');
    assert.deepEqual(logged, JSON.parse(JSON.stringify(epochs[0])));
    assert.deepEqual(await readdir(join(runDir, 'checkpoints')), ['epoch-001', 'epoch-002', 'epoch-003']);

    assert.equal(new Set(epochs.map((e) => e.tensors)).size, 1, `tensors per epoch ${epochs.map((e) => e.tensors).join(', ')}`);
    assert.equal(model.countParams(), 23);
    run.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'model and optimizer freed');
  });
});

describe('early stopping', () => {
  /** No epoch can improve on the first by this much: every later epoch is "no improvement". */
  const NEVER = 1e9;

  test('stops after `patience` epochs without improvement and restores the best epoch\'s weights and metrics', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const { run, events, runDir, result } = start(settings({ epochs: 6, earlyStopping: { enabled: true, monitor: 'valLoss', patience: 2, minDelta: NEVER, restoreBestWeights: true } }));
    const end = (await result)!;
    assert.equal(end.status, 'early-stopped');
    assert.equal(end.epochs, 3, 'epoch 1, then 2 epochs without improvement');
    assert.equal(end.bestEpoch, 1);
    const first = ofType(events, 'epoch')[0]!;
    assert.deepEqual(end.metrics, { loss: first.loss, accuracy: first.accuracy, valLoss: first.valLoss, valAccuracy: first.valAccuracy });
    assert.deepEqual(ofType(events, 'checkpoint').map((c) => c.best), [true, false, false]);
    const saved = await weightBytes(join(runDir, 'model'));
    assert.ok(saved.equals(await weightBytes(join(runDir, 'checkpoints', 'epoch-001'))), 'the best epoch\'s weights');
    assert.ok(!saved.equals(await weightBytes(join(runDir, 'checkpoints', 'epoch-003'))), 'not the last');
    run.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the kept best weights are freed');
  });

  test('patience 0 counts as 1, as in Keras; without restoring, the last weights and metrics stay', async () => {
    const { run, events, runDir, result } = start(settings({ epochs: 6, earlyStopping: { enabled: true, monitor: 'valLoss', patience: 0, minDelta: NEVER, restoreBestWeights: false } }));
    const end = (await result)!;
    assert.equal(end.status, 'early-stopped');
    assert.equal(end.epochs, 2);
    assert.equal(end.bestEpoch, 1);
    const last = ofType(events, 'epoch').at(-1)!;
    assert.equal(end.metrics.valLoss, last.valLoss);
    assert.ok((await weightBytes(join(runDir, 'model'))).equals(await weightBytes(join(runDir, 'checkpoints', 'epoch-002'))));
    run.dispose();
  });

  test('switched off, the same settings run every epoch', async () => {
    const { run, result } = start(settings({ epochs: 3, earlyStopping: { enabled: false, monitor: 'valLoss', patience: 1, minDelta: NEVER, restoreBestWeights: true } }));
    const end = (await result)!;
    assert.equal(end.status, 'completed');
    assert.equal(end.epochs, 3);
    run.dispose();
  });

  test('validation accuracy is watched upwards: a run whose accuracy never rises by a whole 1.0 stops', async () => {
    const { run, events, result } = start(settings({ epochs: 6, earlyStopping: { enabled: true, monitor: 'valAccuracy', patience: 1, minDelta: 1, restoreBestWeights: true } }));
    const end = (await result)!;
    assert.equal(end.status, 'early-stopped');
    assert.equal(end.epochs, 2);
    assert.equal(end.metrics.valAccuracy, ofType(events, 'epoch')[0]!.valAccuracy);
    run.dispose();
  });

  test('validation accuracy, with a delta it can beat: the run goes on while it improves, and each new best replaces the kept weights', async () => {
    const tensorsBefore = tf.memory().numTensors;
    // Accuracy starts at most 1.0 and cannot rise by −0.5 less than itself: with minDelta −0.5 every epoch "improves".
    const { run, events, result } = start(settings({ epochs: 3, earlyStopping: { enabled: true, monitor: 'valAccuracy', patience: 1, minDelta: -0.5, restoreBestWeights: true } }));
    const end = (await result)!;
    assert.equal(end.status, 'completed');
    assert.equal(end.bestEpoch, 3);
    assert.deepEqual(ofType(events, 'checkpoint').map((c) => c.best), [true, true, true]);
    run.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the weights of each earlier best are freed');
  });

  test('the best epoch follows the monitored metric: accuracy upwards (not the loss), loss downwards', async () => {
    const flags = async (monitor: 'valAccuracy' | 'valLoss') => {
      const { run, events, result } = start(settings({ epochs: 6, earlyStopping: { enabled: false, monitor, patience: 1, minDelta: 0, restoreBestWeights: true } }));
      await result;
      run.dispose();
      const epochs = ofType(events, 'epoch');
      const best = { valAccuracy: -Infinity, valLoss: Infinity };
      const expected = epochs.map((e) => {
        const better = monitor === 'valAccuracy' ? e.valAccuracy! > best.valAccuracy : e.valLoss! < best.valLoss;
        if (better) best[monitor] = e[monitor]!;
        return better;
      });
      return { expected, got: ofType(events, 'checkpoint').map((c) => c.best) };
    };
    const accuracy = await flags('valAccuracy');
    const loss = await flags('valLoss');
    assert.deepEqual(accuracy.got, accuracy.expected);
    assert.deepEqual(loss.got, loss.expected);
    assert.notDeepEqual(accuracy.got, loss.got, 'this data makes the two metrics disagree about some epoch');
  });

  test('without a validation split the training loss is watched, whatever the setting names', async () => {
    const { run, events, result } = start(settings({ epochs: 6, earlyStopping: { enabled: true, monitor: 'valAccuracy', patience: 1, minDelta: NEVER, restoreBestWeights: true } }), { data: dataset({ validation: 0 }) });
    const end = (await result)!;
    assert.equal(end.status, 'early-stopped');
    assert.equal(end.epochs, 2);
    const first = ofType(events, 'epoch')[0]!;
    assert.equal(first.valLoss, null);
    assert.equal(first.valAccuracy, null);
    assert.deepEqual(end.metrics, { loss: first.loss, accuracy: first.accuracy, valLoss: null, valAccuracy: null });
    run.dispose();
  });

  test('the training loss, lower is better: with a delta it can beat, every epoch is a new best', async () => {
    const { run, events, result } = start(settings({ epochs: 3, earlyStopping: { enabled: true, monitor: 'valLoss', patience: 1, minDelta: -NEVER, restoreBestWeights: true } }), { data: dataset({ validation: 0 }) });
    const end = (await result)!;
    assert.equal(end.status, 'completed');
    assert.deepEqual(ofType(events, 'checkpoint').map((c) => c.best), [true, true, true]);
    run.dispose();
  });
});

describe('pause, resume and stop', () => {
  test('a pause takes effect before the next batch; nothing trains until resume; the run ends exactly as an uninterrupted one', async () => {
    const plain = start(settings({ epochs: 2 }));
    await plain.result;
    plain.run.dispose();

    let batchesWhilePaused = 0;
    let pausedAt: number | null = null;
    const paused = start(settings({ epochs: 2 }), {
      onEvent: (e, run) => {
        if (e.type === 'batch' && e.epoch === 1 && e.batch === 1) {
          run.pause();
          assert.equal(run.paused, true);
        }
        if (e.type === 'batch' && pausedAt !== null) batchesWhilePaused++;
        if (e.type === 'paused') {
          pausedAt = performance.now();
          setTimeout(() => {
            assert.equal(run.paused, true);
            pausedAt = null;
            run.resume();
            assert.equal(run.paused, false);
          }, 30);
        }
      },
    });
    const end = (await paused.result)!;
    assert.equal(batchesWhilePaused, 0);
    const marks = paused.events.filter((e) => e.type === 'paused' || e.type === 'resumed');
    assert.deepEqual(marks, [
      { type: 'paused', runId: 'run-' + (runs), epoch: 1, batch: 2 },
      { type: 'resumed', runId: 'run-' + (runs), epoch: 1, batch: 2 },
    ]);
    const losses = (events: EngineEvent[]) => ofType(events, 'epoch').map((e) => [e.loss, e.valLoss]);
    assert.deepEqual(losses(paused.events), losses(plain.events));
    assert.equal(end.status, 'completed');
    paused.run.dispose();
  });

  test('resume without a pause changes nothing', async () => {
    const { run, result } = start(settings({ epochs: 1 }), { beforeRun: (r) => r.resume() });
    assert.equal((await result)!.status, 'completed');
    run.dispose();
  });

  test('stop while paused: no resumed event, the run ends stopped and keeps its last weights, not the best', async () => {
    const NEVER = 1e9;
    const { run, events, runDir, result } = start(settings({ epochs: 6, earlyStopping: { enabled: true, monitor: 'valLoss', patience: 5, minDelta: NEVER, restoreBestWeights: true } }), {
      onEvent: (e, r) => {
        if (e.type === 'checkpoint' && e.epoch === 2) r.pause();
        if (e.type === 'paused') setTimeout(() => r.stop(), 10);
      },
    });
    const end = (await result)!;
    assert.deepEqual(events.filter((e) => e.type === 'paused' || e.type === 'resumed').map((e) => e.type), ['paused']);
    assert.equal(end.status, 'stopped');
    assert.equal(end.epochs, 2);
    assert.equal(end.bestEpoch, 1);
    const second = ofType(events, 'epoch')[1]!;
    assert.equal(end.metrics.valLoss, second.valLoss, 'the last epoch\'s metrics: the best weights are not restored on stop');
    assert.ok((await weightBytes(join(runDir, 'model'))).equals(await weightBytes(join(runDir, 'checkpoints', 'epoch-002'))));
    run.dispose();
  });

  test('stopped before the first batch: the metrics are measured on the weights as they are, and the model saved', async () => {
    const { run, model, events, runDir, result } = start(settings({ epochs: 3 }), { beforeRun: (r) => r.stop() });
    const end = (await result)!;
    assert.deepEqual(events.map((e) => e.type), ['run-started', 'finished']);
    const data = dataset();
    const train = (await evaluateSplit(model, data.train, 3, 'sparse-categorical-crossentropy'))!;
    const val = (await evaluateSplit(model, data.validation, 3, 'sparse-categorical-crossentropy'))!;
    assert.deepEqual(end, {
      type: 'finished',
      runId: `run-${runs}`,
      runDir,
      status: 'stopped',
      epochs: 0,
      bestEpoch: null,
      metrics: { loss: train.loss, accuracy: train.accuracy, valLoss: val.loss, valAccuracy: val.accuracy },
      modelPath: join(runDir, 'model'),
    });
    assert.ok((await weightBytes(join(runDir, 'model'))).byteLength > 0);
    run.dispose();
  });

  test('stopped before the first batch without a validation split: no validation figures', async () => {
    const { run, result } = start(settings({ epochs: 3 }), { data: dataset({ validation: 0 }), beforeRun: (r) => r.stop() });
    const end = (await result)!;
    assert.equal(end.metrics.valLoss, null);
    assert.equal(end.metrics.valAccuracy, null);
    assert.ok(Number.isFinite(end.metrics.loss));
    run.dispose();
  });
});

describe('failures become error events', () => {
  /** A step schedule whose second epoch's rate is infinite: the first update of epoch 2 makes the weights infinite. */
  const blowsUpInEpochTwo = (batchSize: number) => settings({ epochs: 3, batchSize, schedule: { type: 'step', stepSize: 1, gamma: 1e300 } });

  test('a training loss that becomes NaN: where, the last good checkpoint, and what to do', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const s = blowsUpInEpochTwo(3);
    s.earlyStopping = { enabled: true, monitor: 'valLoss', patience: 5, minDelta: 0, restoreBestWeights: true };
    const { run, events, runDir, result } = start(s);
    assert.equal(await result, null, 'run() resolves to null');
    const error = events.at(-1) as RunErrorEvent;
    const checkpoint = join(runDir, 'checkpoints', 'epoch-001');
    assert.deepEqual(error, {
      type: 'error',
      runId: `run-${runs}`,
      message: `Training diverged: the loss became NaN at epoch 2, batch 2. The last good checkpoint is ${checkpoint}.`,
      hint: 'Lower the learning rate (it was 1e+299), add BatchNormalization, or check the data for broken images.',
      code: 'non-finite-loss',
      lastCheckpoint: checkpoint,
    });
    assert.ok(!events.some((e) => e.type === 'finished'));
    const log = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as EngineEvent);
    const { time: _time, ...logged } = log.at(-1) as EngineEvent & { time: string };
    assert.deepEqual(logged, error);
    run.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the kept best weights are freed on the way out');
  });

  test('a validation loss that becomes NaN while the training batch was still finite', async () => {
    // One batch per epoch: its loss is computed before the infinite update, the validation after it.
    const { run, events, result } = start(blowsUpInEpochTwo(64));
    assert.equal(await result, null);
    const error = events.at(-1) as RunErrorEvent;
    assert.equal(error.code, 'non-finite-loss');
    assert.match(error.message, /^Training diverged: the loss became NaN at epoch 2, batch 1\. The last good checkpoint is .*epoch-001\.$/);
    run.dispose();
  });

  test('diverging in the first epoch: no checkpoint yet', async () => {
    const { run, events, result } = start(settings({ epochs: 2, optimizer: { type: 'sgd', learningRate: 1e300, momentum: 0, nesterov: false } }));
    assert.equal(await result, null);
    const error = events.at(-1) as RunErrorEvent;
    assert.equal(error.message, 'Training diverged: the loss became NaN at epoch 1, batch 2. No checkpoint was written yet (it diverged in the first epoch).');
    assert.equal('lastCheckpoint' in error, false);
    run.dispose();
  });

  /** A dataset whose training images are read from a reader that fails on its `failAt`-th read. */
  function failingReader(failAt: number, error: Error): ImageDataset {
    const data = dataset();
    const memory = data.train as MemorySplit;
    let reads = 0;
    data.train = {
      ...memory,
      storage: 'stream',
      reader: {
        read: async (indices, start, end, target) => {
          if (++reads === failAt) throw error;
          for (let i = start; i < end; i++) target.set(memory.images.subarray(indices[i]! * 4, indices[i]! * 4 + 4), (i - start) * 4);
        },
      },
    };
    return data;
  }

  test('an allocation that fails is the machine\'s limit, said with the model\'s size and batch size', async () => {
    const { run, events, result } = start(settings({ epochs: 2 }), { data: failingReader(4, new RangeError('Array buffer allocation failed')) });
    assert.equal(await result, null);
    const error = events.at(-1) as RunErrorEvent;
    assert.equal(error.code, 'out-of-memory');
    assert.equal(error.message, 'Out of memory while training 23 parameters at batch size 3 (Array buffer allocation failed).');
    assert.ok(error.lastCheckpoint?.endsWith('epoch-001'));
    run.dispose();
  });

  test('a batch the model cannot take fails the step: the run ends with tfjs\' reason, not a hang', async () => {
    const data = dataset();
    // 3×3 images for a model built for 2×2.
    data.train = { ...split(8, 1), height: 3, width: 3, images: new Uint8Array(8 * 9).fill(100) };
    const { run, events, result } = start(settings({ epochs: 1 }), { data });
    assert.equal(await result, null);
    const error = events.at(-1) as RunErrorEvent;
    assert.equal(error.code, 'internal');
    assert.match(error.message, /each example has shape \[2,2,1\].*tensor shape \[3,3,3,1\]/);
    run.dispose();
  });

  test('any other failure is reported as it is, with no checkpoint when none was written', async () => {
    const { run, events, result } = start(settings({ epochs: 2 }), { data: failingReader(2, new Error('disk on fire')) });
    assert.equal(await result, null);
    const error = events.at(-1) as RunErrorEvent;
    assert.deepEqual([error.type, error.message, error.code, 'lastCheckpoint' in error], ['error', 'disk on fire', 'internal', false]);
    run.dispose();
  });
});

describe('fine-tuning: the second phase of transfer learning', () => {
  test('after phase 1\'s epochs, the chosen layers train at the rate × the factor for phase 2\'s epochs', async () => {
    let hiddenTrainable: boolean[] = [];
    const { run, model, events, result } = start(settings({ epochs: 2 }), {
      trainableHidden: false,
      fineTune: { epochs: 2, layerNames: ['hidden'], learningRateFactor: 0.1 },
      onEvent: (e, _run, m) => {
        if (e.type === 'epoch') hiddenTrainable.push(m.getLayer('hidden').trainable);
      },
    });
    const end = (await result)!;
    const started = events[0]!;
    assert.ok(started.type === 'run-started');
    assert.equal(started.epochs, 4);
    assert.equal(started.fineTuneFromEpoch, 3);
    assert.equal(started.trainableParams, 8);
    const fineTuning = ofType(events, 'fine-tuning');
    assert.deepEqual(fineTuning, [
      { type: 'fine-tuning', runId: `run-${runs}`, epoch: 3, epochs: 4, phaseOneEnded: 'epochs-done', restoredEpoch: null, learningRate: 0.1 * 0.1, layers: 1, trainableParams: 23 },
    ]);
    assert.ok(events.indexOf(fineTuning[0]!) === events.indexOf(ofType(events, 'checkpoint')[1]!) + 1, 'right after phase 1\'s last checkpoint');
    assert.deepEqual(ofType(events, 'epoch').map((e) => e.learningRate), [0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1]);
    assert.deepEqual(hiddenTrainable, [false, false, true, true]);
    assert.equal(end.status, 'completed');
    assert.equal(end.epochs, 4);
    assert.equal(model.getLayer('hidden').trainable, true);
    run.dispose();
  });

  test('early stopping ends phase 1 (from its best weights), and then ends the run in phase 2', async () => {
    const tensorsBefore = tf.memory().numTensors;
    let bestWeights: Float32Array[] = [];
    let restoredWeights: Float32Array[] = [];
    // By layer: getWeights() lists trainable weights first, and phase 2 changes which those are.
    const weightsOf = (m: tfl.LayersModel) => ['hidden', 'head'].flatMap((name) => m.getLayer(name).getWeights().map((w) => w.dataSync() as Float32Array));
    const { run, events, result } = start(
      settings({ epochs: 5, earlyStopping: { enabled: true, monitor: 'valLoss', patience: 1, minDelta: 1e9, restoreBestWeights: true } }),
      {
        trainableHidden: false,
        fineTune: { epochs: 5, layerNames: ['hidden'], learningRateFactor: 0.5 },
        onEvent: (e, _run, m) => {
          if (e.type === 'checkpoint' && e.epoch === 1) bestWeights = weightsOf(m);
          if (e.type === 'fine-tuning') restoredWeights = weightsOf(m);
        },
      },
    );
    const end = (await result)!;
    const [fineTuning] = ofType(events, 'fine-tuning');
    assert.deepEqual(fineTuning, { type: 'fine-tuning', runId: `run-${runs}`, epoch: 3, epochs: 7, phaseOneEnded: 'early-stopped', restoredEpoch: 1, learningRate: 0.05, layers: 1, trainableParams: 23 });
    assert.deepEqual(restoredWeights, bestWeights, 'phase 2 starts from phase 1\'s best epoch');
    // Phase 2 judges itself afresh: its first epoch is a new best, its second is not and ends the run.
    assert.deepEqual(ofType(events, 'checkpoint').map((c) => [c.epoch, c.best]), [[1, true], [2, false], [3, true], [4, false]]);
    assert.equal(end.status, 'early-stopped');
    assert.equal(end.epochs, 4);
    assert.equal(end.bestEpoch, 3);
    const third = ofType(events, 'epoch')[2]!;
    assert.equal(end.metrics.valLoss, third.valLoss, 'phase 2\'s best is restored at the end');
    run.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'phase 1\'s kept weights are freed when phase 2 starts');
  });
});
