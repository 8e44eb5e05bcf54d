/**
 * Decodes one image file to exactly the network's input: stretched to
 * height × width (no cropping, no padding, as Keras'
 * image_dataset_from_directory does by default), EXIF rotation applied,
 * transparency flattened onto black, then greyscale (1 channel) or sRGB
 * (3 channels), as uint8 in HWC order.
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
    let pipeline = sharp(bytes, { failOn: 'truncated' })
      .autoOrient()
      .flatten({ background: ALPHA_BACKGROUND })
      .resize(input.width, input.height, { fit: 'fill' });
    pipeline = input.channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    pixels = data;
    channels = info.channels;
  } catch (error) {
    throw new ImageDecodeError(path, `cannot be decoded: ${firstLine(error)}`);
  }
  if (channels !== input.channels || pixels.length !== expected) {
    throw new ImageDecodeError(path, `decoded to ${channels} channels and ${pixels.length} bytes instead of ${input.channels} and ${expected}`);
  }
  target.set(pixels);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
