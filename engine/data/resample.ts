/**
 * From decoded pixels to the network's input in plain JavaScript: alpha
 * flattened onto black, grey↔RGB, and a resize by stretch, centre-crop or
 * letterbox. The resize is a separable triangle (bilinear) filter whose
 * support widens with the reduction, as PIL's BILINEAR and libvips' linear
 * kernel do, so shrinking averages every source pixel instead of skipping
 * most of them.
 */
import type { ResizeMode } from '../project/schema.js';
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

/**
 * Taps depend only on the sizes, and a dataset's images mostly share one
 * size: computing them once per size, not once per image, halves the cost
 * of resizing a small image.
 */
const tapsCache = new Map<string, Taps>();
const TAPS_CACHE_SIZE = 64;

function cachedTaps(sourceLength: number, start: number, extent: number, outLength: number): Taps {
  const key = `${sourceLength} ${start} ${extent} ${outLength}`;
  let taps = tapsCache.get(key);
  if (taps === undefined) {
    if (tapsCache.size >= TAPS_CACHE_SIZE) tapsCache.delete(tapsCache.keys().next().value!);
    taps = axisTaps(sourceLength, start, extent, outLength);
    tapsCache.set(key, taps);
  }
  return taps;
}

/** Scratch rows of the horizontal pass, grown as needed and reused. */
let scratch = new Float32Array(0);

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
    // Taps of weight 0 at either end cost a multiply each and add nothing.
    let skip = 0;
    while (skip < n - 1 && weights[i * stride + skip] === 0) skip++;
    let kept = n - skip;
    while (kept > 1 && weights[i * stride + skip + kept - 1] === 0) kept--;
    for (let k = 0; k < kept; k++) weights[i * stride + k] = weights[i * stride + skip + k]! / sum;
    first[i] = lo + skip;
    count[i] = kept;
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
  const xs = cachedTaps(width, source.x, source.width, outWidth);
  const ys = cachedTaps(height, source.y, source.height, outHeight);
  // Horizontal pass over only the rows the vertical pass reads.
  const rowLo = ys.first[0]!;
  const rowHi = ys.first[outHeight - 1]! + ys.count[outHeight - 1]!;
  const rows = rowHi - rowLo;
  const rowLength = outWidth * channels;
  if (scratch.length < rows * rowLength) scratch = new Float32Array(rows * rowLength);
  const horizontal = scratch;
  const xFirst = xs.first;
  const xCount = xs.count;
  const xWeights = xs.weights;
  const xStride = xs.stride;
  for (let y = 0; y < rows; y++) {
    const srcRow = (rowLo + y) * width * channels;
    const dstRow = y * rowLength;
    for (let x = 0; x < outWidth; x++) {
      const n = xCount[x]!;
      const w0 = x * xStride;
      const from = srcRow + xFirst[x]! * channels;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0, at = from + c; k < n; k++, at += channels) sum += data[at]! * xWeights[w0 + k]!;
        horizontal[dstRow + x * channels + c] = sum;
      }
    }
  }
  const out = new Uint8Array(outWidth * outHeight * channels);
  const yWeights = ys.weights;
  for (let y = 0; y < outHeight; y++) {
    const n = ys.count[y]!;
    const w0 = y * ys.stride;
    const from = (ys.first[y]! - rowLo) * rowLength;
    const dst = y * rowLength;
    for (let i = 0; i < rowLength; i++) {
      let sum = 0;
      for (let k = 0, at = from + i; k < n; k++, at += rowLength) sum += horizontal[at]! * yWeights[w0 + k]!;
      // Uint8Array stores clamp nothing: round and clamp by hand.
      out[dst + i] = sum <= 0 ? 0 : sum >= 255 ? 255 : (sum + 0.5) | 0;
    }
  }
  return out;
}
