/**
 * Turning image files into exactly what a model was trained on, from the
 * preprocessing its metadata (or labels.json) records: the input size and
 * channels, the resize mode, and the normalisation. Two record forms exist:
 * the first trainer's `{resize, channels, scale: '[0,1]'}` and the data
 * module's `{resize, channels, normalization: {mode, mean, std}}`; both read
 * the same way. A model with no record (e.g. converted from Keras) is fed
 * stretched images in [0, 1], and the result says it was assumed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { StudioError } from '../errors.js';
import { normalizeBytes } from '../data/batches.js';
import { RESIZE_MODES } from '../data/dataset.js';
import { ImageDecodeError } from '../data/decode.js';
import { DecodePool } from '../data/decodePool.js';
import type { ImageInputShape } from '../data/types.js';
import type { ResizeMode } from '../project/schema.js';

export interface InputSpec extends ImageInputShape {
  resize: ResizeMode;
  /** Per channel, on the [0, 1] scale: input = (value / 255 − mean) / std. */
  mean: number[];
  std: number[];
  /** True when the model recorded no preprocessing and the defaults were assumed. */
  assumed: boolean;
}

export function inputSpecOf(inputShape: number[], preprocessing: unknown, where: string): InputSpec {
  const [height, width, channels] = inputShape;
  if (inputShape.length !== 3 || (channels !== 1 && channels !== 3)) {
    throw new StudioError(`${where} takes input ${JSON.stringify(inputShape)}, not an image [height, width, 1 or 3].`, 'Predict and evaluate work with image classifiers.', 'bad-input-shape');
  }
  const shape = { height: height!, width: width!, channels: channels as 1 | 3 };
  if (preprocessing === null || preprocessing === undefined) return { ...shape, resize: 'stretch', mean: [0], std: [1], assumed: true };
  const p = preprocessing as { resize?: unknown; scale?: unknown; normalization?: { mean?: unknown; std?: unknown } };
  const resize = (typeof p.resize === 'string' ? p.resize : 'stretch') as ResizeMode;
  if (!RESIZE_MODES.includes(resize)) {
    throw new StudioError(`${where} was trained with resize mode "${resize}", which predict does not know.`, `Known modes: ${RESIZE_MODES.join(', ')}.`, 'unknown-preprocessing');
  }
  if (p.normalization !== undefined) {
    const mean = p.normalization.mean;
    const std = p.normalization.std;
    if (!isNumbers(mean) || !isNumbers(std) || std.some((s) => s === 0)) {
      throw new StudioError(`${where} records a normalisation without per-channel mean and std.`, 'Export the model again from its run.', 'unknown-preprocessing');
    }
    return { ...shape, resize, mean, std, assumed: false };
  }
  if (p.scale === undefined || p.scale === '[0,1]') return { ...shape, resize, mean: [0], std: [1], assumed: false };
  throw new StudioError(`${where} records a pixel scale ${JSON.stringify(p.scale)} that predict does not know.`, "Known: '[0,1]' or a normalization with mean and std.", 'unknown-preprocessing');
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/**
 * The decoded bytes of one image at the model's input size (uint8, HWC).
 * Decoded in the pool's worker threads, so an image being predicted never
 * holds up the engine's other requests.
 */
export async function decodeForModel(path: string, spec: InputSpec): Promise<Uint8Array> {
  const bytes = new Uint8Array(spec.height * spec.width * spec.channels);
  const [reason] = await DecodePool.shared().decodeMany([path], spec, spec.resize, bytes);
  if (reason) throw new ImageDecodeError(path, reason);
  return bytes;
}

/** The images as the network's input, normalised exactly as the trainer's batches are. */
export function normalise(images: Uint8Array[], spec: InputSpec): tf.Tensor4D {
  const perImage = spec.height * spec.width * spec.channels;
  const bytes = new Uint8Array(images.length * perImage);
  images.forEach((image, i) => bytes.set(image, i * perImage));
  const perChannel = (values: number[]) => Array.from({ length: spec.channels }, (_, c) => values[c] ?? values[0]!);
  const values = normalizeBytes(bytes, spec.channels, { mode: 'mean-std', mean: perChannel(spec.mean), std: perChannel(spec.std) });
  return tf.tensor4d(values, [images.length, spec.height, spec.width, spec.channels], 'float32');
}
