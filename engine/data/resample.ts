/**
 * From decoded pixels to the network's input in plain JavaScript: alpha
 * flattened onto black, grey↔RGB, and a resize by stretch, centre-crop or
 * letterbox. The resize is a separable triangle (bilinear) filter whose
 * support widens with the reduction, as PIL's BILINEAR and libvips' linear
 * kernel do, so shrinking averages every source pixel instead of skipping
 * most of them.
 */
import type { ResizeMode } from '../graph/schema.js';
import type { RawImage } from './pngDecode.js';
import type { ImageInputShape } from './types.js';

/** Where the fitted image goes: a source rectangle drawn into a target rectangle, the rest black. */
export interface FitPlan {
  /** Source rectangle, in source pixels (fractions allowed). */
  source: { x: number; y: number; width: number; height: number };
  /** Target rectangle, in whole target pixels. */
  target: { x: number; y: number; width: number; height: number };
}

/** How a sourceWidth × sourceHeight image maps onto the input for each resize mode. */
export function fitPlan(sourceWidth: number, sourceHeight: number, width: number, height: number, mode: ResizeMode): FitPlan {
  const full = { x: 0, y: 0, width: sourceWidth, height: sourceHeight };
  if (mode === 'stretch') return { source: full, target: { x: 0, y: 0, width, height } };
  if (mode === 'center-crop') {
    const scale = Math.max(width / sourceWidth, height / sourceHeight);
    const cropWidth = width / scale;
    const cropHeight = height / scale;
    return {
      source: { x: (sourceWidth - cropWidth) / 2, y: (sourceHeight - cropHeight) / 2, width: cropWidth, height: cropHeight },
      target: { x: 0, y: 0, width, height },
    };
  }
  const scale = Math.min(width / sourceWidth, height / sourceHeight);
  const innerWidth = Math.max(1, Math.min(width, Math.round(sourceWidth * scale)));
  const innerHeight = Math.max(1, Math.min(height, Math.round(sourceHeight * scale)));
  return {
    source: full,
    target: { x: Math.floor((width - innerWidth) / 2), y: Math.floor((height - innerHeight) / 2), width: innerWidth, height: innerHeight },
  };
}

/** Writes `image` fitted to `input` into `target` (height × width × channels bytes). */
export function fitImageInto(image: RawImage, input: ImageInputShape, mode: ResizeMode, target: Uint8Array): void {
  const pixels = toChannels(flattenAlpha(image), input.channels);
  const plan = fitPlan(image.width, image.height, input.width, input.height, mode);
  const c = input.channels;
  const sameSize =
    plan.source.x === 0 && plan.source.y === 0 && plan.source.width === input.width && plan.source.height === input.height &&
    plan.target.width === input.width && plan.target.height === input.height;
  if (sameSize) {
    target.set(pixels);
    return;
  }
  if (plan.target.width !== input.width || plan.target.height !== input.height) target.fill(0);
  const inner = resample(pixels, image.width, image.height, c, plan.source, plan.target.width, plan.target.height);
  for (let y = 0; y < plan.target.height; y++) {
    const from = y * plan.target.width * c;
    target.set(inner.subarray(from, from + plan.target.width * c), ((plan.target.y + y) * input.width + plan.target.x) * c);
  }
}

/** Alpha composited onto black: a half-transparent red is dark red. */
export function flattenAlpha(image: RawImage): { data: Uint8Array; channels: 1 | 3 } {
  if (image.channels === 1 || image.channels === 3) return { data: image.data, channels: image.channels };
  const colour = image.channels - 1;
  const pixels = image.width * image.height;
  const data = new Uint8Array(pixels * colour);
  for (let p = 0, s = 0, d = 0; p < pixels; p++) {
    const alpha = image.data[s + colour]!;
    for (let k = 0; k < colour; k++) data[d++] = Math.round((image.data[s + k]! * alpha) / 255);
    s += image.channels;
  }
  return { data, channels: colour as 1 | 3 };
}

function toChannels(image: { data: Uint8Array; channels: 1 | 3 }, channels: 1 | 3): Uint8Array {
  if (image.channels === channels) return image.data;
  if (channels === 3) {
    const rgb = new Uint8Array(image.data.length * 3);
    for (let i = 0, j = 0; i < image.data.length; i++, j += 3) rgb[j] = rgb[j + 1] = rgb[j + 2] = image.data[i]!;
    return rgb;
  }
  const grey = new Uint8Array(image.data.length / 3);
  rgbToGrey(image.data, grey);
  return grey;
}

/** BT.601 luma in integer arithmetic, so grey pixels (r = g = b) come back exactly. */
export function rgbToGrey(rgb: Uint8Array, grey: Uint8Array): void {
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) {
    grey[i] = Math.floor((299 * rgb[j]! + 587 * rgb[j + 1]! + 114 * rgb[j + 2]! + 500) / 1000);
  }
}

/** Taps of one output sample along one axis: the first source index and its weights. */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  stride: number;
}

function axisTaps(sourceLength: number, start: number, extent: number, outLength: number): Taps {
  const scale = extent / outLength;
  const filterScale = Math.max(1, scale);
  const support = filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outLength);
  const count = new Int32Array(outLength);
  const weights = new Float32Array(outLength * stride);
  for (let i = 0; i < outLength; i++) {
    const centre = start + (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(sourceLength, Math.ceil(centre + support));
    let sum = 0;
    let n = 0;
    for (let j = lo; j < hi && n < stride; j++, n++) {
      const w = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / filterScale));
      weights[i * stride + n] = w;
      sum += w;
    }
    if (sum === 0) {
      // The centre fell outside the image (a crop edge): take the nearest pixel.
      const nearest = Math.min(sourceLength - 1, Math.max(0, Math.floor(centre)));
      first[i] = nearest;
      count[i] = 1;
      weights[i * stride] = 1;
      continue;
    }
    for (let k = 0; k < n; k++) weights[i * stride + k]! /= sum;
    first[i] = lo;
    count[i] = n;
  }
  return { first, count, weights, stride };
}

/** Resamples the `source` rectangle of an image to outWidth × outHeight. */
export function resample(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
  source: FitPlan['source'],
  outWidth: number,
  outHeight: number,
): Uint8Array {
  const xs = axisTaps(width, source.x, source.width, outWidth);
  const ys = axisTaps(height, source.y, source.height, outHeight);
  // Horizontal pass over only the rows the vertical pass reads.
  const rowLo = ys.first[0]!;
  const rowHi = ys.first[outHeight - 1]! + ys.count[outHeight - 1]!;
  const rows = rowHi - rowLo;
  const horizontal = new Float32Array(rows * outWidth * channels);
  for (let y = 0; y < rows; y++) {
    const srcRow = (rowLo + y) * width * channels;
    const dstRow = y * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const f = xs.first[x]!;
      const n = xs.count[x]!;
      const w0 = x * xs.stride;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += data[srcRow + (f + k) * channels + c]! * xs.weights[w0 + k]!;
        horizontal[dstRow + x * channels + c] = sum;
      }
    }
  }
  const out = new Uint8Array(outWidth * outHeight * channels);
  const rowLength = outWidth * channels;
  for (let y = 0; y < outHeight; y++) {
    const f = ys.first[y]! - rowLo;
    const n = ys.count[y]!;
    const w0 = y * ys.stride;
    for (let i = 0; i < rowLength; i++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += horizontal[(f + k) * rowLength + i]! * ys.weights[w0 + k]!;
      out[y * rowLength + i] = sum <= 0 ? 0 : sum >= 255 ? 255 : Math.round(sum);
    }
  }
  return out;
}
