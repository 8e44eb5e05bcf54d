/** Learning-rate schedules and the improvement monitor, as pure functions of the epochs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearningRateSchedule } from './schedule.js';
import { ImprovementMonitor } from './monitor.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);

test('constant, step and exponential schedules', () => {
  const constant = new LearningRateSchedule({ type: 'constant' }, 0.1, 5);
  assert.deepEqual([1, 2, 5].map((e) => constant.rateForEpoch(e)), [0.1, 0.1, 0.1]);
  const step = new LearningRateSchedule({ type: 'step', stepSize: 2, gamma: 0.1 }, 1, 6);
  [1, 1, 0.1, 0.1, 0.01, 0.01].forEach((want, i) => close(step.rateForEpoch(i + 1), want));
  const exponential = new LearningRateSchedule({ type: 'exponential', gamma: 0.5 }, 0.8, 4);
  [0.8, 0.4, 0.2, 0.1].forEach((want, i) => close(exponential.rateForEpoch(i + 1), want));
});

test('cosine goes from the base rate to the minimum over the run', () => {
  const cosine = new LearningRateSchedule({ type: 'cosine', minLearningRate: 0.001 }, 0.1, 5);
  close(cosine.rateForEpoch(1), 0.1);
  close(cosine.rateForEpoch(3), 0.001 + 0.5 * (0.1 - 0.001));
  close(cosine.rateForEpoch(5), 0.001);
  const rates = [1, 2, 3, 4, 5].map((e) => cosine.rateForEpoch(e));
  assert.ok(rates.every((r, i) => i === 0 || r < rates[i - 1]), 'strictly decreasing');
  close(new LearningRateSchedule({ type: 'cosine', minLearningRate: 0 }, 0.1, 1).rateForEpoch(1), 0.1);
});

test('reduce-on-plateau lowers the rate after `patience` epochs without improvement, down to the minimum', () => {
  const s = new LearningRateSchedule({ type: 'reduce-on-plateau', factor: 0.5, patience: 1, minLearningRate: 0.02, monitor: 'valLoss' }, 0.1, 10);
  const valLosses = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0];
  const rates: number[] = [];
  valLosses.forEach((valLoss, i) => {
    rates.push(s.rateForEpoch(i + 1));
    s.observe({ valLoss, valAccuracy: null, loss: 0 }, i + 1);
  });
  // From epoch 3 on nothing improves on 0.9: with patience 1 (as in Keras) every stale epoch halves the rate, down to the floor.
  assert.deepEqual(rates, [0.1, 0.1, 0.1, 0.05, 0.025, 0.02, 0.02, 0.02]);
});

test('the improvement monitor: lower is better for loss, higher for accuracy, minDelta counts', () => {
  const loss = new ImprovementMonitor('valLoss', 0.01);
  assert.equal(loss.update(1, 1), true);
  assert.equal(loss.update(0.995, 2), false, 'an improvement smaller than minDelta does not count');
  assert.equal(loss.update(0.98, 3), true);
  assert.equal(loss.bestEpoch, 3);
  const accuracy = new ImprovementMonitor('valAccuracy');
  accuracy.update(0.5, 1);
  assert.equal(accuracy.update(0.4, 2), false);
  assert.equal(accuracy.epochsWithoutImprovement, 1);
  assert.equal(accuracy.update(0.6, 3), true);
  assert.equal(accuracy.epochsWithoutImprovement, 0);
});
