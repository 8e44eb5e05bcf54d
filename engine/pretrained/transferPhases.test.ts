/**
 * The two phases of transfer learning as a run lives them, through the real
 * engine (train.start) on the mobilenetv2-imagenet template at 32 px (the
 * same weights fit any input size; small keeps the test cheap) with a base
 * served from 127.0.0.1 and real Fashion-MNIST images:
 * - phase 2 runs the project's schedule again from its start, × the factor
 *   (the rates read back from the run's metrics.jsonl);
 * - early stopping in phase 1 ends phase 1, not the run: phase 2 starts from
 *   phase 1's best weights (restoreBestWeights) and early stopping in phase 2
 *   ends the run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { writeFashionFolder } from '../testing/exportFixtures.js';
import type { ProjectFile, TrainingSettings } from '../project/schema.js';
import { createProject } from '../graph/templates.js';
import { checkTrainingSettings } from '../project/trainingSettings.js';
import type { EngineEvent, FineTuningEvent } from '../protocol.js';
import { loadModelFolder } from '../model/modelFiles.js';
import { phaseTwoSchedule } from '../train/transferPhases.js';
import { DATA_FOLDER_ENV } from './cacheFolder.js';
import { randomBaseModel, serveFolder, writeTfjsBaseFixture, type FixtureServer } from '../testing/pretrainedBases.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${what}: ${a} ≈ ${b}`);

describe('phase 2 schedule (pure)', () => {
  test('the schedule restarts over phase 2, every rate × the factor, minimums too', () => {
    const cosine = phaseTwoSchedule({ type: 'cosine', minLearningRate: 0.001 }, 0.01, { epochs: 3, learningRateFactor: 0.1 });
    close(cosine.rateForEpoch(1), 0.001, 'cosine starts at lr × factor');
    close(cosine.rateForEpoch(3), 0.0001, 'cosine ends at its minimum × factor on phase 2\'s last epoch');
    const step = phaseTwoSchedule({ type: 'step', stepSize: 2, gamma: 0.5 }, 0.01, { epochs: 4, learningRateFactor: 0.1 });
    [0.001, 0.001, 0.0005, 0.0005].forEach((want, i) => close(step.rateForEpoch(i + 1), want, `step epoch ${i + 1}`));
  });

  test('bad transfer settings are refused naming the setting', () => {
    const base = createProject('mobilenetv2-imagenet').training;
    const refused = (transfer: Partial<NonNullable<TrainingSettings['transfer']>>, name: RegExp) =>
      assert.throws(() => checkTrainingSettings({ ...base, transfer: { ...base.transfer!, ...transfer } }), name);
    refused({ fineTuneEpochs: 1.5 }, /training\.transfer\.fineTuneEpochs is 1\.5; it must be a whole number of at least 0/);
    refused({ fineTuneBlocks: -1 }, /training\.transfer\.fineTuneBlocks is -1/);
    refused({ fineTuneLearningRateFactor: 0 }, /training\.transfer\.fineTuneLearningRateFactor is 0; it must be a number greater than 0 and at most 1/);
    refused({ basesUrl: 'ftp://mirror.example/' }, /training\.transfer\.basesUrl is "ftp:\/\/mirror\.example\/"; it must be an http:\/\/ or https:\/\/ address/);
    checkTrainingSettings({ ...base, transfer: { ...base.transfer!, basesUrl: 'http://127.0.0.1:8080/bases/' } });
    checkTrainingSettings({ ...base, transfer: { ...base.transfer!, basesUrl: null } });
  });
});

describe('a transfer run: schedule per phase, early stopping per phase', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let server: FixtureServer;
  let runDir: string;
  const events: EngineEvent[] = [];
  const LR = 0.001;
  // Phase 2 at a rate far below float32's resolution of the weights: what phase 2 starts from is
  // what its first checkpoint holds, bit for bit, so the restored weights can be seen.
  const FACTOR = 1e-20;

  before(async () => {
    await tf.setBackend('cpu');
    temp = await makeTempDir('transfer-phases-');
    const source = await randomBaseModel(0.35, 224, 5);
    await writeTfjsBaseFixture(source, join(temp.dir, 'mirror'));
    source.dispose();
    server = await serveFolder(join(temp.dir, 'mirror'));
    process.env[DATA_FOLDER_ENV] = join(temp.dir, 'user-data');
    const data = await writeFashionFolder(join(temp.dir, 'fashion'), { classes: [0, 1, 7], perClass: 6, split: 'train' });
    const created = createProject('mobilenetv2-imagenet');
    const project: ProjectFile = {
      ...created,
      graph: { ...created.graph, nodes: created.graph.nodes.map((n) => (n.type === 'Input' ? { ...n, params: { shape: [32, 32, 3] } } : n)) },
      data: { ...created.data, path: data, validationSplit: 0.34 },
      training: {
        ...created.training,
        epochs: 5,
        batchSize: 12,
        optimizer: { type: 'adam', learningRate: LR, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
        schedule: { type: 'step', stepSize: 1, gamma: 0.5 },
        // No epoch after the first can beat it by a billion: both phases stop after patience 1.
        earlyStopping: { enabled: true, monitor: 'valLoss', patience: 1, minDelta: 1e9, restoreBestWeights: true },
        // The base URL comes from the project's own setting (no run option, no environment variable).
        transfer: { head: 'predictions', fineTuneBlocks: 1, fineTuneEpochs: 3, fineTuneLearningRateFactor: FACTOR, basesUrl: server.url },
      },
    };
    const engine = new Engine({ backend: 'cpu' });
    engine.onEvent((e) => events.push(e));
    ({ runDir } = await engine.execute({ type: 'train.start', project }));
    await engine.idle();
  });

  after(async () => {
    delete process.env[DATA_FOLDER_ENV];
    await server.close();
    await temp.remove();
  });

  test('the base came from the project\'s base URL; phase 1 stopped early and phase 2 began at once', () => {
    const failure = events.find((e) => e.type === 'error');
    assert.equal(failure, undefined, JSON.stringify(failure));
    assert.ok(server.requests.length > 0, 'the mirror named in training.transfer.basesUrl was asked');
    const fineTuning = events.filter((e): e is FineTuningEvent => e.type === 'fine-tuning');
    assert.equal(fineTuning.length, 1);
    assert.deepEqual(
      { epoch: fineTuning[0]!.epoch, epochs: fineTuning[0]!.epochs, phaseOneEnded: fineTuning[0]!.phaseOneEnded, restoredEpoch: fineTuning[0]!.restoredEpoch },
      { epoch: 3, epochs: 5, phaseOneEnded: 'early-stopped', restoredEpoch: 1 },
    );
    const started = events.find((e) => e.type === 'run-started');
    assert.equal(started?.type === 'run-started' && started.epochs, 8, 'planned: 5 + 3');
  });

  test('early stopping in phase 2 ends the run', () => {
    const finished = events.find((e) => e.type === 'finished');
    assert.ok(finished?.type === 'finished');
    assert.equal(finished.status, 'early-stopped');
    assert.equal(finished.epochs, 4);
    assert.equal(finished.bestEpoch, 3, "phase 2's own best");
  });

  test('the rates used per epoch (from metrics.jsonl): the step schedule in phase 1, restarted × the factor in phase 2', async () => {
    const lines = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as EngineEvent);
    const rates = lines.flatMap((e) => (e.type === 'epoch' ? [[e.epoch, e.learningRate] as const] : []));
    assert.deepEqual(rates.map(([epoch]) => epoch), [1, 2, 3, 4]);
    const want = [LR, LR / 2, LR * FACTOR, (LR * FACTOR) / 2];
    rates.forEach(([epoch, rate], i) => close(rate, want[i]!, `epoch ${epoch}`));
    assert.ok(lines.some((e) => e.type === 'fine-tuning'), 'the phase change is in the log');
  });

  test("phase 2 started from phase 1's best epoch (1), not its last (2)", async () => {
    // By name: getWeights() lists trainable weights first, and phase 2 changed which those are.
    const weights = async (epoch: number) => {
      const { model } = await loadModelFolder(join(runDir, 'checkpoints', `epoch-00${epoch}`));
      const values = new Map(model.weights.map((w) => [w.originalName, (w.read().dataSync() as Float32Array).slice()]));
      model.dispose();
      return values;
    };
    const [one, two, three] = [await weights(1), await weights(2), await weights(3)];
    const maxDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>) => {
      assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
      return Math.max(...[...a].map(([name, w]) => w.reduce((m, v, j) => Math.max(m, Math.abs(v - b.get(name)![j]!)), 0)));
    };
    assert.ok(maxDiff(one, two) > 1e-6, 'phase 1 moved the head in epoch 2');
    assert.equal(maxDiff(one, three), 0, "epoch 3 (phase 2, at a vanishing rate) holds epoch 1's weights");
  });
});
