/**
 * Checks of training settings that no type can express (an epoch count of 0,
 * a learning rate of "fast"). Each error names the setting by its path in the
 * project file, so the CLI, the window and a hand-editor all know what to fix.
 */
import { StudioError } from '../errors.js';
import type { TrainingSettings } from './schema.js';
import { LOSS_CHOICES, MONITOR_CHOICES, OPTIMIZER_CHOICES, SCHEDULE_CHOICES, TRAINING_RANGES as R, type SettingRange } from './trainingCatalogue.js';

// The choices and ranges are the catalogue's (trainingCatalogue.ts), which the window draws its fields from.
const OPTIMIZERS = OPTIMIZER_CHOICES.map((c) => c.value);
const SCHEDULES = SCHEDULE_CHOICES.map((c) => c.value);
const LOSSES = LOSS_CHOICES.map((c) => c.value);
const MONITORS = MONITOR_CHOICES.map((c) => c.value);

export function checkTrainingSettings(t: TrainingSettings, source = 'project'): void {
  const fail = (path: string, value: unknown, want: string): never => {
    throw new StudioError(
      `${source}: training.${path} is ${JSON.stringify(value)}; it must be ${want}.`,
      `Set training.${path} to ${want}.`,
      'invalid-training-setting',
    );
  };
  const nonNegativeInt = (path: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(path, v, 'a whole number of at least 0');
  };
  const inRange = (path: string, v: unknown, lo: number, hi: number) => {
    if (typeof v !== 'number' || !(v >= lo && v <= hi)) fail(path, v, `a number from ${lo} to ${hi}`);
  };
  const oneOf = (path: string, v: unknown, options: string[]) => {
    if (typeof v !== 'string' || !options.includes(v)) fail(path, v, `one of ${options.join(', ')}`);
  };
  /** A number in the catalogue's range, worded as the checks above word it. */
  const within = (path: string, v: unknown, range: SettingRange) => {
    if (range.integer) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min) fail(path, v, `a whole number of at least ${range.min}`);
    } else if (range.minExclusive && range.max === undefined) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= range.min) fail(path, v, `a number greater than ${range.min}`);
    } else inRange(path, v, range.min, range.max ?? Number.MAX_VALUE);
  };

  within('epochs', t.epochs, R.epochs);
  within('batchSize', t.batchSize, R.batchSize);
  if (typeof t.seed !== 'number' || !Number.isInteger(t.seed)) fail('seed', t.seed, 'a whole number');
  if (t.initialWeights !== undefined && t.initialWeights !== null && (typeof t.initialWeights !== 'string' || !t.initialWeights.trim())) {
    fail('initialWeights', t.initialWeights, 'the path of a run, model or export folder, or null');
  }
  oneOf('loss', t.loss, LOSSES);

  const o = t.optimizer;
  oneOf('optimizer.type', o?.type, OPTIMIZERS);
  within('optimizer.learningRate', o.learningRate, R.learningRate);
  if (o.type === 'sgd') {
    within('optimizer.momentum', o.momentum, R.momentum);
    if (typeof o.nesterov !== 'boolean') fail('optimizer.nesterov', o.nesterov, 'true or false');
  } else if (o.type === 'adam') {
    within('optimizer.beta1', o.beta1, R.beta);
    within('optimizer.beta2', o.beta2, R.beta);
    within('optimizer.epsilon', o.epsilon, R.epsilon);
  } else if (o.type === 'rmsprop') {
    within('optimizer.rho', o.rho, R.rho);
    within('optimizer.momentum', o.momentum, R.momentum);
    within('optimizer.epsilon', o.epsilon, R.epsilon);
  } else if (o.type === 'adagrad') {
    within('optimizer.initialAccumulatorValue', o.initialAccumulatorValue, R.initialAccumulatorValue);
  }

  if (o.clipNorm !== undefined && o.clipNorm !== null) within('optimizer.clipNorm', o.clipNorm, R.clipNorm);
  if (t.gradientHealthEvery !== undefined) nonNegativeInt('gradientHealthEvery', t.gradientHealthEvery);

  const s = t.schedule;
  oneOf('schedule.type', s?.type, SCHEDULES);
  if (s.type === 'step') {
    within('schedule.stepSize', s.stepSize, R.stepSize);
    within('schedule.gamma', s.gamma, R.gamma);
  } else if (s.type === 'exponential') {
    within('schedule.gamma', s.gamma, R.gamma);
  } else if (s.type === 'cosine') {
    within('schedule.minLearningRate', s.minLearningRate, R.minLearningRate);
  } else if (s.type === 'reduce-on-plateau') {
    within('schedule.factor', s.factor, R.factor);
    within('schedule.patience', s.patience, R.patience);
    within('schedule.minLearningRate', s.minLearningRate, R.minLearningRate);
    oneOf('schedule.monitor', s.monitor, MONITORS);
  }

  const tr = t.transfer;
  if (tr !== undefined) {
    if (tr === null || typeof tr !== 'object') fail('transfer', tr, 'an object');
    if (tr.head !== null && typeof tr.head !== 'string') fail('transfer.head', tr.head, 'a node id or null');
    nonNegativeInt('transfer.fineTuneBlocks', tr.fineTuneBlocks);
    nonNegativeInt('transfer.fineTuneEpochs', tr.fineTuneEpochs);
    const factor = tr.fineTuneLearningRateFactor;
    if (typeof factor !== 'number' || !(factor > 0 && factor <= 1)) fail('transfer.fineTuneLearningRateFactor', factor, 'a number greater than 0 and at most 1');
    const url = tr.basesUrl;
    if (url !== undefined && url !== null && (typeof url !== 'string' || !isHttpUrl(url))) fail('transfer.basesUrl', url, 'an http:// or https:// address (or null for the default)');
  }

  const es = t.earlyStopping;
  if (typeof es?.enabled !== 'boolean') fail('earlyStopping.enabled', es?.enabled, 'true or false');
  if (es.enabled) {
    oneOf('earlyStopping.monitor', es.monitor, MONITORS);
    within('earlyStopping.patience', es.patience, R.patience);
    within('earlyStopping.minDelta', es.minDelta, R.minDelta);
  }
}

/** A mirror of the pretrained bases is reached over HTTP(S); an empty string means the default. */
function isHttpUrl(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
