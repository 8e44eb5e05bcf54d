/**
 * The augmentation catalogue the window draws its switches from is the rule
 * the engine checks: every setting is listed once, each amount's limit is
 * accepted and a hair above it is refused, and the amount a switch turns on
 * with is inside the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultAugmentation } from '../project/schema.js';
import { checkAugmentation } from './augment.js';
import { AUGMENTATION_AMOUNTS, AUGMENTATION_FLIPS } from './augmentCatalogue.js';

test('the catalogue lists every augmentation setting once', () => {
  const listed = [...AUGMENTATION_FLIPS.map((f) => f.key), ...AUGMENTATION_AMOUNTS.map((a) => a.key)];
  assert.deepEqual([...listed].sort(), Object.keys(defaultAugmentation()).sort());
  assert.equal(new Set(listed).size, listed.length);
});

test("each amount's limit in the catalogue is the one checkAugmentation applies", () => {
  for (const { key, max, on, unit } of AUGMENTATION_AMOUNTS) {
    assert.doesNotThrow(() => checkAugmentation({ ...defaultAugmentation(), [key]: max }), key);
    assert.throws(() => checkAugmentation({ ...defaultAugmentation(), [key]: max * 1.001 }), (e: Error) => e.message.includes(`${key} is`) && e.message.includes(`and ${max} (${unit})`));
    assert.ok(on > 0 && on <= max, `${key} turns on with ${on}, inside 0…${max}`);
  }
});
