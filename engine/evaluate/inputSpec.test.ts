// The preprocessing a saved model records, read back for predict and
// evaluate (evaluate/preprocess.ts): both record forms, the assumed default,
// and every record predict must refuse, each with its code and the model named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { StudioError } from '../errors.js';
import { inputSpecOf, normalise } from './preprocess.js';

const WHERE = '/runs/r1/model';

function refusal(code: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof StudioError, `a StudioError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    assert.ok(e.message.includes(WHERE), `the message names the model: ${e.message}`);
    return true;
  };
}

test('no record: stretched images in [0, 1], and the spec says it was assumed', () => {
  for (const none of [null, undefined]) {
    assert.deepEqual(inputSpecOf([28, 32, 1], none, WHERE), { height: 28, width: 32, channels: 1, resize: 'stretch', mean: [0], std: [1], assumed: true });
  }
});

test("the first trainer's form {resize, channels, scale: '[0,1]'}, with or without the scale", () => {
  assert.deepEqual(inputSpecOf([8, 8, 3], { resize: 'letterbox', channels: 3, scale: '[0,1]' }, WHERE), {
    height: 8, width: 8, channels: 3, resize: 'letterbox', mean: [0], std: [1], assumed: false,
  });
  assert.deepEqual(inputSpecOf([8, 8, 3], { resize: 'center-crop' }, WHERE).resize, 'center-crop');
  // A record without a resize mode means the trainer's default, stretch; it is still a record.
  const noResize = inputSpecOf([8, 8, 3], {}, WHERE);
  assert.equal(noResize.resize, 'stretch');
  assert.equal(noResize.assumed, false);
});

test("the data module's form: per-channel mean and std", () => {
  const spec = inputSpecOf([4, 4, 3], { resize: 'stretch', channels: 3, normalization: { mode: 'mean-std', mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] } }, WHERE);
  assert.deepEqual(spec.mean, [0.5, 0.4, 0.3]);
  assert.deepEqual(spec.std, [0.2, 0.25, 0.5]);
  assert.equal(spec.assumed, false);
});

test('inputs that are not images are refused, naming the shape', () => {
  for (const shape of [[10], [28, 28], [28, 28, 2], [28, 28, 4], [1, 28, 28, 3]]) {
    assert.throws(() => inputSpecOf(shape, null, WHERE), refusal('bad-input-shape', new RegExp(`input \\[${shape.join(',')}\\], not an image`)));
  }
});

test('an unknown resize mode, a broken normalisation or an unknown scale is refused', () => {
  assert.throws(() => inputSpecOf([8, 8, 1], { resize: 'squash' }, WHERE), refusal('unknown-preprocessing', /resize mode "squash"/));
  for (const normalization of [{}, { mean: [0.5] }, { mean: [0.5], std: [] }, { mean: [0.5], std: [0] }, { mean: ['0.5'], std: [1] }, { mean: [Number.NaN], std: [1] }, { mean: 0.5, std: 1 }]) {
    assert.throws(() => inputSpecOf([8, 8, 1], { normalization }, WHERE), refusal('unknown-preprocessing', /normalisation without per-channel mean and std/), JSON.stringify(normalization));
  }
  assert.throws(() => inputSpecOf([8, 8, 1], { scale: '[-1,1]' }, WHERE), refusal('unknown-preprocessing', /pixel scale "\[-1,1\]"/));
});

test('normalise: (value / 255 − mean) / std per channel; one mean and std serve every channel', () => {
  const two = [Uint8Array.from([0, 255]), Uint8Array.from([153, 51])];
  const spec = { height: 1, width: 2, channels: 1 as const, resize: 'stretch' as const, mean: [0.2], std: [0.5], assumed: false };
  const x = normalise(two, spec);
  assert.deepEqual(x.shape, [2, 1, 2, 1]);
  const values = Array.from(x.dataSync());
  x.dispose();
  [-0.4, 1.6, 0.8, 0].forEach((want, i) => assert.ok(Math.abs(values[i]! - want) < 1e-6, `value ${i}: ${values[i]} ≠ ${want}`));

  const rgb = { height: 1, width: 1, channels: 3 as const, resize: 'stretch' as const, mean: [0.1, 0.2, 0.3], std: [0.1, 0.2, 0.5], assumed: false };
  const y = normalise([Uint8Array.from([51, 51, 51])], rgb);
  const got = Array.from(y.dataSync());
  y.dispose();
  [1, 0, -0.2].forEach((want, i) => assert.ok(Math.abs(got[i]! - want) < 1e-6, `channel ${i}: ${got[i]} ≠ ${want}`));
  assert.equal(tf.memory().numTensors, 0);
});
