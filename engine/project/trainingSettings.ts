/**
 * Checks of training settings that no type can express (an epoch count of 0,
 * a learning rate of "fast"). Each error names the setting by its path in the
 * project file, so the CLI, the window and a hand-editor all know what to fix.
 */
import { StudioError } from '../errors.js';
import type { TrainingSettings } from '../graph/schema.js';

const OPTIMIZERS = ['sgd', 'adam', 'rmsprop', 'adagrad'];
const SCHEDULES = ['constant', 'step', 'exponential', 'cosine', 'reduce-on-plateau'];
const LOSSES = ['sparse-categorical-crossentropy', 'binary-crossentropy'];
const MONITORS = ['valLoss', 'valAccuracy'];

export function checkTrainingSettings(t: TrainingSettings, source = 'project'): void {
  const fail = (path: string, value: unknown, want: string): never => {
    throw new StudioError(
      `${source}: training.${path} is ${JSON.stringify(value)}; it must be ${want}.`,
      `Set training.${path} to ${want}.`,
      'invalid-training-setting',
    );
  };
  const positiveInt = (path: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(path, v, 'a whole number of at least 1');
  };
  const nonNegativeInt = (path: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(path, v, 'a whole number of at least 0');
  };
  const positive = (path: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(path, v, 'a number greater than 0');
  };
  const inRange = (path: string, v: unknown, lo: number, hi: number) => {
    if (typeof v !== 'number' || !(v >= lo && v <= hi)) fail(path, v, `a number from ${lo} to ${hi}`);
  };
  const oneOf = (path: string, v: unknown, options: string[]) => {
    if (typeof v !== 'string' || !options.includes(v)) fail(path, v, `one of ${options.join(', ')}`);
  };

  positiveInt('epochs', t.epochs);
  positiveInt('batchSize', t.batchSize);
  if (typeof t.seed !== 'number' || !Number.isInteger(t.seed)) fail('seed', t.seed, 'a whole number');
  if (t.initialWeights !== undefined && t.initialWeights !== null && (typeof t.initialWeights !== 'string' || !t.initialWeights.trim())) {
    fail('initialWeights', t.initialWeights, 'the path of a run, model or export folder, or null');
  }
  oneOf('loss', t.loss, LOSSES);

  const o = t.optimizer;
  oneOf('optimizer.type', o?.type, OPTIMIZERS);
  positive('optimizer.learningRate', o.learningRate);
  if (o.type === 'sgd') {
    inRange('optimizer.momentum', o.momentum, 0, 1);
    if (typeof o.nesterov !== 'boolean') fail('optimizer.nesterov', o.nesterov, 'true or false');
  } else if (o.type === 'adam') {
    inRange('optimizer.beta1', o.beta1, 0, 0.999999);
    inRange('optimizer.beta2', o.beta2, 0, 0.999999);
    positive('optimizer.epsilon', o.epsilon);
  } else if (o.type === 'rmsprop') {
    inRange('optimizer.rho', o.rho, 0, 1);
    inRange('optimizer.momentum', o.momentum, 0, 1);
    positive('optimizer.epsilon', o.epsilon);
  } else if (o.type === 'adagrad') {
    positive('optimizer.initialAccumulatorValue', o.initialAccumulatorValue);
  }

  if (o.clipNorm !== undefined && o.clipNorm !== null) positive('optimizer.clipNorm', o.clipNorm);
  if (t.gradientHealthEvery !== undefined) nonNegativeInt('gradientHealthEvery', t.gradientHealthEvery);

  const s = t.schedule;
  oneOf('schedule.type', s?.type, SCHEDULES);
  if (s.type === 'step') {
    positiveInt('schedule.stepSize', s.stepSize);
    inRange('schedule.gamma', s.gamma, 0, 1);
  } else if (s.type === 'exponential') {
    inRange('schedule.gamma', s.gamma, 0, 1);
  } else if (s.type === 'cosine') {
    inRange('schedule.minLearningRate', s.minLearningRate, 0, Number.MAX_VALUE);
  } else if (s.type === 'reduce-on-plateau') {
    inRange('schedule.factor', s.factor, 0, 1);
    nonNegativeInt('schedule.patience', s.patience);
    inRange('schedule.minLearningRate', s.minLearningRate, 0, Number.MAX_VALUE);
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
    nonNegativeInt('earlyStopping.patience', es.patience);
    inRange('earlyStopping.minDelta', es.minDelta, 0, Number.MAX_VALUE);
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
