/**
 * Turning what the network computes into pictures: a heatmap coloured and
 * blended over the image the network saw, feature maps and filters as small
 * grey images. Pixels are computed here (plain arrays) and encoded as PNG
 * with sharp; nothing here holds tensors.
 */
import sharp from 'sharp';
import { pngDataUrl } from '../data/thumbnails.js';

/** How strongly the coloured heatmap covers the image in the overlay (the window has its own slider). */
export const OVERLAY_OPACITY = 0.5;
/** Overlays and feature maps of small inputs are enlarged (nearest neighbour, so cells stay visible) to at least this side. */
export const OVERLAY_MIN_SIDE = 224;

/** The "jet" colour map (blue → cyan → yellow → red) of Grad-CAM figures; v in [0, 1]. */
export function jet(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  const channel = (offset: number) => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * t - offset))));
  return [channel(3), channel(2), channel(1)];
}

/**
 * Bilinear upsampling of a row-major h × w map to H × W with half-pixel
 * centres (the map's cells cover the image evenly, as the layer's receptive
 * fields roughly do).
 */
export function upsample(map: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = map[y0 * w + x0]! * (1 - fx) + map[y0 * w + x1]! * fx;
      const bottom = map[y1 * w + x0]! * (1 - fx) + map[y1 * w + x1]! * fx;
      out[y * W + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/**
 * RGB pixels of the heatmap (h × w, in [0, 1]) upsampled to the image,
 * coloured with jet and blended over the image (uint8 HWC, 1 or 3 channels,
 * as the network saw it after resizing).
 */
export function overlayPixels(
  heatmap: Float32Array,
  h: number,
  w: number,
  image: Uint8Array,
  size: { height: number; width: number; channels: number },
  opacity = OVERLAY_OPACITY,
): Uint8Array {
  const { height: H, width: W, channels } = size;
  const up = upsample(heatmap, h, w, H, W);
  const rgb = new Uint8Array(H * W * 3);
  for (let p = 0; p < H * W; p++) {
    const colour = jet(up[p]!);
    for (let c = 0; c < 3; c++) {
      const base = image[p * channels + (channels === 1 ? 0 : c)]!;
      rgb[p * 3 + c] = Math.round((1 - opacity) * base + opacity * colour[c]!);
    }
  }
  return rgb;
}

/** RGB pixels of the heatmap alone, upsampled to the image and coloured (the window lays it over the image at the opacity its slider says). */
export function heatmapPixels(heatmap: Float32Array, h: number, w: number, height: number, width: number): Uint8Array {
  const up = upsample(heatmap, h, w, height, width);
  const rgb = new Uint8Array(height * width * 3);
  for (let p = 0; p < height * width; p++) rgb.set(jet(up[p]!), p * 3);
  return rgb;
}

/** Raw pixels as a PNG, enlarged by a whole factor (nearest neighbour) until the short side reaches minSide. */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, minSide = 0): Promise<Buffer> {
  const factor = Math.max(1, Math.ceil(minSide / Math.min(width, height)));
  let pipeline = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  if (factor > 1) pipeline = pipeline.resize(width * factor, height * factor, { kernel: 'nearest' });
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  return pipeline.png({ compressionLevel: 6 }).toBuffer();
}

/** A float map as a grey PNG data URL, stretched from its own min (black) to max (white); a flat map is black. */
export async function greyMapDataUrl(values: Float32Array, width: number, height: number, minSide = 0): Promise<string> {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const pixels = new Uint8Array(values.length);
  if (range > 0) for (let i = 0; i < values.length; i++) pixels[i] = Math.round((255 * (values[i]! - min)) / range);
  return pngDataUrl(await encodePng(pixels, width, height, 1, minSide));
}
