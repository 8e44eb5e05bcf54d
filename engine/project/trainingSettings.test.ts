/**
 * checkTrainingSettings: the optimizers besides Adam (RMSprop, Adagrad,
 * SGD with momentum and Nesterov) accepted with their settings and refused
 * outside their ranges; the seed, the initial weights, the transfer settings
 * and the bases URL. Every refusal names the setting by its path in the
 * project file, the value found and what it must be.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StudioError } from '../errors.js';
import { defaultTrainingSettings, type TrainingSettings } from './schema.js';
import { optimizerDefaults } from './trainingCatalogue.js';
import { checkTrainingSettings } from './trainingSettings.js';

/** The default settings with `change` applied (a shallow merge; `optimizer` and `transfer` replace). */
function settings(change: Record<string, unknown>): TrainingSettings {
  return { ...defaultTrainingSettings(), ...change } as TrainingSettings;
}

function refusal(change: Record<string, unknown>): string {
  let error: StudioError | undefined;
  try {
    checkTrainingSettings(settings(change), 'p.cnnstudio.json');
  } catch (e) {
    error = e as StudioError;
  }
  assert.ok(error, `accepted ${JSON.stringify(change)}`);
  assert.equal(error.code, 'invalid-training-setting');
  return error.message;
}

const TRANSFER = { head: 'dense', fineTuneBlocks: 2, fineTuneEpochs: 3, fineTuneLearningRateFactor: 0.1 };

describe('the optimizers besides Adam', () => {
  test('RMSprop, Adagrad and SGD with momentum and Nesterov are accepted with their catalogue defaults and with settings at the ends of their ranges', () => {
    for (const type of ['rmsprop', 'adagrad', 'sgd'] as const) checkTrainingSettings(settings({ optimizer: optimizerDefaults(type, 0.01) }));
    checkTrainingSettings(settings({ optimizer: { type: 'rmsprop', learningRate: 0.001, rho: 1, momentum: 0.9, epsilon: 1e-9 } }));
    checkTrainingSettings(settings({ optimizer: { type: 'sgd', learningRate: 0.1, momentum: 1, nesterov: true, clipNorm: 1 } }));
    checkTrainingSettings(settings({ optimizer: { type: 'adagrad', learningRate: 0.1, initialAccumulatorValue: 1e-6 } }));
  });

  test('RMSprop: rho, momentum and epsilon refused outside their ranges, by path', () => {
    const rmsprop = optimizerDefaults('rmsprop', 0.001);
    assert.equal(refusal({ optimizer: { ...rmsprop, rho: 1.5 } }), 'p.cnnstudio.json: training.optimizer.rho is 1.5; it must be a number from 0 to 1.');
    assert.equal(refusal({ optimizer: { ...rmsprop, momentum: -0.1 } }), 'p.cnnstudio.json: training.optimizer.momentum is -0.1; it must be a number from 0 to 1.');
    assert.equal(refusal({ optimizer: { ...rmsprop, epsilon: 0 } }), 'p.cnnstudio.json: training.optimizer.epsilon is 0; it must be a number greater than 0.');
    assert.equal(refusal({ optimizer: { ...rmsprop, rho: undefined } }), 'p.cnnstudio.json: training.optimizer.rho is undefined; it must be a number from 0 to 1.');
  });

  test('Adagrad: the initial accumulator must be above 0', () => {
    assert.equal(
      refusal({ optimizer: { type: 'adagrad', learningRate: 0.01, initialAccumulatorValue: 0 } }),
      'p.cnnstudio.json: training.optimizer.initialAccumulatorValue is 0; it must be a number greater than 0.',
    );
    assert.match(refusal({ optimizer: { type: 'adagrad', learningRate: 0.01, initialAccumulatorValue: 'high' } }), /initialAccumulatorValue is "high"/);
  });

  test('SGD: momentum from 0 to 1 and Nesterov true or false', () => {
    assert.equal(refusal({ optimizer: { type: 'sgd', learningRate: 0.01, momentum: 2, nesterov: false } }), 'p.cnnstudio.json: training.optimizer.momentum is 2; it must be a number from 0 to 1.');
    assert.equal(refusal({ optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9, nesterov: 'yes' } }), 'p.cnnstudio.json: training.optimizer.nesterov is "yes"; it must be true or false.');
    assert.equal(refusal({ optimizer: { type: 'sgd', learningRate: 0.01, momentum: 0.9, nesterov: false, clipNorm: 0 } }), 'p.cnnstudio.json: training.optimizer.clipNorm is 0; it must be a number greater than 0.');
  });
});

describe('the other settings', () => {
  test('the seed is a whole number', () => {
    assert.equal(refusal({ seed: 1.5 }), 'p.cnnstudio.json: training.seed is 1.5; it must be a whole number.');
    assert.equal(refusal({ seed: '42' }), 'p.cnnstudio.json: training.seed is "42"; it must be a whole number.');
  });

  test('initialWeights: a path or null; blank or not a string is refused', () => {
    checkTrainingSettings(settings({ initialWeights: null }));
    checkTrainingSettings(settings({ initialWeights: 'runs/run-1' }));
    assert.equal(refusal({ initialWeights: '  ' }), 'p.cnnstudio.json: training.initialWeights is "  "; it must be the path of a run, model or export folder, or null.');
    assert.match(refusal({ initialWeights: 7 }), /^p\.cnnstudio\.json: training\.initialWeights is 7;/);
  });

  test('transfer: an object whose head is a node id or null; its bases URL http(s), blank or null', () => {
    checkTrainingSettings(settings({ transfer: { ...TRANSFER, head: null, basesUrl: '' } }));
    checkTrainingSettings(settings({ transfer: { ...TRANSFER, basesUrl: ' https://mirror.example/bases/ ' } }));
    checkTrainingSettings(settings({ transfer: { ...TRANSFER, basesUrl: null } }));
    assert.equal(refusal({ transfer: null }), 'p.cnnstudio.json: training.transfer is null; it must be an object.');
    assert.equal(refusal({ transfer: 'mobilenet' }), 'p.cnnstudio.json: training.transfer is "mobilenet"; it must be an object.');
    assert.equal(refusal({ transfer: { ...TRANSFER, head: 3 } }), 'p.cnnstudio.json: training.transfer.head is 3; it must be a node id or null.');
    const want = 'it must be an http:// or https:// address (or null for the default).';
    assert.equal(refusal({ transfer: { ...TRANSFER, basesUrl: 'mirror/bases' } }), `p.cnnstudio.json: training.transfer.basesUrl is "mirror/bases"; ${want}`);
    assert.equal(refusal({ transfer: { ...TRANSFER, basesUrl: 'ftp://mirror/bases' } }), `p.cnnstudio.json: training.transfer.basesUrl is "ftp://mirror/bases"; ${want}`);
    assert.equal(refusal({ transfer: { ...TRANSFER, basesUrl: 5 } }), `p.cnnstudio.json: training.transfer.basesUrl is 5; ${want}`);
  });

  test('the hint says which setting to change and to what', () => {
    try {
      checkTrainingSettings(settings({ seed: -0.5 }));
      assert.fail('accepted');
    } catch (e) {
      assert.equal((e as StudioError).hint, 'Set training.seed to a whole number.');
      assert.match((e as StudioError).message, /^project: /, 'the source defaults to "project"');
    }
  });
});
