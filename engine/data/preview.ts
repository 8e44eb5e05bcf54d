/**
 * N augmented versions of one image, as thumbnails: what the window shows
 * live while a person moves the augmentation sliders. The image goes through
 * exactly what a training batch does (decode to the input size, augment with
 * the batch code), so what is shown is what the model will see.
 */
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { StudioError } from '../errors.js';
import { defaultAugmentation, defaultPreprocessing } from '../project/schema.js';
import { currentBackend, selectBackend } from '../backend/select.js';
import { augmentBatch, checkAugmentation } from './augment.js';
import { checkInputShape } from './dataset.js';
import { decodeImageInto, ImageDecodeError } from './decode.js';
import { mix32, seedToUint32 } from './random.js';
import { pngDataUrl } from './thumbnails.js';
import type { AugmentationPreviewRequest, AugmentationPreview } from '../protocol/index.js';
export type { AugmentationPreviewRequest, AugmentationPreview } from '../protocol/index.js';

/** More than this many versions would be a slow answer for a slider. */
export const MAX_PREVIEW_COUNT = 64;

export async function previewAugmentation(request: AugmentationPreviewRequest): Promise<AugmentationPreview> {
  const { input, count = 8, seed = 42 } = request;
  checkInputShape(input);
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_PREVIEW_COUNT)) {
    throw new StudioError(`A preview of ${count} images cannot be made.`, `Ask for 1 to ${MAX_PREVIEW_COUNT} versions.`, 'data-bad-preview-count');
  }
  const augmentation = { ...defaultAugmentation(), ...request.augmentation };
  checkAugmentation(augmentation);

  const pixels = new Uint8Array(input.height * input.width * input.channels);
  try {
    await decodeImageInto(request.image, input, pixels, request.resize ?? defaultPreprocessing().resize);
  } catch (error) {
    if (error instanceof ImageDecodeError) {
      throw new StudioError(`"${request.image}" ${error.message}.`, 'Pick another image of the dataset for the preview.', 'data-preview-unreadable');
    }
    throw error;
  }
  if (currentBackend() === null) await selectBackend('auto');

  const augmented = tf.tidy(() => {
    const one = tf.div(tf.tensor4d(pixels, [1, input.height, input.width, input.channels], 'float32'), 255);
    const batch = tf.tile(one, [count, 1, 1, 1]) as tf.Tensor4D;
    return tf.cast(tf.round(tf.mul(augmentBatch(batch, augmentation, mix32(seedToUint32(seed), 0x5eed)), 255)), 'int32');
  });
  const values = Uint8Array.from(await augmented.data());
  augmented.dispose();

  const imageBytes = pixels.length;
  const encode = (bytes: Uint8Array) => {
    const image = sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { raw: { width: input.width, height: input.height, channels: input.channels } });
    return (input.channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer().then(pngDataUrl);
  };
  return {
    original: await encode(pixels),
    augmented: await Promise.all(Array.from({ length: count }, (_, i) => encode(values.subarray(i * imageBytes, (i + 1) * imageBytes)))),
    width: input.width,
    height: input.height,
  };
}
