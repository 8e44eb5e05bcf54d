/**
 * Decodes one image file to exactly the network's input: resized by stretch,
 * centre-crop or letterbox, EXIF rotation applied, transparency flattened
 * onto black, then sRGB (3 channels) or greyscale (1 channel), as uint8 in
 * HWC order.
 *
 * Small PNGs, what most datasets are made of, go through the JavaScript
 * decoder (pngDecode.ts + resample.ts), which is many times faster than a
 * libvips pipeline per image; every other file goes through sharp.
 *
 * Greyscale is computed from sRGB with the ITU-R BT.601 weights on the
 * encoded values (what PIL's convert('L') and TensorFlow's decode_jpeg do),
 * so a model trained here sees the grey a Keras pipeline would.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ResizeMode } from '../project/schema.js';
import { decodePng, isPng, PngFormatError, pngSize } from './pngDecode.js';
import { fitImageInto, rgbToGrey } from './resample.js';
import type { ImageInputShape } from './types.js';

export { rgbToGrey } from './resample.js';

/**
 * Transparent pixels become black: it matches what most encoders store under
 * full transparency, and dark backgrounds are what MNIST-style data has.
 */
export const ALPHA_BACKGROUND = { r: 0, g: 0, b: 0 } as const;

/** sharp's default limit: images above it are refused rather than decoded into gigabytes. */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

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
export async function decodeImageInto(path: string, input: ImageInputShape, target: Uint8Array, resize: ResizeMode = 'stretch'): Promise<void> {
  checkTarget(input, target);
  const bytes = await readImageFile(path);
  if (decodeFastInto(path, bytes, input, resize, target)) return;
  await decodeWithSharpInto(path, bytes, input, resize, target);
}

export async function readImageFile(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ImageDecodeError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return bytes;
}

function checkTarget(input: ImageInputShape, target: Uint8Array): void {
  const expected = input.height * input.width * input.channels;
  if (target.length !== expected) throw new RangeError(`target holds ${target.length} bytes, the image needs ${expected}`);
}

/**
 * The JavaScript path: true when the image was decoded into `target`, false
 * when it is a file for sharp (not a PNG, interlaced, large, colour-managed).
 * Synchronous, so it also runs inside the decode workers.
 */
export function decodeFastInto(path: string, bytes: Uint8Array, input: ImageInputShape, resize: ResizeMode, target: Uint8Array): boolean {
  if (bytes.length === 0) throw new ImageDecodeError(path, 'empty file (0 bytes)');
  if (!isPng(bytes)) return false;
  // Refused on the header's word, before a byte is unpacked (sharp's limitInputPixels does the same).
  const size = pngSize(bytes);
  if (size && size.width * size.height > MAX_INPUT_PIXELS) throw new ImageDecodeError(path, tooLargeReason(size.width, size.height));
  let image;
  try {
    image = decodePng(bytes);
  } catch (error) {
    if (error instanceof PngFormatError) throw new ImageDecodeError(path, `cannot be decoded: ${error.message}`);
    throw error;
  }
  if (image === null) return false;
  fitImageInto(image, input, resize, target);
  return true;
}

const SHARP_FIT: Record<ResizeMode, 'fill' | 'cover' | 'contain'> = { stretch: 'fill', 'center-crop': 'cover', letterbox: 'contain' };

export async function decodeWithSharpInto(path: string, bytes: Buffer, input: ImageInputShape, resize: ResizeMode, target: Uint8Array): Promise<void> {
  if (bytes.length === 0) throw new ImageDecodeError(path, 'empty file (0 bytes)');
  let pixels: Buffer;
  let channels: number;
  try {
    // failOn 'truncated': a cut-off file is corrupt data, but the many
    // harmless encoder warnings of images from the web are not.
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_INPUT_PIXELS })
      .autoOrient()
      .flatten({ background: ALPHA_BACKGROUND })
      .resize(input.width, input.height, { fit: SHARP_FIT[resize], position: 'centre', background: ALPHA_BACKGROUND, kernel: 'linear' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    pixels = data;
    channels = info.channels;
  } catch (error) {
    throw new ImageDecodeError(path, await describeSharpFailure(bytes, error));
  }
  const rgbBytes = input.height * input.width * 3;
  if (channels !== 3 || pixels.length !== rgbBytes) {
    throw new ImageDecodeError(path, `decoded to ${channels} channels and ${pixels.length} bytes instead of 3 and ${rgbBytes}`);
  }
  if (input.channels === 3) target.set(pixels);
  else rgbToGrey(pixels, target);
}

/** sharp's message, or for a huge image its size and what to do about it. */
async function describeSharpFailure(bytes: Buffer, error: unknown): Promise<string> {
  const message = firstLine(error);
  if (/pixel limit/i.test(message)) {
    const size = pngSize(bytes) ?? (await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => null));
    return tooLargeReason(size?.width, size?.height);
  }
  return `cannot be decoded: ${message}`;
}

/** Why an image above the pixel limit is skipped, and what to do about it. */
export function tooLargeReason(width: number | undefined, height: number | undefined): string {
  const dims = width && height ? `${width}×${height} pixels (${Math.round((width * height) / 1e6)} megapixels)` : 'too large';
  return `is ${dims}, more than the decoder's limit of ${Math.round(MAX_INPUT_PIXELS / 1e6)} megapixels; shrink it (e.g. to 4096 pixels on its longest side) or move it out of the dataset`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
