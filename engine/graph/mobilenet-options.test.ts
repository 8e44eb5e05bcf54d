// MobileNetV2 is only built at the widths and input sizes Keras publishes
// weights for (graph/mobilenetV2.ts checkMobileNetV2Options): anything else is
// refused with the value and the list to choose from. Found by coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudioError } from '../errors.js';
import { MOBILENET_V2_ALPHAS, MOBILENET_V2_ROWS, mobileNetV2Base } from './mobilenetV2.js';

test('an alpha or an input size Keras has no weights for is refused, naming it and the choices', () => {
  assert.throws(() => mobileNetV2Base({ alpha: 0.6, rows: 224 }), (error: unknown) => {
    assert.ok(error instanceof StudioError);
    assert.equal(error.message, 'MobileNetV2 has no width multiplier (alpha) 0.6.');
    assert.equal(error.hint, 'Use one of 0.35, 0.5, 0.75, 1, 1.3, 1.4 (the sizes Keras publishes weights for).');
    assert.equal(error.code, 'bad-mobilenet-alpha');
    return true;
  });
  assert.throws(() => mobileNetV2Base({ alpha: 1.0, rows: 200 }), (error: unknown) => {
    assert.ok(error instanceof StudioError);
    assert.equal(error.message, "MobileNetV2's input size 200 is not one Keras publishes weights for.");
    assert.equal(error.hint, 'Use one of 96, 128, 160, 192, 224 pixels.');
    assert.equal(error.code, 'bad-mobilenet-rows');
    return true;
  });
  // Every published pair is accepted.
  for (const alpha of MOBILENET_V2_ALPHAS) for (const rows of MOBILENET_V2_ROWS) assert.ok(mobileNetV2Base({ alpha, rows }).graph.nodes.length > 100);
});
