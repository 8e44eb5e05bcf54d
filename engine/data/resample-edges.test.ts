// The offsets of the resize (data/resample.ts) that resample.test.ts left
// unchecked, each with pixels worked out by hand: a tall image letterboxed
// (centred horizontally), a crop that starts below the first row, a source
// rectangle past the image's edge (the nearest pixel is repeated), and a
// shrink whose weights must sum to one. Found by mutation testing: changing
// any of these offsets or signs left every older test green.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitImageInto, flattenAlpha, resample } from './resample.js';

test('letterbox of a tall image: centred horizontally, black columns left and right', () => {
  // 2 × 4 white into 4 × 4: scale 1, the image fills columns 1 and 2.
  const tall = { width: 2, height: 4, channels: 1 as const, data: new Uint8Array(8).fill(255) };
  const boxed = new Uint8Array(16).fill(7);
  fitImageInto(tall, { width: 4, height: 4, channels: 1 }, 'letterbox', boxed);
  assert.deepEqual([...boxed], [0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0]);
  // 1 × 3 into 4 × 3, in colour: one column at x = 1 (⌊(4 − 1) / 2⌋).
  const column = { width: 1, height: 3, channels: 1 as const, data: Uint8Array.from([10, 20, 30]) };
  const rgb = new Uint8Array(4 * 3 * 3).fill(7);
  fitImageInto(column, { width: 4, height: 3, channels: 3 }, 'letterbox', rgb);
  const row = (v: number) => [0, 0, 0, v, v, v, 0, 0, 0, 0, 0, 0];
  assert.deepEqual([...rgb], [...row(10), ...row(20), ...row(30)]);
});

test('centre-crop of a tall image: the vertical pass starts at the crop\'s first row', () => {
  // 2 × 4 with rows 10, 20, 30, 40 into 2 × 2: scale 1, rows 1 and 2 exactly.
  const tall = { width: 2, height: 4, channels: 1 as const, data: Uint8Array.from([10, 10, 20, 20, 30, 30, 40, 40]) };
  const cropped = new Uint8Array(4);
  fitImageInto(tall, { width: 2, height: 2, channels: 1 }, 'center-crop', cropped);
  assert.deepEqual([...cropped], [20, 20, 30, 30]);
  // Shrinking rows 2 to 5 of a 1 × 6 column to 2 rows: the filter also reaches
  // row 1, above the crop, so the pass starts there (not at row 0, not at row 2).
  const column = Uint8Array.from([0, 100, 20, 30, 40, 50]);
  // Rows 2..5 → 2 outputs: scale 2, centres 3 and 5; taps j with weight 1 − |j + 0.5 − centre| / 2:
  // centre 3: j 1..4 → 0.25, 0.75, 0.75, 0.25 (sum 2) → (25 + 15 + 22.5 + 10) / 2 = 36.25 → 36
  // centre 5: j 3..5 → 0.25, 0.75, 0.75 (sum 1.75) → (7.5 + 30 + 37.5) / 1.75 = 42.86 → 43
  assert.deepEqual([...resample(column, 1, 6, 1, { x: 0, y: 2, width: 1, height: 4 }, 1, 2)], [36, 43]);
});

test('a source rectangle past the image\'s edge repeats the nearest edge pixel', () => {
  const row = Uint8Array.from([10, 20, 30, 40]);
  assert.deepEqual([...resample(row, 4, 1, 1, { x: 4, y: 0, width: 2, height: 1 }, 2, 1)], [40, 40]);
  assert.deepEqual([...resample(row, 4, 1, 1, { x: -2, y: 0, width: 2, height: 1 }, 2, 1)], [10, 10]);
  // The same along the vertical axis.
  assert.deepEqual([...resample(row, 1, 4, 1, { x: 0, y: 5, width: 1, height: 1 }, 1, 1)], [40]);
});

test('shrinking a flat image keeps its value: the weights of every output sum to one', () => {
  for (const value of [1, 128, 254]) {
    const flat = new Uint8Array(7 * 5 * 3).fill(value);
    const out = resample(flat, 7, 5, 3, { x: 0, y: 0, width: 7, height: 5 }, 3, 2);
    assert.deepEqual([...out], Array(3 * 2 * 3).fill(value), String(value));
  }
});

test('alpha over a 2 × 2 image flattens all four pixels; colour becomes BT.601 grey on the way in', () => {
  // Found by mutation testing: width / height instead of width × height, and RGB fitted into
  // a grey input through the grey→RGB branch, passed every test whose images were 2 × 1 or all white.
  const rgba = flattenAlpha({ width: 2, height: 2, channels: 4, data: Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 200, 100, 50, 0]) });
  assert.deepEqual({ channels: rgba.channels, data: [...rgba.data] }, { channels: 3, data: [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0] });
  const colours = { width: 2, height: 2, channels: 3 as const, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 77, 77, 77]) };
  const grey = new Uint8Array(4);
  fitImageInto(colours, { width: 2, height: 2, channels: 1 }, 'stretch', grey);
  assert.deepEqual([...grey], [76, 150, 29, 77]);
});
