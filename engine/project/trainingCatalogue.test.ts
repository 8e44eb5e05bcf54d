/**
 * The training catalogue the Train panel draws from is the rule the engine
 * checks project files with: every choice's defaults pass the check, and each
 * range's edge is accepted while a value just past it is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTrainingSettings } from './schema.js';
import type { TrainingSettings } from '../protocol.js';
import { checkTrainingSettings } from './trainingSettings.js';
import { OPTIMIZER_CHOICES, SCHEDULE_CHOICES, TRAINING_RANGES, optimizerDefaults, scheduleDefaults } from './trainingCatalogue.js';

const base = (): TrainingSettings => structuredClone(defaultTrainingSettings());

test("every optimizer's and schedule's defaults pass the engine's check", () => {
  for (const { value } of OPTIMIZER_CHOICES) {
    const optimizer = optimizerDefaults(value, 0.01);
    assert.equal(optimizer.learningRate, 0.01, 'the learning rate already set is kept');
    assert.doesNotThrow(() => checkTrainingSettings({ ...base(), optimizer }), value);
  }
  for (const { value } of SCHEDULE_CHOICES) {
    assert.equal(scheduleDefaults(value).type, value);
    assert.doesNotThrow(() => checkTrainingSettings({ ...base(), schedule: scheduleDefaults(value) }), value);
  }
});

test("the catalogue's ranges are the ones the engine checks", () => {
  const sgd = (momentum: number) => ({ ...base(), optimizer: { ...optimizerDefaults('sgd', 0.01), momentum } as TrainingSettings['optimizer'] });
  assert.doesNotThrow(() => checkTrainingSettings(sgd(TRAINING_RANGES.momentum.max)));
  assert.throws(() => checkTrainingSettings(sgd(TRAINING_RANGES.momentum.max + 0.01)), /training\.optimizer\.momentum is 1\.01; it must be a number from 0 to 1/);
  assert.throws(() => checkTrainingSettings({ ...base(), epochs: TRAINING_RANGES.epochs.min - 1 }), /training\.epochs is 0; it must be a whole number of at least 1/);
  assert.throws(
    () => checkTrainingSettings({ ...base(), optimizer: { ...base().optimizer, learningRate: TRAINING_RANGES.learningRate.min } }),
    /training\.optimizer\.learningRate is 0; it must be a number greater than 0/,
  );
  const plateau = (factor: number) => ({ ...base(), schedule: { ...scheduleDefaults('reduce-on-plateau'), factor } as TrainingSettings['schedule'] });
  assert.doesNotThrow(() => checkTrainingSettings(plateau(TRAINING_RANGES.factor.max)));
  assert.throws(() => checkTrainingSettings(plateau(-0.1)), /schedule\.factor is -0\.1/);
});
