/**
 * SGD with momentum (plain and Nesterov), RMSprop and Adagrad: their settings
 * are checked by name, each is built with its own hyperparameters in tfjs'
 * argument order, a schedule can change its rate, and each trains the tiny
 * CNN on real PNG files (the loss falls).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { isStudioError } from '../errors.js';
import { defaultTrainingSettings, type OptimizerSettings } from '../project/schema.js';
import { checkTrainingSettings } from '../project/trainingSettings.js';
import type { EngineEvent } from '../protocol.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { createOptimizer, setLearningRate } from './optimizers.js';

const OPTIMIZERS: OptimizerSettings[] = [
  { type: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: false },
  { type: 'sgd', learningRate: 0.05, momentum: 0.8, nesterov: true },
  { type: 'rmsprop', learningRate: 0.003, rho: 0.85, momentum: 0.1, epsilon: 1e-6 },
  { type: 'adagrad', learningRate: 0.05, initialAccumulatorValue: 0.2 },
];

let data: string;
let temp: { dir: string; remove: () => Promise<void> };

before(async () => {
  data = await writePatternFolder({ perClass: 10, size: 12, seed: 11 });
  temp = await makeTempDir('optimizers-');
});

after(async () => {
  await rm(data, { recursive: true, force: true });
  await temp.remove();
});

const withOptimizer = (optimizer: unknown) => ({ ...defaultTrainingSettings(), optimizer: optimizer as OptimizerSettings });

test('valid momentum-SGD, RMSprop and Adagrad settings pass the checks', () => {
  for (const optimizer of OPTIMIZERS) checkTrainingSettings(withOptimizer(optimizer));
});

test('each bad hyperparameter is refused by its path in the project file', () => {
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ type: 'sgd', learningRate: 0.1, momentum: 1.5, nesterov: false }, 'optimizer.momentum', 'a number from 0 to 1'],
    [{ type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: 'yes' }, 'optimizer.nesterov', 'true or false'],
    [{ type: 'sgd', learningRate: 0, momentum: 0.9, nesterov: false }, 'optimizer.learningRate', 'a number greater than 0'],
    [{ type: 'rmsprop', learningRate: 0.001, rho: -0.1, momentum: 0, epsilon: 1e-7 }, 'optimizer.rho', 'a number from 0 to 1'],
    [{ type: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 2, epsilon: 1e-7 }, 'optimizer.momentum', 'a number from 0 to 1'],
    [{ type: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 0 }, 'optimizer.epsilon', 'a number greater than 0'],
    [{ type: 'adagrad', learningRate: 0.01, initialAccumulatorValue: 0 }, 'optimizer.initialAccumulatorValue', 'a number greater than 0'],
    [{ type: 'adagrad', learningRate: 0.01, initialAccumulatorValue: 'lots' }, 'optimizer.initialAccumulatorValue', 'a number greater than 0'],
    [{ type: 'nadam', learningRate: 0.01 }, 'optimizer.type', 'one of sgd, adam, rmsprop, adagrad'],
  ];
  for (const [optimizer, path, want] of cases) {
    const field = path.split('.')[1]!;
    assert.throws(
      () => checkTrainingSettings(withOptimizer(optimizer), 'p.cnnstudio.json'),
      (e: unknown) => {
        assert.ok(isStudioError(e));
        assert.equal(e.code, 'invalid-training-setting');
        assert.equal(e.message, `p.cnnstudio.json: training.${path} is ${JSON.stringify(optimizer[field])}; it must be ${want}.`);
        assert.equal(e.hint, `Set training.${path} to ${want}.`);
        return true;
      },
      path,
    );
  }
});

test('each optimizer is built with its own hyperparameters, and a schedule changes its rate', async () => {
  await selectBackend('cpu');
  const configs = OPTIMIZERS.map((settings) => {
    const optimizer = createOptimizer(settings);
    const built = { name: optimizer.getClassName(), ...optimizer.getConfig() };
    setLearningRate(optimizer, 0.0123);
    const rescheduled = optimizer.getConfig()['learningRate'];
    optimizer.dispose();
    return { built, rescheduled };
  });
  assert.deepEqual(configs.map((c) => c.built), [
    { name: 'Momentum', learningRate: 0.05, momentum: 0.9, useNesterov: false },
    { name: 'Momentum', learningRate: 0.05, momentum: 0.8, useNesterov: true },
    { name: 'RMSProp', learningRate: 0.003, decay: 0.85, momentum: 0.1, epsilon: 1e-6, centered: false },
    { name: 'Adagrad', learningRate: 0.05, initialAccumulatorValue: 0.2 },
  ]);
  assert.deepEqual(configs.map((c) => c.rescheduled), [0.0123, 0.0123, 0.0123, 0.0123]);
  const plain = createOptimizer({ type: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false });
  assert.equal(plain.getClassName(), 'SGD', 'no momentum: plain SGD');
  plain.dispose();
});

test('each trains the tiny CNN on real images: the loss falls, and each optimizer ends somewhere else', async () => {
  const finalLosses: number[] = [];
  for (const [i, optimizer] of OPTIMIZERS.entries()) {
    const engine = new Engine({ backend: 'cpu' });
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const project = tinyCnnProject({ size: 12, data: { validationSplit: 0.2 }, training: { epochs: 3, optimizer } });
    await engine.execute({ type: 'train.start', project, options: { dataPath: data, runDir: join(temp.dir, `run-${i}`) } });
    await engine.idle();
    const end = events.at(-1)!;
    assert.ok(end.type === 'finished' && end.status === 'completed', `${optimizer.type}: ${JSON.stringify(end)}`);
    const losses = events.flatMap((e) => (e.type === 'epoch' ? [e.loss] : []));
    assert.equal(losses.length, 3);
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[2]! < losses[0]!, `${optimizer.type} (${JSON.stringify(optimizer)}): losses ${losses.join(', ')}`);
    finalLosses.push(losses[2]!);
  }
  assert.equal(new Set(finalLosses).size, OPTIMIZERS.length, `final losses ${finalLosses.join(', ')}`);
});
