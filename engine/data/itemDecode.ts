/**
 * Decodes dataset items to the input size: files through the decode pool
 * (workers and sharp), in-memory pixels (IDX) right here, since fitting a
 * 28×28 array is cheaper than sending it anywhere.
 */
import type { ResizeMode } from '../project/schema.js';
import { DecodePool } from './decodePool.js';
import { fitImageInto } from './resample.js';
import type { DatasetItem } from './source.js';
import type { ImageInputShape } from './types.js';

/** Decodes `items` into `target`, image after image; per item null, or the reason it failed. */
export async function decodeItems(
  items: readonly DatasetItem[],
  input: ImageInputShape,
  resize: ResizeMode,
  target: Uint8Array,
  pool: DecodePool = DecodePool.shared(),
): Promise<(string | null)[]> {
  const imageBytes = input.height * input.width * input.channels;
  const reasons: (string | null)[] = new Array(items.length).fill(null);
  const fileIndices: number[] = [];
  items.forEach((item, i) => {
    if (item.raw) fitImageInto(item.raw, input, resize, target.subarray(i * imageBytes, (i + 1) * imageBytes));
    else fileIndices.push(i);
  });
  if (fileIndices.length === 0) return reasons;
  if (fileIndices.length === items.length) return pool.decodeMany(items.map((item) => item.path), input, resize, target);
  const scratch = new Uint8Array(fileIndices.length * imageBytes);
  const fileReasons = await pool.decodeMany(fileIndices.map((i) => items[i]!.path), input, resize, scratch);
  fileIndices.forEach((i, k) => {
    target.set(scratch.subarray(k * imageBytes, (k + 1) * imageBytes), i * imageBytes);
    reasons[i] = fileReasons[k]!;
  });
  return reasons;
}
