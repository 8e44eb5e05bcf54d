/**
 * Turns the uint8 splits into training batches. Pixels become float32 only
 * here, one batch at a time, so the dataset stays a quarter of the size in
 * memory: value / 255, augmented (training batches only, as tf ops), then
 * normalised per channel. Streamed splits read their batch from disk (with
 * read-ahead); in-memory splits copy it. The backend is whichever the caller set.
 */
import * as tf from '@tensorflow/tfjs-core';
import { augmentBatch } from './augment.js';
import { createRandom, mix32, seedToUint32 } from './random.js';
import type { ImageSplit, Normalization } from './types.js';

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
  /** [batch, height, width, channels], float32, normalised as the split says ([0, 1] by default). */
  x: tf.Tensor4D;
  /** [batch], int32 class indices. */
  y: tf.Tensor1D;
}

export interface BatchOptions {
  /**
   * The training epoch (1-based). Given, a split with augmentation augments
   * the batch, with draws seeded by the data seed, the epoch and the batch's
   * start; without it (validation, test, measuring) batches are never augmented.
   */
  epoch?: number;
}

/** The images indices[start…end) of a split as tensors; the caller disposes them. */
export async function batchTensors(split: ImageSplit, indices: Int32Array, start: number, end: number, options: BatchOptions = {}): Promise<Batch> {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= indices.length)) {
    throw new RangeError(`batch [${start}, ${end}) is not a non-empty range inside 0…${indices.length}`);
  }
  const size = end - start;
  const imageBytes = split.height * split.width * split.channels;
  const labels = new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const index = indices[start + b]!;
    if (!(index >= 0 && index < split.count)) throw new RangeError(`image index ${index} is outside the split's 0…${split.count - 1}`);
    labels[b] = split.labels[index]!;
  }
  const bytes = await batchBytes(split, indices, start, end, imageBytes);
  const shape: [number, number, number, number] = [size, split.height, split.width, split.channels];
  const normalization = split.normalization;
  const augmentation = options.epoch !== undefined ? split.augmentation : undefined;

  if (augmentation === undefined) {
    return tf.tidy(() => ({ x: tf.tensor4d(normalizeBytes(bytes, split.channels, normalization), shape, 'float32'), y: tf.tensor1d(labels, 'int32') }));
  }
  const seed = mix32(seedToUint32(augmentation.seed), options.epoch! >>> 0, start);
  return tf.tidy(() => {
    const unit = tf.tensor4d(normalizeBytes(bytes, split.channels, undefined), shape, 'float32');
    let x = augmentBatch(unit, augmentation.settings, seed);
    if (normalization && normalization.mode !== 'zero-one') {
      x = tf.div(tf.sub(x, tf.tensor1d(normalization.mean)), tf.tensor1d(normalization.std));
    }
    return { x, y: tf.tensor1d(labels, 'int32') };
  });
}

async function batchBytes(split: ImageSplit, indices: Int32Array, start: number, end: number, imageBytes: number): Promise<Uint8Array> {
  const bytes = new Uint8Array((end - start) * imageBytes);
  if (split.storage === 'stream') {
    await split.reader.read(indices, start, end, bytes);
    return bytes;
  }
  for (let b = 0; b < end - start; b++) {
    const source = indices[start + b]! * imageBytes;
    bytes.set(split.images.subarray(source, source + imageBytes), b * imageBytes);
  }
  return bytes;
}

/** (value / 255 − mean) / std per channel, as one multiply-add per byte. */
export function normalizeBytes(bytes: Uint8Array, channels: number, normalization: Normalization | undefined): Float32Array {
  const scale = new Float32Array(channels);
  const offset = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const mean = normalization?.mean[c] ?? 0;
    const std = normalization?.std[c] ?? 1;
    scale[c] = 1 / (255 * std);
    offset[c] = -mean / std;
  }
  const out = new Float32Array(bytes.length);
  if (channels === 1) {
    const s = scale[0]!;
    const o = offset[0]!;
    for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! * s + o;
    return out;
  }
  for (let i = 0; i < bytes.length; i += channels) {
    for (let c = 0; c < channels; c++) out[i + c] = bytes[i + c]! * scale[c]! + offset[c]!;
  }
  return out;
}
