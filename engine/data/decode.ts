/**
 * Decodes one image file to exactly the network's input: stretched to
 * height × width (no cropping, no padding, as Keras'
 * image_dataset_from_directory does by default), EXIF rotation applied,
 * transparency flattened onto black, then sRGB (3 channels) or greyscale
 * (1 channel), as uint8 in HWC order.
 *
 * Greyscale is computed here from sRGB with the ITU-R BT.601 weights on the
 * encoded values (what PIL's convert('L') and TensorFlow's decode_jpeg do),
 * so a model trained here sees the grey a Keras pipeline would. It is also
 * about twice as fast as libvips' own conversion for small images, where
 * sharp's per-operation cost dominates.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ImageInputShape } from './types.js';

/**
 * Transparent pixels become black: it matches what most encoders store under
 * full transparency, and dark backgrounds are what MNIST-style data has.
 */
export const ALPHA_BACKGROUND = { r: 0, g: 0, b: 0 } as const;

/** A file that could not be turned into pixels; the message is the reason shown to the person. */
export class ImageDecodeError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'ImageDecodeError';
  }
}

/** Writes the decoded pixels of `path` into `target` (height × width × channels bytes). */
export async function decodeImageInto(path: string, input: ImageInputShape, target: Uint8Array): Promise<void> {
  const expected = input.height * input.width * input.channels;
  if (target.length !== expected) throw new RangeError(`target holds ${target.length} bytes, the image needs ${expected}`);

  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ImageDecodeError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (bytes.length === 0) throw new ImageDecodeError(path, 'empty file (0 bytes)');

  let pixels: Buffer;
  let channels: number;
  try {
    // failOn 'truncated': a cut-off file is corrupt data, but the many
    // harmless encoder warnings of images from the web are not.
    const { data, info } = await sharp(bytes, { failOn: 'truncated' })
      .autoOrient()
      .flatten({ background: ALPHA_BACKGROUND })
      .resize(input.width, input.height, { fit: 'fill' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    pixels = data;
    channels = info.channels;
  } catch (error) {
    throw new ImageDecodeError(path, `cannot be decoded: ${firstLine(error)}`);
  }
  const rgbBytes = input.height * input.width * 3;
  if (channels !== 3 || pixels.length !== rgbBytes) {
    throw new ImageDecodeError(path, `decoded to ${channels} channels and ${pixels.length} bytes instead of 3 and ${rgbBytes}`);
  }
  if (input.channels === 3) target.set(pixels);
  else rgbToGrey(pixels, target);
}

/** BT.601 luma in integer arithmetic, so grey pixels (r = g = b) come back exactly. */
export function rgbToGrey(rgb: Uint8Array, grey: Uint8Array): void {
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) {
    grey[i] = Math.floor((299 * rgb[j]! + 587 * rgb[j + 1]! + 114 * rgb[j + 2]! + 500) / 1000);
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
