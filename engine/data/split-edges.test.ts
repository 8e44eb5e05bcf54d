/**
 * The edges of the split arithmetic and its refusals, found by mutation
 * testing (npm run mutate -- split): how many images a class gives to test
 * when little is left, and the exact words of each refusal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudioError } from '../errors.js';
import { checkTestSplit, checkValidationSplit, testCountForClass } from './split.js';

test('test count per class: the fraction of the class, at least one, never the last training image', () => {
  const cases: Array<[count: number, validation: number, testSplit: number, expected: number]> = [
    [10, 2, 0.2, 2],
    [10, 2, 0, 0],
    [4, 1, 0.1, 1], // rounds to 0, at least one
    [3, 1, 0.5, 1], // rounds to 2, but one must stay for training
    [10, 0, 0.95, 9],
    [2, 1, 0.5, 0], // one left: it trains
    [2, 2, 0.5, 0], // nothing left (only by a direct call): still none, never negative
  ];
  for (const [count, validation, testSplit, expected] of cases) {
    assert.equal(testCountForClass(count, validation, testSplit), expected, `${count} images, ${validation} for validation, test ${testSplit}`);
  }
});

function refusal(run: () => void): StudioError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof StudioError, String(e));
    return e;
  }
  assert.fail('not refused');
}

test('test splits that leave nothing to train on are refused with the numbers and the fix', () => {
  for (const [testSplit, validationSplit] of [[Number.NaN, 0.1], [-0.1, 0.1], [1, 0], [1.5, 0], [0.5, 0.5], [0.7, 0.3]] as const) {
    const e = refusal(() => checkTestSplit(testSplit, validationSplit));
    assert.equal(e.code, 'data-bad-test-split');
    assert.equal(e.message, `The test split ${testSplit} (with validation ${validationSplit}) leaves nothing to train on.`);
    assert.match(e.hint, /validationSplit \+ testSplit stays below 1/);
  }
  for (const [testSplit, validationSplit] of [[0, 0], [0, 0.9], [0.3, 0.2], [0.99, 0]] as const) checkTestSplit(testSplit, validationSplit);
});

test('a validation split outside [0, 1) says so with its value', () => {
  for (const bad of [1, -0.01, Number.POSITIVE_INFINITY]) {
    const e = refusal(() => checkValidationSplit(bad));
    assert.equal(e.message, `The validation split ${bad} is outside [0, 1).`);
    assert.equal(e.code, 'data-bad-validation-split');
  }
  checkValidationSplit(0);
  checkValidationSplit(0.999);
});
