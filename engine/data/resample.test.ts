// From decoded pixels to the network's input (data/resample.ts): the fit of
// each resize mode, alpha onto black, grey and RGB, and the triangle filter's
// exact values, worked out by hand from its definition (PIL's BILINEAR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitImageInto, fitPlan, flattenAlpha, resample, rgbToGrey } from './resample.js';

test('fit plans: stretch uses everything, centre-crop cuts the long side, letterbox centres the whole image', () => {
  assert.deepEqual(fitPlan(40, 20, 10, 10, 'stretch'), { source: { x: 0, y: 0, width: 40, height: 20 }, target: { x: 0, y: 0, width: 10, height: 10 } });
  assert.deepEqual(fitPlan(40, 20, 10, 10, 'center-crop'), { source: { x: 10, y: 0, width: 20, height: 20 }, target: { x: 0, y: 0, width: 10, height: 10 } });
  assert.deepEqual(fitPlan(20, 40, 10, 10, 'center-crop').source, { x: 0, y: 10, width: 20, height: 20 });
  assert.deepEqual(fitPlan(40, 20, 10, 10, 'letterbox'), { source: { x: 0, y: 0, width: 40, height: 20 }, target: { x: 0, y: 2, width: 10, height: 5 } });
  assert.deepEqual(fitPlan(20, 40, 10, 10, 'letterbox').target, { x: 2, y: 0, width: 5, height: 10 });
  // A sliver keeps at least one pixel, centred.
  assert.deepEqual(fitPlan(1000, 1, 4, 4, 'letterbox').target, { x: 0, y: 1, width: 4, height: 1 });
});

test('alpha is composited onto black; grey and RGB pass through untouched', () => {
  const greyAlpha = flattenAlpha({ width: 2, height: 1, channels: 2, data: Uint8Array.from([200, 128, 200, 255]) });
  assert.deepEqual({ channels: greyAlpha.channels, data: [...greyAlpha.data] }, { channels: 1, data: [100, 200] });
  const rgba = flattenAlpha({ width: 2, height: 1, channels: 4, data: Uint8Array.from([255, 0, 100, 128, 10, 20, 30, 0]) });
  assert.deepEqual({ channels: rgba.channels, data: [...rgba.data] }, { channels: 3, data: [128, 0, 50, 0, 0, 0] });
  const rgb = Uint8Array.from([1, 2, 3]);
  assert.equal(flattenAlpha({ width: 1, height: 1, channels: 3, data: rgb }).data, rgb);
});

test('RGB to grey: BT.601 weights, grey pixels exact', () => {
  const grey = new Uint8Array(5);
  rgbToGrey(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 77, 77, 77, 255, 255, 255]), grey);
  assert.deepEqual([...grey], [76, 150, 29, 77, 255]);
});

test('the triangle filter shrinking and enlarging, and the taps cache after it is full', () => {
  const row = Uint8Array.from([0, 0, 255, 255]);
  // Shrinking 4 → 2: each output averages three source pixels, weights 0.75, 0.75, 0.25.
  assert.deepEqual([...resample(row, 4, 1, 1, { x: 0, y: 0, width: 4, height: 1 }, 2, 1)], [36, 219]);
  // Enlarging 2 → 4: linear between the two pixels, the ends held.
  assert.deepEqual([...resample(Uint8Array.from([0, 255]), 2, 1, 1, { x: 0, y: 0, width: 2, height: 1 }, 4, 1)], [0, 64, 191, 255]);
  // Vertically the same filter: a 1 × 4 column.
  assert.deepEqual([...resample(row, 1, 4, 1, { x: 0, y: 0, width: 1, height: 4 }, 1, 2)], [36, 219]);
  // Channels are filtered each on their own.
  const two = Uint8Array.from([0, 255, 0, 255, 255, 0, 255, 0]);
  assert.deepEqual([...resample(two, 4, 1, 2, { x: 0, y: 0, width: 4, height: 1 }, 2, 1)], [36, 219, 219, 36]);
  // More sizes than the cache holds: the first one computed again is still right.
  for (let size = 3; size < 80; size++) resample(new Uint8Array(size), size, 1, 1, { x: 0, y: 0, width: size, height: 1 }, 2, 1);
  assert.deepEqual([...resample(row, 4, 1, 1, { x: 0, y: 0, width: 4, height: 1 }, 2, 1)], [36, 219]);
});

test('fitting into the input: the same size is copied, grey becomes RGB, letterbox borders are black', () => {
  const grey = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([10, 20, 30, 40]) };
  const same = new Uint8Array(4);
  fitImageInto(grey, { width: 2, height: 2, channels: 1 }, 'stretch', same);
  assert.deepEqual([...same], [10, 20, 30, 40]);
  const asRgb = new Uint8Array(12);
  fitImageInto(grey, { width: 2, height: 2, channels: 3 }, 'letterbox', asRgb);
  assert.deepEqual([...asRgb], [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]);

  // A white 4 × 2 image letterboxed into 4 × 4: rows 1 and 2 white, rows 0 and 3 black, whatever was there before.
  const wide = { width: 4, height: 2, channels: 3 as const, data: new Uint8Array(24).fill(255) };
  const boxed = new Uint8Array(4 * 4).fill(7);
  fitImageInto(wide, { width: 4, height: 4, channels: 1 }, 'letterbox', boxed);
  assert.deepEqual([...boxed], [0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
  // Stretched instead, the whole input is the image.
  const stretched = new Uint8Array(16).fill(7);
  fitImageInto(wide, { width: 4, height: 4, channels: 1 }, 'stretch', stretched);
  assert.deepEqual([...stretched], Array(16).fill(255));
  // Centre-crop of a 4 × 2 image with a dark left half and light right half into 2 × 2: the middle two columns.
  const halves = { width: 4, height: 2, channels: 1 as const, data: Uint8Array.from([0, 0, 200, 200, 0, 0, 200, 200]) };
  const cropped = new Uint8Array(4);
  fitImageInto(halves, { width: 2, height: 2, channels: 1 }, 'center-crop', cropped);
  assert.deepEqual([...cropped], [0, 200, 0, 200]);
});
