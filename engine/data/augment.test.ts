/**
 * Augmentation on the cpu backend: shapes and ranges, each operation doing
 * what it says on a batch whose content is known, and the same output for
 * the same seed. Training batches are augmented only when an epoch is given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { StudioError } from '../errors.js';
import { defaultAugmentation, type AugmentationSettings } from '../project/schema.js';
import { augmentBatch, checkAugmentation } from './augment.js';
import { batchTensors, sequentialOrder } from './batches.js';
import type { MemorySplit } from './types.js';

await tf.setBackend('cpu');

const settings = (changes: Partial<AugmentationSettings>): AugmentationSettings => ({ ...defaultAugmentation(), ...changes });

/** n images of 6×8×c: a horizontal ramp x/7 in every channel. */
function ramp(n: number, channels = 1): tf.Tensor4D {
  return tf.tidy(() => tf.tile(tf.reshape(tf.div(tf.range(0, 8), 7), [1, 1, 8, 1]), [n, 6, 1, channels]) as tf.Tensor4D);
}

function run(x: tf.Tensor4D, s: AugmentationSettings, seed: number): number[][][][] {
  const out = augmentBatch(x, s, seed);
  try {
    assert.deepEqual(out.shape, x.shape);
    return out.arraySync();
  } finally {
    out.dispose();
  }
}

test('all settings on: the shape stays, values stay in [0, 1], the same seed gives the same batch, another seed another', () => {
  const everything = settings({ horizontalFlip: true, verticalFlip: true, rotation: 30, zoom: 0.2, translation: 0.1, crop: 0.7, brightness: 0.2, contrast: 0.3, saturation: 0.5, noise: 0.05, cutout: 0.3 });
  const x = ramp(16, 3);
  const before = tf.memory().numTensors;
  const a = run(x, everything, 7);
  assert.equal(tf.memory().numTensors, before, 'no tensor is left behind');
  const flat = a.flat(3);
  assert.ok(flat.every((v) => v >= 0 && v <= 1), 'clipped to [0, 1]');
  assert.deepEqual(run(x, everything, 7), a);
  assert.notDeepEqual(run(x, everything, 8), a);
  // Images of one batch are augmented differently from one another.
  assert.notDeepEqual(a[0], a[1]);
  x.dispose();
});

test('all settings at 0 leave the batch exactly as it was', () => {
  const x = ramp(3);
  assert.deepEqual(run(x, defaultAugmentation(), 1), x.arraySync());
  x.dispose();
});

test('horizontal flip mirrors the rows of the images it flips, and only those', () => {
  const x = ramp(32);
  const out = run(x, settings({ horizontalFlip: true }), 3);
  const original = x.arraySync()[0]![0]!.map((pixel) => pixel[0]!);
  let flipped = 0;
  for (const image of out) {
    const row = image[0]!.map((pixel) => pixel[0]!);
    const mirrored = [...original].reverse();
    const same = row.every((v, i) => Math.abs(v - original[i]!) < 1e-5);
    const mirror = row.every((v, i) => Math.abs(v - mirrored[i]!) < 1e-5);
    assert.ok(same || mirror, `row ${row} is neither the original nor its mirror`);
    if (mirror) flipped++;
  }
  assert.ok(flipped > 4 && flipped < 28, `about half are flipped (${flipped} of 32)`);
  x.dispose();
});

test('brightness shifts every pixel of an image by one amount within the range; noise has the asked deviation', () => {
  const x = tf.fill([8, 10, 10, 1], 0.5) as tf.Tensor4D;
  const bright = run(x, settings({ brightness: 0.2 }), 5);
  for (const image of bright) {
    const values = image.flat(2);
    assert.ok(values.every((v) => Math.abs(v - values[0]!) < 1e-6), 'one shift per image');
    assert.ok(Math.abs(values[0]! - 0.5) <= 0.2 + 1e-6);
  }
  const big = tf.fill([4, 32, 32, 1], 0.5) as tf.Tensor4D;
  const noisy = run(big, settings({ noise: 0.05 }), 5).flat(3);
  const mean = noisy.reduce((a, b) => a + b, 0) / noisy.length;
  const std = Math.sqrt(noisy.reduce((a, b) => a + (b - mean) ** 2, 0) / noisy.length);
  assert.ok(Math.abs(mean - 0.5) < 0.01 && Math.abs(std - 0.05) < 0.01, `noise mean ${mean}, std ${std}`);
  tf.dispose([x, big]);
});

