/**
 * The training settings as a catalogue: which optimizers, schedules, losses
 * and monitored metrics exist, what each starts with when it is picked, and
 * the range of every number. `trainingSettings.ts` checks project files
 * against it; the window's Train panel draws its choices and field limits
 * from it, so neither restates the other's rules.
 *
 * Pure data and functions: it imports only the protocol's types (no tfjs, no
 * Node), which is what lets the window bundle it.
 */
import type { LossName, MonitoredMetric, OptimizerSettings, ScheduleSettings } from '../protocol.js';

/** The range a number must lie in (the shape the window's number fields take as their rule). */
export interface SettingRange {
  min: number;
  max?: number;
  /** The lowest value is excluded (a learning rate above 0). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

export interface Choice<T extends string> {
  value: T;
  /** What the window calls it. */
  title: string;
}

export const OPTIMIZER_CHOICES: readonly Choice<OptimizerSettings['type']>[] = [
  { value: 'sgd', title: 'SGD' },
  { value: 'adam', title: 'Adam' },
  { value: 'rmsprop', title: 'RMSprop' },
  { value: 'adagrad', title: 'Adagrad' },
];

export const SCHEDULE_CHOICES: readonly Choice<ScheduleSettings['type']>[] = [
  { value: 'constant', title: 'Constant' },
  { value: 'step', title: 'Step (× γ every n epochs)' },
  { value: 'exponential', title: 'Exponential (× γ each epoch)' },
  { value: 'cosine', title: 'Cosine to a minimum' },
  { value: 'reduce-on-plateau', title: 'Reduce on plateau' },
];

export const MONITOR_CHOICES: readonly Choice<MonitoredMetric>[] = [
  { value: 'valLoss', title: 'validation loss' },
  { value: 'valAccuracy', title: 'validation accuracy' },
];

export const LOSS_CHOICES: readonly Choice<LossName>[] = [
  { value: 'sparse-categorical-crossentropy', title: 'Sparse categorical cross-entropy' },
  { value: 'binary-crossentropy', title: 'Binary cross-entropy' },
];

/** Every number of the training settings, by the name of its field (the same range wherever the field appears). */
export const TRAINING_RANGES = {
  epochs: { min: 1, integer: true },
  batchSize: { min: 1, integer: true },
  learningRate: { min: 0, minExclusive: true },
  momentum: { min: 0, max: 1 },
  /** Adam's β₁ and β₂: below 1, or the moment estimates never forget. */
  beta: { min: 0, max: 0.999999 },
  rho: { min: 0, max: 1 },
  epsilon: { min: 0, minExclusive: true },
  initialAccumulatorValue: { min: 0, minExclusive: true },
  clipNorm: { min: 0, minExclusive: true },
  stepSize: { min: 1, integer: true },
  gamma: { min: 0, max: 1 },
  factor: { min: 0, max: 1 },
  patience: { min: 0, integer: true },
  minLearningRate: { min: 0 },
  minDelta: { min: 0 },
} as const satisfies Record<string, SettingRange>;

/** The optimizer of this type as Keras starts it (its own defaults), at the learning rate already set. */
export function optimizerDefaults(type: OptimizerSettings['type'], learningRate: number): OptimizerSettings {
  switch (type) {
    case 'sgd':
      return { type, learningRate, momentum: 0.9, nesterov: false };
    case 'adam':
      return { type, learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    case 'rmsprop':
      return { type, learningRate, rho: 0.9, momentum: 0, epsilon: 1e-7 };
    case 'adagrad':
      return { type, learningRate, initialAccumulatorValue: 0.1 };
  }
}

/** The schedule of this type with the values it starts with when picked. */
export function scheduleDefaults(type: ScheduleSettings['type']): ScheduleSettings {
  switch (type) {
    case 'constant':
      return { type };
    case 'step':
      return { type, stepSize: 10, gamma: 0.1 };
    case 'exponential':
      return { type, gamma: 0.95 };
    case 'cosine':
      return { type, minLearningRate: 0 };
    case 'reduce-on-plateau':
      return { type, factor: 0.5, patience: 2, minLearningRate: 1e-6, monitor: 'valLoss' };
  }
}
