/**
 * The PNG decoder undoes each row filter exactly, Average (type 3) above all:
 * issue 19 found that no test PNG had Average rows (libvips' adaptive
 * filtering picked none for the file that claimed to), so a wrong rounding
 * survived. These PNGs are written here with the filter of each row chosen,
 * and the test reads the filter types back out of the file before decoding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import { pngChunk } from '../testing/imageFiles.js';
import { decodePng } from './pngDecode.js';
import { createRandom } from './random.js';

type Filter = 0 | 1 | 2 | 3 | 4;

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** An 8-bit PNG (grey, grey+alpha, RGB or RGBA by `channels`) whose row y is filtered with filters[y]. */
function filteredPng(width: number, height: number, channels: 1 | 2 | 3 | 4, pixels: Uint8Array, filters: Filter[]): Buffer {
  const bpp = channels;
  const rowBytes = width * bpp;
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const filter = filters[y]!;
    raw[y * (rowBytes + 1)] = filter;
    for (let i = 0; i < rowBytes; i++) {
      const x = pixels[y * rowBytes + i]!;
      const a = i >= bpp ? pixels[y * rowBytes + i - bpp]! : 0;
      const b = y > 0 ? pixels[(y - 1) * rowBytes + i]! : 0;
      const c = i >= bpp && y > 0 ? pixels[(y - 1) * rowBytes + i - bpp]! : 0;
      const predicted = [0, a, b, Math.floor((a + b) / 2), paeth(a, b, c)][filter]!;
      raw[y * (rowBytes + 1) + 1 + i] = (x - predicted) & 255;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The filter type of every row, read from the file itself (8-bit, not interlaced). */
function rowFilters(png: Buffer): number[] {
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      channels = { 0: 1, 4: 2, 2: 3, 6: 4 }[data[9]!]!;
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return Array.from({ length: height }, (_, y) => raw[y * (width * channels + 1)]!);
}

/** Pixels where left + up is often odd, so Average's rounding down matters. */
function noisyPixels(length: number, seed: number): Uint8Array {
  const random = createRandom(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

for (const channels of [1, 2, 3, 4] as const) {
  test(`${channels}-channel rows all filtered with Average decode exactly`, () => {
    const width = 13;
    const height = 9;
    const pixels = noisyPixels(width * height * channels, channels);
    const png = filteredPng(width, height, channels, pixels, Array(height).fill(3));
    assert.deepEqual(rowFilters(png), Array(height).fill(3), 'every row of the file uses Average');
    const decoded = decodePng(png)!;
    assert.deepEqual([decoded.width, decoded.height, decoded.channels], [width, height, channels]);
    assert.deepEqual(Buffer.from(decoded.data), Buffer.from(pixels));
  });
}

test('each filter type after each other, so every row is unfiltered against a row of another type', () => {
  const width = 11;
  const height = 25;
  const filters = Array.from({ length: height }, (_, y) => ((y * 3) % 5) as Filter);
  const pixels = noisyPixels(width * height * 3, 42);
  const png = filteredPng(width, height, 3, pixels, filters);
  const found = rowFilters(png);
  assert.deepEqual(found, filters);
  assert.deepEqual([...new Set(found)].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(Buffer.from(decodePng(png)!.data), Buffer.from(pixels));
});