test('cutout blacks out one square per image of the asked side', () => {
  const x = tf.ones([6, 20, 20, 1]) as tf.Tensor4D;
  const out = run(x, settings({ cutout: 0.25 }), 9);
  for (const image of out) {
    const zeros: [number, number][] = [];
    image.forEach((row, y) => row.forEach((pixel, xx) => pixel[0] === 0 && zeros.push([y, xx])));
    const ys = zeros.map(([y]) => y);
    const xs = zeros.map(([, xx]) => xx);
    const height = Math.max(...ys) - Math.min(...ys) + 1;
    const width = Math.max(...xs) - Math.min(...xs) + 1;
    assert.ok(zeros.length > 0 && zeros.length === height * width, 'one solid rectangle');
    assert.ok(height <= 5 && width <= 5, `the square is at most 5×5 (it may stick out of the image), got ${height}×${width}`);
  }
  x.dispose();
});

test('rotation, zoom, translation and crop move content but keep the shape; a rotation of 180° turns the image over', () => {
  const x = ramp(4);
  for (const s of [{ rotation: 45 }, { zoom: 0.5 }, { translation: 0.3 }, { crop: 0.5 }]) {
    const out = run(x, settings(s), 2);
    assert.notDeepEqual(out, x.arraySync(), `${JSON.stringify(s)} changes the images`);
  }
  x.dispose();
  // Rotation is drawn from ±180°; with a square image and a pixel-exact pattern, any result is a rotation of it.
  const square = tf.tidy(() => tf.div(tf.reshape(tf.range(0, 9), [1, 3, 3, 1]), 8)) as tf.Tensor4D;
  const turned = run(square, settings({ rotation: 180 }), 4)[0]!.flat(2);
  const sum = turned.reduce((a, b) => a + b, 0);
  assert.ok(sum <= 4.5 + 1e-5, 'a rotation moves no new brightness in');
  square.dispose();
});

test('settings out of range are refused, naming the setting and its range', () => {
  assert.throws(
    () => checkAugmentation(settings({ rotation: 200 })),
    (error: unknown) => error instanceof StudioError && error.code === 'data-bad-augmentation' && error.message === 'Augmentation rotation is 200; it must be between 0 (off) and 180 (degrees).',
  );
  assert.throws(() => checkAugmentation({ ...defaultAugmentation(), horizontalFlip: 'yes' as unknown as boolean }), /horizontalFlip is "yes"/);
  assert.throws(() => checkAugmentation(settings({ noise: -0.1 })), /noise is -0.1/);
});

test('batchTensors augments a training split only when given the epoch, seeded by seed, epoch and batch; it normalises after', async () => {
  const count = 4;
  const images = Uint8Array.from({ length: count * 4 * 4 }, (_, i) => (i * 37) % 256);
  const split: MemorySplit = {
    count,
    height: 4,
    width: 4,
    channels: 1,
    images,
    labels: Int32Array.from([0, 1, 0, 1]),
    files: ['a', 'b', 'c', 'd'],
    normalization: { mode: 'mean-std', mean: [0.5], std: [0.25] },
    augmentation: { settings: settings({ brightness: 0.3, noise: 0.05 }), seed: 42 },
  };
  const order = sequentialOrder(count);
  const values = async (options: { epoch?: number }) => {
    const { x, y } = await batchTensors(split, order, 0, count, options);
    const out = [...x.dataSync()];
    tf.dispose([x, y]);
    return out;
  };
  const plain = await values({});
  const expected = [...images].map((v) => (v / 255 - 0.5) / 0.25);
  plain.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `value ${i}: ${v} is not (x/255 − 0.5)/0.25 = ${expected[i]}`));
  const epoch1 = await values({ epoch: 1 });
  assert.notDeepEqual(epoch1, plain);
  assert.deepEqual(await values({ epoch: 1 }), epoch1);
  assert.notDeepEqual(await values({ epoch: 2 }), epoch1);
  // Normalised after augmentation: still within what (0…1 − 0.5) / 0.25 allows.
  assert.ok(epoch1.every((v) => v >= -2 - 1e-5 && v <= 2 + 1e-5));
});
