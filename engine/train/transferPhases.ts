/**
 * The two phases of Keras' transfer-learning recipe as the training loop
 * runs them. Phase 1 trains the head on the frozen base with the project's
 * schedule; it ends after its epochs or when early stopping says so (then
 * the run goes on). Phase 2 unfreezes the top blocks and runs the same
 * schedule again from its start, every rate scaled by the factor (a cosine
 * or plateau minimum too), over phase 2's own epochs, as a second `fit` with
 * a lower rate does in Keras. Early stopping starts afresh in phase 2, and
 * there it ends the run.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ScheduleSettings } from '../protocol.js';
import { LearningRateSchedule } from './schedule.js';

/** Phase 2 as prepareRun hands it to the loop. */
export interface FineTunePlan {
  epochs: number;
  /** The tfjs layers phase 2 makes trainable. */
  layerNames: string[];
  /** Phase 2's rates are phase 1's schedule, restarted, times this. */
  learningRateFactor: number;
  /** Compiles the model again with a fresh optimizer (tfjs collects trainable weights at compile time). */
  compile(optimizer: tf.Optimizer): void;
}

/** The schedule settings with every rate they hold (the minimums) scaled by `factor`. */
export function scaledSchedule(settings: ScheduleSettings, factor: number): ScheduleSettings {
  if (settings.type === 'cosine' || settings.type === 'reduce-on-plateau') return { ...settings, minLearningRate: settings.minLearningRate * factor };
  return settings;
}

/**
 * Phase 2's schedule: the project's, from its first epoch, at the base rate
 * × factor, spread over phase 2's epochs (a cosine reaches its scaled
 * minimum on phase 2's last epoch). Ask it with phase 2's own 1-based epoch.
 */
export function phaseTwoSchedule(settings: ScheduleSettings, learningRate: number, plan: Pick<FineTunePlan, 'epochs' | 'learningRateFactor'>): LearningRateSchedule {
  return new LearningRateSchedule(scaledSchedule(settings, plan.learningRateFactor), learningRate * plan.learningRateFactor, plan.epochs);
}
