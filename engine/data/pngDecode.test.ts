/**
 * The JavaScript PNG path against sharp (libvips) on the same files: every
 * colour type and bit depth, every row filter, transparency, and the three
 * resize modes' geometry. Broken PNGs are refused with a reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeFastInto, decodeWithSharpInto, ImageDecodeError } from './decode.js';
import { decodePng } from './pngDecode.js';
import { createRandom } from './random.js';
import { encodePng } from '../testing/imageFiles.js';
import type { ImageInputShape } from './types.js';

async function bothPaths(png: Buffer, input: ImageInputShape): Promise<{ fast: Uint8Array; slow: Uint8Array }> {
  const fast = new Uint8Array(input.height * input.width * input.channels);
  const slow = new Uint8Array(fast.length);
  assert.equal(decodeFastInto('x.png', png, input, 'stretch', fast), true, 'the fast path takes this PNG');
  await decodeWithSharpInto('x.png', png, input, 'stretch', slow);
  return { fast, slow };
}

function maxDifference(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

test('every colour type and bit depth decodes as sharp decodes it, at the native size', async () => {
  const random = createRandom(5);
  const width = 7;
  const height = 5;
  const n = width * height;
  const values = (count: number, max: number) => Array.from({ length: count }, () => Math.floor(random() * (max + 1)));
  const palette: [number, number, number][] = Array.from({ length: 16 }, () => [values(1, 255)[0]!, values(1, 255)[0]!, values(1, 255)[0]!]);
  const cases: { name: string; png: Buffer; tolerance: number }[] = [];
  for (const depth of [1, 2, 4, 8, 16] as const) {
    cases.push({ name: `grey ${depth}-bit`, png: encodePng({ width, height, colourType: 0, bitDepth: depth, samples: values(n, 2 ** depth - 1) }), tolerance: 0 });
  }
  for (const depth of [8, 16] as const) {
    cases.push({ name: `RGB ${depth}-bit`, png: encodePng({ width, height, colourType: 2, bitDepth: depth, samples: values(n * 3, 2 ** depth - 1) }), tolerance: depth === 16 ? 1 : 0 });
    // 16-bit alpha: sharp flattens at 16 bits, the fast path at 8, so rounding may differ by 2.
    cases.push({ name: `grey+alpha ${depth}-bit`, png: encodePng({ width, height, colourType: 4, bitDepth: depth, samples: values(n * 2, 2 ** depth - 1) }), tolerance: depth === 16 ? 2 : 1 });
    cases.push({ name: `RGBA ${depth}-bit`, png: encodePng({ width, height, colourType: 6, bitDepth: depth, samples: values(n * 4, 2 ** depth - 1) }), tolerance: depth === 16 ? 2 : 1 });
  }
  for (const depth of [1, 2, 4, 8] as const) {
    const entries = Math.min(16, 2 ** depth);
    cases.push({ name: `palette ${depth}-bit`, png: encodePng({ width, height, colourType: 3, bitDepth: depth, samples: values(n, entries - 1), palette: palette.slice(0, entries) }), tolerance: 0 });
  }
  cases.push({
    name: 'palette with tRNS',
    png: encodePng({ width, height, colourType: 3, bitDepth: 8, samples: values(n, 3), palette: palette.slice(0, 4), transparency: [0, 64, 255] }),
    tolerance: 1,
  });
  cases.push({
    name: 'grey with a transparent key',
    png: encodePng({ width, height, colourType: 0, bitDepth: 8, samples: values(n, 3).map((v) => v * 80), transparency: [0, 80] }),
    tolerance: 0,
  });
  for (const { name, png, tolerance } of cases) {
    for (const channels of [1, 3] as const) {
      const { fast, slow } = await bothPaths(png, { height, width, channels });
      assert.ok(maxDifference(fast, slow) <= tolerance, `${name} → ${channels} channels: fast and sharp differ by ${maxDifference(fast, slow)}`);
    }
  }
});

// libvips picks Sub, Up and Paeth rows for this image, no Average (read from the file: 1,4,2,4,4,2,4…);
// pngFilters.test.ts writes PNGs with every filter type, Average rows included.
test('PNGs written by libvips with adaptive row filters (Sub, Up, Paeth) decode exactly', async () => {
  const random = createRandom(9);
  const width = 37;
  const height = 23;
  // Smooth gradients plus noise make the encoder pick every filter type.
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = (x * 5 + y * 3 * c + Math.floor(random() * 12)) & 255;
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
  const decoded = decodePng(png)!;
  assert.deepEqual([decoded.width, decoded.height, decoded.channels], [width, height, 3]);
  assert.deepEqual(Buffer.from(decoded.data), pixels);
});

test('resize modes: stretch fills, centre-crop keeps the middle, letterbox pads with black; both paths agree', async () => {
  // 20×10, left half white, right half black.
  const width = 20;
  const height = 10;
  const samples: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) samples.push(x < 10 ? 255 : 0);
  const png = encodePng({ width, height, colourType: 0, bitDepth: 8, samples });
  const input = { height: 8, width: 8, channels: 1 } as const;
  const decode = async (mode: 'stretch' | 'center-crop' | 'letterbox') => {
    const fast = new Uint8Array(64);
    const slow = new Uint8Array(64);
    decodeFastInto('x.png', png, input, mode, fast);
    await decodeWithSharpInto('x.png', png, input, mode, slow);
    return { fast, slow };
  };
  const column = (pixels: Uint8Array, x: number) => Array.from({ length: 8 }, (_, y) => pixels[y * 8 + x]!);
  const row = (pixels: Uint8Array, y: number) => [...pixels.subarray(y * 8, y * 8 + 8)];

  const stretch = await decode('stretch');
  assert.deepEqual(column(stretch.fast, 0), new Array(8).fill(255));
  assert.deepEqual(column(stretch.fast, 7), new Array(8).fill(0));
  // Centre-crop keeps source columns 5…15: white then black, split in the middle.
  const crop = await decode('center-crop');
  for (const pixels of [crop.fast, crop.slow]) {
    assert.deepEqual(column(pixels, 1), new Array(8).fill(255));
    assert.deepEqual(column(pixels, 6), new Array(8).fill(0));
  }
  // Letterbox: 20×10 → 8×4 in rows 2…5, black rows above and below.
  const box = await decode('letterbox');
  for (const pixels of [box.fast, box.slow]) {
    assert.deepEqual(row(pixels, 0), new Array(8).fill(0));
    assert.deepEqual(row(pixels, 7), new Array(8).fill(0));
    assert.equal(pixels[3 * 8]!, 255);
    assert.equal(pixels[3 * 8 + 7]!, 0);
  }
  for (const mode of [stretch, crop, box]) assert.ok(maxDifference(mode.fast, mode.slow) <= 64, 'the two filters differ only at the white/black edge');
});

test('broken PNGs are refused with the reason, not decoded into garbage', () => {
  const good = encodePng({ width: 4, height: 4, colourType: 0, bitDepth: 8, samples: new Array(16).fill(9) });
  const target = new Uint8Array(16);
  const input = { height: 4, width: 4, channels: 1 } as const;
  const reason = (bytes: Buffer) => {
    try {
      decodeFastInto('bad.png', bytes, input, 'stretch', target);
    } catch (error) {
      assert.ok(error instanceof ImageDecodeError);
      assert.equal(error.path, 'bad.png');
      return error.message;
    }
    return assert.fail('should be refused');
  };
  assert.match(reason(good.subarray(0, good.length - 20)), /cut off/);
  assert.match(reason(Buffer.alloc(0)), /empty file/);
  const wrongType = Buffer.from(good);
  wrongType[25] = 5; // IHDR colour type 5 does not exist
  assert.match(reason(wrongType), /colour type 5 with bit depth 8 is not a valid PNG combination/);
  const badPalette = encodePng({ width: 2, height: 1, colourType: 3, bitDepth: 8, samples: [0, 7], palette: [[1, 2, 3]] });
  assert.match(reason(badPalette), /palette entry 7, the palette has 1/);
});
