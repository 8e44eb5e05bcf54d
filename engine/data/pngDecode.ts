/**
 * A PNG decoder in plain JavaScript for the images datasets are made of:
 * small, non-interlaced PNGs (MNIST-style digits, icons, crops). For those,
 * sharp's fixed cost per call (a libvips pipeline per image, ~0.5 ms) is far
 * larger than the decoding itself, and it made the studio several times
 * slower than a PIL loop. Here a small PNG costs one zlib inflate and a pass
 * over its bytes, and it runs in worker threads (decodePool.ts).
 *
 * Anything unusual is left to sharp: interlaced files, embedded colour
 * profiles (sharp converts those to sRGB), and large images (where libvips'
 * streaming and shrink-on-load win). `decodePng` returns null for those.
 */
import { inflateSync } from 'node:zlib';

/** 8-bit pixels, `channels` per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

/** The signature every PNG starts with. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Past this many pixels libvips is the better decoder. */
export const FAST_PNG_MAX_PIXELS = 1 << 22;

/** A file that says it is a PNG but cannot be one; the message is the reason shown to the person. */
export class PngFormatError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PngFormatError';
  }
}

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < PNG_SIGNATURE.length) return false;
  for (let i = 0; i < PNG_SIGNATURE.length; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Width and height from the IHDR chunk, without decoding; null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (!isPng(bytes) || bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes a PNG to 8-bit pixels, or returns null when sharp should do it.
 * Throws PngFormatError for files that are broken.
 */
export function decodePng(bytes: Uint8Array): RawImage | null {
  if (!isPng(bytes)) throw new PngFormatError('not a PNG file (its signature is wrong)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const compressed: Uint8Array[] = [];
  let ended = false;

  let offset = PNG_SIGNATURE.length;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!);
    const start = offset + 8;
    const end = start + length;
    if (end + 4 > bytes.length) throw new PngFormatError(`the file is cut off (in its ${type} chunk)`);
    const data = bytes.subarray(start, end);
    if (type === 'IHDR') {
      if (length < 13) throw new PngFormatError('its IHDR header chunk is too short');
      header = {
        width: view.getUint32(start),
        height: view.getUint32(start + 4),
        bitDepth: data[8]!,
        colourType: data[9]!,
        interlaced: data[12] === 1,
      };
    } else if (type === 'PLTE') {
      palette = data;
    } else if (type === 'tRNS') {
      transparency = data;
    } else if (type === 'IDAT') {
      compressed.push(data);
    } else if (type === 'iCCP') {
      return null;
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset = end + 4;
  }

  if (header === null) throw new PngFormatError('it has no IHDR header chunk');
  const { width, height, bitDepth, colourType } = header;
  if (!(colourType in SAMPLES_PER_PIXEL) || !ALLOWED_DEPTHS[colourType]!.includes(bitDepth)) {
    throw new PngFormatError(`colour type ${colourType} with bit depth ${bitDepth} is not a valid PNG combination`);
  }
  if (width === 0 || height === 0) throw new PngFormatError(`it is ${width}×${height} pixels`);
  if (header.interlaced || width * height > FAST_PNG_MAX_PIXELS) return null;
  if (!ended) throw new PngFormatError('the file is cut off (no IEND chunk)');
  if (compressed.length === 0) throw new PngFormatError('it has no image data (IDAT chunk)');
  if (colourType === 3 && palette === null) throw new PngFormatError('it is a palette image without a palette (PLTE chunk)');

  const bitsPerPixel = SAMPLES_PER_PIXEL[colourType]! * bitDepth;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  // The header fixes how many bytes the image data unpacks to (one filter byte
  // per row). Inflation stops there: a few megabytes of zeros that unpack to
  // gigabytes (a zip bomb) cost no more than the image they claim to be.
  const declared = (rowBytes + 1) * height;
  let inflated: Buffer;
  try {
    inflated = inflateSync(compressed.length === 1 ? compressed[0]! : Buffer.concat(compressed), { maxOutputLength: declared });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PngFormatError(`its image data unpacks to more than the ${declared} bytes its ${width}×${height} header declares (a corrupt or hostile file)`);
    }
    throw new PngFormatError(`its image data does not unpack (${(error as Error).message})`);
  }
  if (inflated.length < declared) {
    throw new PngFormatError(`its image data holds ${inflated.length} bytes, ${declared} are needed`);
  }
  const rows = unfilter(inflated, rowBytes, height, Math.max(1, bitsPerPixel >> 3));
  return expand(rows, header, rowBytes, palette, transparency);
}

/** Undoes the per-row filters in place; returns the rows without their filter bytes. */
function unfilter(data: Uint8Array, rowBytes: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filter = data[y * (rowBytes + 1)]!;
    const src = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    const prior = row - rowBytes;
    switch (filter) {
      case 0:
        out.set(data.subarray(src, src + rowBytes), row);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) out[row + i] = data[src + i]! + (i >= bpp ? out[row + i - bpp]! : 0);
        break;
      case 2:
        for (let i = 0; i < rowBytes; i++) out[row + i] = data[src + i]! + (y > 0 ? out[prior + i]! : 0);
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? out[row + i - bpp]! : 0;
          const up = y > 0 ? out[prior + i]! : 0;
          out[row + i] = data[src + i]! + ((left + up) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[row + i - bpp]! : 0;
          const b = y > 0 ? out[prior + i]! : 0;
          const c = i >= bpp && y > 0 ? out[prior + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[row + i] = data[src + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        throw new PngFormatError(`row ${y} has an unknown filter type ${filter}`);
    }
  }
  return out;
}

/** Rows of packed samples → 8-bit pixels; palettes and tRNS become real channels. */
function expand(rows: Uint8Array, header: Header, rowBytes: number, palette: Uint8Array | null, trns: Uint8Array | null): RawImage {
  const { width, height, bitDepth, colourType } = header;
  const pixels = width * height;

  if (colourType === 3) {
    const entries = palette!.length / 3;
    const hasAlpha = trns !== null && trns.length > 0;
    const channels = hasAlpha ? 4 : 3;
    const data = new Uint8Array(pixels * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const index = sampleAt(rows, y * rowBytes, x, bitDepth);
        if (index >= entries) throw new PngFormatError(`pixel (${x}, ${y}) uses palette entry ${index}, the palette has ${entries}`);
        const o = (y * width + x) * channels;
        data[o] = palette![index * 3]!;
        data[o + 1] = palette![index * 3 + 1]!;
        data[o + 2] = palette![index * 3 + 2]!;
        if (hasAlpha) data[o + 3] = index < trns!.length ? trns![index]! : 255;
      }
    }
    return { width, height, channels, data };
  }

  const samples = SAMPLES_PER_PIXEL[colourType]!;
  // A tRNS chunk on grey or RGB names one colour that is fully transparent.
  const keyed = trns !== null && (colourType === 0 || colourType === 2);
  const channels = (samples + (keyed ? 1 : 0)) as RawImage['channels'];
  const data = new Uint8Array(pixels * channels);

  if (bitDepth === 8 && !keyed) {
    data.set(rows.subarray(0, pixels * samples));
    return { width, height, channels, data };
  }
  const key = keyed ? transparentKey(trns!, samples) : null;
  const scale = bitDepth < 8 ? 255 / ((1 << bitDepth) - 1) : 1;
  const sample = new Array<number>(samples);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++) {
      let transparent = key !== null;
      for (let s = 0; s < samples; s++) {
        let value: number;
        if (bitDepth === 16) {
          const at = row + (x * samples + s) * 2;
          value = (rows[at]! << 8) | rows[at + 1]!;
          if (key !== null && value !== key[s]) transparent = false;
          value >>= 8;
        } else {
          value = bitDepth === 8 ? rows[row + x * samples + s]! : sampleAt(rows, row, x, bitDepth);
          if (key !== null && value !== key[s]) transparent = false;
          if (bitDepth < 8) value = Math.round(value * scale);
        }
        sample[s] = value;
      }
      const o = (y * width + x) * channels;
      for (let s = 0; s < samples; s++) data[o + s] = sample[s]!;
      if (keyed) data[o + samples] = transparent ? 0 : 255;
    }
  }
  return { width, height, channels, data };
}

function transparentKey(trns: Uint8Array, samples: number): number[] {
  return Array.from({ length: samples }, (_, s) => ((trns[s * 2] ?? 0) << 8) | (trns[s * 2 + 1] ?? 0));
}

/** The x-th sample of a row packed at 1, 2, 4 or 8 bits. */
function sampleAt(rows: Uint8Array, rowStart: number, x: number, bitDepth: number): number {
  if (bitDepth === 8) return rows[rowStart + x]!;
  const bit = x * bitDepth;
  const byte = rows[rowStart + (bit >> 3)]!;
  return (byte >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
}
