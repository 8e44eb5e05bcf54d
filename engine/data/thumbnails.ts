/**
 * Small PNG thumbnails as data URLs: what crosses the protocol to the window
 * instead of image files or tensors. A few kilobytes each.
 */
import sharp from 'sharp';
import { ALPHA_BACKGROUND, MAX_INPUT_PIXELS } from './decode.js';
import type { RawImage } from './pngDecode.js';

/** Longest side of a summary thumbnail, in pixels. */
export const THUMBNAIL_SIDE = 48;

export function pngDataUrl(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** An image file shrunk to fit side × side (never enlarged), upright, alpha on black. */
export async function fileThumbnail(path: string, side = THUMBNAIL_SIDE): Promise<string> {
  const png = await sharp(path, { failOn: 'truncated', limitInputPixels: MAX_INPUT_PIXELS })
    .autoOrient()
    .flatten({ background: ALPHA_BACKGROUND })
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return pngDataUrl(png);
}

/** Pixels already in memory (uint8, 1–4 channels) as a thumbnail. */
export async function rawThumbnail(image: RawImage, side = THUMBNAIL_SIDE): Promise<string> {
  let pipeline = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });
  if (image.width > side || image.height > side) pipeline = pipeline.resize(side, side, { fit: 'inside' });
  // One channel stays one channel: without this sharp writes an RGB PNG.
  if (image.channels === 1) pipeline = pipeline.toColourspace('b-w');
  return pngDataUrl(await pipeline.png({ compressionLevel: 9 }).toBuffer());
}
