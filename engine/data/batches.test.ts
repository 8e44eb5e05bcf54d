import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { batchTensors, sequentialOrder, shuffledOrder } from './batches.js';
import type { ImageSplit } from './types.js';

await tf.setBackend('cpu');

/** 5 images of 2×3×1 whose pixels are image·40 + position, labels 4 3 2 1 0. */
function tinySplit(): ImageSplit {
  const count = 5;
  const size = 2 * 3;
  const images = Uint8Array.from({ length: count * size }, (_, i) => Math.floor(i / size) * 40 + (i % size));
  return { count, height: 2, width: 3, channels: 1, images, labels: Int32Array.from([4, 3, 2, 1, 0]), files: ['a', 'b', 'c', 'd', 'e'] };
}

test('shuffledOrder is a permutation, the same for a seed and epoch, and different across epochs and seeds', () => {
  const order = shuffledOrder(1000, 42, 1);
  assert.deepEqual([...order].sort((a, b) => a - b), [...sequentialOrder(1000)]);
  assert.deepEqual(shuffledOrder(1000, 42, 1), order);
  assert.notDeepEqual(shuffledOrder(1000, 42, 2), order);
  assert.notDeepEqual(shuffledOrder(1000, 43, 1), order);
  assert.deepEqual(shuffledOrder(0, 1, 1), new Int32Array(0));
  assert.deepEqual(shuffledOrder(1, 1, 1), Int32Array.from([0]));
  assert.throws(() => shuffledOrder(-1, 1, 1), RangeError);
});

test('batchTensors gives float32 images in [0, 1] and int32 labels in the order of the indices', async () => {
  const split = tinySplit();
  const indices = Int32Array.from([4, 0, 2, 1, 3]);
  const { x, y } = await batchTensors(split, indices, 1, 4);
  try {
    assert.deepEqual(x.shape, [3, 2, 3, 1]);
    assert.equal(x.dtype, 'float32');
    assert.deepEqual(y.shape, [3]);
    assert.equal(y.dtype, 'int32');
    const values = x.dataSync();
    assert.ok(values.every((v) => v >= 0 && v <= 1));
    const expected = [0, 2, 1].flatMap((image) => Array.from({ length: 6 }, (_, p) => (image * 40 + p) / 255));
    values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `pixel ${i}: ${v} ≠ ${expected[i]}`));
    assert.deepEqual([...y.dataSync()], [4, 2, 3]);
  } finally {
    x.dispose();
    y.dispose();
  }
});

test('batchTensors leaves exactly its two tensors behind, and none once they are disposed', async () => {
  const split = tinySplit();
  const order = shuffledOrder(split.count, 7, 1);
  const before = tf.memory().numTensors;
  for (let start = 0; start < split.count; start += 2) {
    const { x, y } = await batchTensors(split, order, start, Math.min(split.count, start + 2));
    assert.equal(tf.memory().numTensors, before + 2);
    x.dispose();
    y.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test('batchTensors refuses empty or out-of-range batches', async () => {
  const split = tinySplit();
  const order = sequentialOrder(split.count);
  const before = tf.memory().numTensors;
  await assert.rejects(batchTensors(split, order, 2, 2), RangeError);
  await assert.rejects(batchTensors(split, order, 0, 6), RangeError);
  await assert.rejects(batchTensors(split, Int32Array.from([0, 9]), 0, 2), /outside the split/);
  assert.equal(tf.memory().numTensors, before);
});
