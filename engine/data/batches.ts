/**
 * Turns the uint8 splits into training batches. Pixels become float32 in
 * [0, 1] only here, one batch at a time, so the dataset stays a quarter of
 * the size in memory. The backend is whichever the caller set.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRandom, mix32, seedToUint32 } from './random.js';
import type { ImageSplit } from './types.js';

/**
 * A permutation of 0…count-1 for one epoch: the same for the same seed and
 * epoch, different from epoch to epoch (Fisher–Yates with a seeded generator).
 */
export function shuffledOrder(count: number, seed: number, epoch: number): Int32Array {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  if (!Number.isInteger(epoch)) throw new RangeError(`epoch must be a whole number, got ${epoch}`);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const random = createRandom(mix32(seedToUint32(seed), epoch >>> 0));
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}

/** The order without shuffling, for validation and test passes. */
export function sequentialOrder(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i);
}

export interface Batch {
  /** [batch, height, width, channels], float32 in [0, 1]. */
  x: tf.Tensor4D;
  /** [batch], int32 class indices. */
  y: tf.Tensor1D;
}

/** The images indices[start…end) of a split as tensors; the caller disposes them. */
export function batchTensors(split: ImageSplit, indices: Int32Array, start: number, end: number): Batch {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= indices.length)) {
    throw new RangeError(`batch [${start}, ${end}) is not a non-empty range inside 0…${indices.length}`);
  }
  const size = end - start;
  const imageBytes = split.height * split.width * split.channels;
  const pixels = new Float32Array(size * imageBytes);
  const labels = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const index = indices[start + b]!;
    if (!(index >= 0 && index < split.count)) throw new RangeError(`image index ${index} is outside the split's 0…${split.count - 1}`);
    const source = index * imageBytes;
    const target = b * imageBytes;
    for (let p = 0; p < imageBytes; p++) pixels[target + p] = split.images[source + p]! / 255;
    labels[b] = split.labels[index]!;
  }
  return tf.tidy(() => ({
    x: tf.tensor4d(pixels, [size, split.height, split.width, split.channels], 'float32'),
    y: tf.tensor1d(labels, 'int32'),
  }));
}
