/**
 * Optimizers from the project's settings, and the one place that knows how to
 * change a live optimizer's learning rate (schedules do so between epochs
 * without losing the optimizer's moment estimates).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerSettings } from '../project/schema.js';
import { FusedAdamOptimizer } from './fusedAdam.js';

export function createOptimizer(settings: OptimizerSettings): tf.Optimizer {
  switch (settings.type) {
    case 'sgd':
      return settings.momentum > 0
        ? tf.train.momentum(settings.learningRate, settings.momentum, settings.nesterov)
        : tf.train.sgd(settings.learningRate);
    case 'adam':
      // tfjs's Adam with each variable's update fused into one kernel where the backend has it (fusedAdam.ts).
      return new FusedAdamOptimizer(settings.learningRate, settings.beta1, settings.beta2, settings.epsilon);
    case 'rmsprop':
      return tf.train.rmsprop(settings.learningRate, settings.rho, settings.momentum, settings.epsilon);
    case 'adagrad':
      return tf.train.adagrad(settings.learningRate, settings.initialAccumulatorValue);
  }
}

/**
 * SGD and Momentum keep the rate as a kept scalar and expose setLearningRate;
 * Adam, RMSprop and Adagrad read their (protected) `learningRate` field on
 * every step, so assigning it takes effect from the next batch.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
