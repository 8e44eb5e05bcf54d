/**
 * Precision, recall, F1 and their macro means on a hand-worked example,
 * including a class with no images (left out of the macro means, as
 * scikit-learn's macro average) and one never predicted (its precision 0).
 * Written from the surviving mutants of `npm run mutate -- metrics`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics } from './metrics.js';

test('per-class figures and macro means, worked by hand; a class without images does not count in the means', () => {
  // Classes a, b, c, d. d has no images; c is never predicted.
  // truth:     a a a b b c
  // predicted: a a b b a a
  const m = classificationMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 0], ['a', 'b', 'c', 'd']);
  assert.equal(m.count, 6);
  assert.equal(m.accuracy, 3 / 6);
  assert.deepEqual(m.confusion, [
    [2, 1, 0, 0],
    [1, 1, 0, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 0],
  ]);
  const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
  // a: precision 2/4, recall 2/3, F1 = 2·(1/2)(2/3)/(1/2 + 2/3) = 4/7
  // b: precision 1/2, recall 1/2, F1 1/2.  c: 0, 0, 0.  d: no images, never predicted: 0, 0, 0.
  const expected = [
    ['a', 1 / 2, 2 / 3, 4 / 7, 3],
    ['b', 1 / 2, 1 / 2, 1 / 2, 2],
    ['c', 0, 0, 0, 1],
    ['d', 0, 0, 0, 0],
  ] as const;
  expected.forEach(([className, precision, recall, f1, support], i) => {
    const c = m.perClass[i]!;
    assert.equal(c.className, className);
    assert.equal(c.support, support);
    close(c.precision, precision, `${className} precision`);
    close(c.recall, recall, `${className} recall`);
    close(c.f1, f1, `${className} F1`);
  });
  // Means over a, b and c only (d has no images).
  close(m.macro.precision, (1 / 2 + 1 / 2 + 0) / 3, 'macro precision');
  close(m.macro.recall, (2 / 3 + 1 / 2 + 0) / 3, 'macro recall');
  close(m.macro.f1, (4 / 7 + 1 / 2 + 0) / 3, 'macro F1');
});

test('no images at all: every figure is 0, nothing divides by zero', () => {
  const m = classificationMetrics([], [], ['a', 'b']);
  assert.equal(m.accuracy, 0);
  assert.deepEqual(m.macro, { precision: 0, recall: 0, f1: 0 });
  assert.deepEqual(m.perClass.map((c) => [c.precision, c.recall, c.f1, c.support]), [[0, 0, 0, 0], [0, 0, 0, 0]]);
});
