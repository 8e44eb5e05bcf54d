// Learning-rate schedules and the improvement monitor at their edges
// (train/schedule.ts, train/monitor.ts), found by mutation testing: the
// plateau count restarting after a reduction, accuracy as the monitored
// metric, the fallback to training loss, and the monitor's remembered best.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearningRateSchedule } from './schedule.js';
import { ImprovementMonitor } from './monitor.js';

function ratesOver(schedule: LearningRateSchedule, epochs: Array<{ valLoss: number | null; valAccuracy: number | null; loss: number }>): number[] {
  return epochs.map((metrics, i) => {
    const rate = schedule.rateForEpoch(i + 1);
    schedule.observe(metrics, i + 1);
    return rate;
  });
}

test('reduce-on-plateau: after a reduction the count starts again, so with patience 2 the next one waits two epochs', () => {
  const s = new LearningRateSchedule({ type: 'reduce-on-plateau', factor: 0.5, patience: 2, minLearningRate: 0, monitor: 'valLoss' }, 0.8, 10);
  const flat = Array.from({ length: 7 }, () => ({ valLoss: 1, valAccuracy: null, loss: 5 }));
  // Epoch 1 sets the best; 2 and 3 are stale (reduce after 3), 4 and 5 stale again (reduce after 5).
  assert.deepEqual(ratesOver(s, flat), [0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2]);
});

test('reduce-on-plateau on validation accuracy: higher is better, and an epoch without it is not counted', () => {
  const s = new LearningRateSchedule({ type: 'reduce-on-plateau', factor: 0.1, patience: 1, minLearningRate: 0, monitor: 'valAccuracy' }, 1, 10);
  const rates = ratesOver(s, [
    { valLoss: 9, valAccuracy: 0.5, loss: 9 },
    { valLoss: 9, valAccuracy: 0.6, loss: 9 }, // better: no reduction
    { valLoss: 9, valAccuracy: null, loss: 9 }, // nothing to judge: no reduction either
    { valLoss: 9, valAccuracy: 0.55, loss: 9 }, // worse: reduce
    { valLoss: 9, valAccuracy: 0.7, loss: 9 },
  ]);
  assert.deepEqual(rates.map((r) => Number(r.toPrecision(6))), [1, 1, 1, 1, 0.1]);
});

test('reduce-on-plateau on valLoss without a validation split watches the training loss', () => {
  const s = new LearningRateSchedule({ type: 'reduce-on-plateau', factor: 0.5, patience: 1, minLearningRate: 0, monitor: 'valLoss' }, 1, 10);
  // Training loss keeps falling: no reduction, though valLoss is missing throughout.
  const falling = [3, 2, 1, 0.5].map((loss) => ({ valLoss: null, valAccuracy: null, loss }));
  assert.deepEqual(ratesOver(s, falling), [1, 1, 1, 1]);
  assert.equal(s.rateForEpoch(5), 1);
  s.observe({ valLoss: null, valAccuracy: null, loss: 0.6 }, 5);
  assert.equal(s.rateForEpoch(6), 0.5);
});

test('schedules other than reduce-on-plateau ignore what they are told about an epoch', () => {
  for (const settings of [{ type: 'constant' as const }, { type: 'step' as const, stepSize: 1, gamma: 0.5 }, { type: 'cosine' as const, minLearningRate: 0 }]) {
    const told = new LearningRateSchedule(settings, 0.4, 4);
    const untold = new LearningRateSchedule(settings, 0.4, 4);
    for (let epoch = 1; epoch <= 4; epoch++) {
      told.observe({ valLoss: 100 * epoch, valAccuracy: 0, loss: 100 * epoch }, epoch);
      assert.equal(told.rateForEpoch(epoch), untold.rateForEpoch(epoch), `${settings.type}, epoch ${epoch}`);
    }
  }
});

test('the monitor remembers the best value and its epoch, and an equal value is no improvement', () => {
  const loss = new ImprovementMonitor('valLoss');
  assert.equal(loss.best, null);
  loss.update(0.7, 1);
  assert.equal(loss.update(0.7, 2), false, 'equal is not better');
  assert.equal(loss.update(0.9, 3), false);
  assert.deepEqual([loss.best, loss.bestEpoch, loss.epochsWithoutImprovement], [0.7, 1, 2]);
  assert.equal(loss.update(0.6, 4), true);
  assert.deepEqual([loss.best, loss.bestEpoch, loss.epochsWithoutImprovement], [0.6, 4, 0]);

  const accuracy = new ImprovementMonitor('valAccuracy', 0.05);
  accuracy.update(0.5, 1);
  assert.equal(accuracy.update(0.55, 2), false, 'exactly minDelta better is not enough');
  assert.equal(accuracy.update(0.56, 3), true);
  assert.deepEqual([accuracy.best, accuracy.bestEpoch], [0.56, 3]);
});
