import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StudioError } from '../errors.js';
import { stratifiedSplit, stratifiedSplit3, validationCountForClass } from './split.js';

const image = (classIndex: number, relativePath: string) => ({ classIndex, relativePath });

function imagesFor(counts: number[]) {
  return counts.flatMap((count, classIndex) => Array.from({ length: count }, (_, i) => image(classIndex, `c${classIndex}/${i}.png`)));
}

test('validation count per class: the fraction rounded, at least one from two images up, never all', () => {
  assert.equal(validationCountForClass(100, 0.1), 10);
  assert.equal(validationCountForClass(10, 0.25), 3);
  assert.equal(validationCountForClass(5, 0.01), 1);
  assert.equal(validationCountForClass(2, 0.9), 1);
  assert.equal(validationCountForClass(1, 0.5), 0);
  assert.equal(validationCountForClass(0, 0.5), 0);
  assert.equal(validationCountForClass(50, 0), 0);
});

test('the split is stratified, deterministic for a seed and independent of input order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 6 }),
      fc.double({ min: 0, max: 0.95, noNaN: true }),
      fc.integer(),
      fc.integer(),
      (counts, fraction, seed, shuffleSeed) => {
        const images = imagesFor(counts);
        const split = stratifiedSplit(images, fraction, seed);
        counts.forEach((count, classIndex) => {
          const held = split.validation.filter((entry) => entry.classIndex === classIndex).length;
          assert.equal(held, validationCountForClass(count, fraction));
          if (count >= 1) assert.ok(split.train.some((entry) => entry.classIndex === classIndex), 'every class keeps a training image');
        });
        assert.equal(split.train.length + split.validation.length, images.length);

        const shuffled = fc.sample(fc.shuffledSubarray(images, { minLength: images.length }), { seed: shuffleSeed, numRuns: 1 })[0]!;
        const reordered = stratifiedSplit(shuffled, fraction, seed);
        const paths = (list: { relativePath: string }[]) => list.map((entry) => entry.relativePath).sort();
        assert.deepEqual(paths(reordered.validation), paths(split.validation));
      },
    ),
    { numRuns: 200 },
  );
});

test('adding one file moves at most one other file between train and validation', () => {
  const before = stratifiedSplit(imagesFor([50]), 0.2, 3);
  const after = stratifiedSplit([...imagesFor([50]), image(0, 'c0/new.png')], 0.2, 3);
  const heldBefore = new Set(before.validation.map((entry) => entry.relativePath));
  const heldAfter = new Set(after.validation.map((entry) => entry.relativePath).filter((path) => path !== 'c0/new.png'));
  const moved = [...heldBefore].filter((path) => !heldAfter.has(path)).length + [...heldAfter].filter((path) => !heldBefore.has(path)).length;
  assert.ok(moved <= 1, `${moved} files moved`);
});

test('a validation split outside [0, 1) is a StudioError naming the setting', () => {
  for (const bad of [-0.1, 1, 1.5, Number.NaN]) {
    assert.throws(() => stratifiedSplit(imagesFor([3, 3]), bad, 1), (error: unknown) => error instanceof StudioError && error.code === 'data-bad-validation-split' && /validationSplit/.test(error.hint));
  }
});

test('stratifiedSplit3: train, validation and test per class, disjoint, the same for a seed, exactly stratifiedSplit when testSplit is 0', () => {
  const images = ['a', 'b', 'c'].flatMap((name, classIndex) =>
    Array.from({ length: [40, 20, 3][classIndex]! }, (_, i) => ({ classIndex, relativePath: `${name}/${String(i).padStart(3, '0')}.png` })),
  );
  const split = stratifiedSplit3(images, 0.2, 0.1, 11);
  const perClass = (list: typeof images) => [0, 1, 2].map((c) => list.filter((image) => image.classIndex === c).length);
  assert.deepEqual(perClass(split.validation), [8, 4, 1]);
  assert.deepEqual(perClass(split.test), [4, 2, 1]);
  assert.deepEqual(perClass(split.train), [28, 14, 1]);
  const all = [...split.train, ...split.validation, ...split.test].map((image) => image.relativePath);
  assert.equal(new Set(all).size, images.length, 'every image in exactly one split');
  assert.deepEqual(stratifiedSplit3(images, 0.2, 0.1, 11), split);
  assert.notDeepEqual(stratifiedSplit3(images, 0.2, 0.1, 12).test, split.test);
  // Order of the input does not matter: only the seed and the paths do.
  const shuffled = [...images].reverse();
  assert.deepEqual(new Set(stratifiedSplit3(shuffled, 0.2, 0.1, 11).test.map((image) => image.relativePath)), new Set(split.test.map((image) => image.relativePath)));
  const two = stratifiedSplit(images, 0.2, 11);
  const three = stratifiedSplit3(images, 0.2, 0, 11);
  assert.deepEqual([three.train, three.validation, three.test], [two.train, two.validation, []]);
  assert.throws(() => stratifiedSplit3(images, 0.5, 0.5, 1), /leaves nothing to train on/);
});
