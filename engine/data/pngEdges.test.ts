/**
 * The PNG decoder on files built chunk by chunk (pngDecode.ts): the layouts
 * encoders produce but the other tests never met (image data split over
 * several IDAT chunks, Up and Paeth on the first row, a tRNS colour key on
 * 8-bit and packed grey and on RGB, an embedded colour profile), and every
 * way a header or chunk list can be broken, each refused with its reason.
 * Where libpng (through sharp) reads the same file, the pixels are compared
 * with its; the rest are worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { makeTempDir, pngChunk, solidImage } from '../testing/imageFiles.js';
import { decodeFastInto, decodeImageInto, ImageDecodeError } from './decode.js';
import { decodePng, isPng, PngFormatError, pngSize, type RawImage } from './pngDecode.js';
import { IEND, SIGNATURE, idat, ihdr, png } from '../testing/pngParts.js';


function refused(bytes: Buffer, reason: RegExp): void {
  assert.throws(() => decodePng(bytes), (error: unknown) => {
    assert.ok(error instanceof PngFormatError, String(error));
    assert.match(error.message, reason);
    return true;
  });
}

/** What libpng (through sharp) decodes the file to: RGB, or RGBA where there is alpha. */
async function libpng(bytes: Buffer): Promise<number[]> {
  return [...(await sharp(bytes).raw().toBuffer())];
}

/** The decoder's pixels widened as sharp widens them: grey to RGB, grey+alpha to RGBA. */
function asSharpGives(image: RawImage): number[] {
  if (image.channels > 2) return [...image.data];
  const out: number[] = [];
  for (let i = 0; i < image.data.length; i += image.channels) {
    const grey = image.data[i]!;
    out.push(grey, grey, grey);
    if (image.channels === 2) out.push(image.data[i + 1]!);
  }
  return out;
}

test('image data split over several IDAT chunks is joined before it is unpacked', async () => {
  const rows = [
    [0, 10, 20, 30],
    [0, 40, 50, 60],
  ];
  const packed = deflateSync(Buffer.from(rows.flat()));
  const split = png(ihdr(3, 2, 8, 0), pngChunk('IDAT', packed.subarray(0, 5)), pngChunk('IDAT', packed.subarray(5)), IEND);
  const image = decodePng(split)!;
  assert.deepEqual([image.width, image.height, image.channels], [3, 2, 1]);
  assert.deepEqual([...image.data], [10, 20, 30, 40, 50, 60]);
  assert.deepEqual(await libpng(split), asSharpGives(image));
});

test('Up and Paeth on the first row read a row of zeros above it', async () => {
  // Grey 8-bit, 3×2. Row 0 Up: the row above is zeros, so the bytes are the pixels.
  // Row 0 Paeth: above and upper-left are 0, so the predictor is the left pixel.
  const up = png(ihdr(3, 2, 8, 0), idat([[2, 5, 6, 7], [2, 1, 1, 1]]), IEND);
  assert.deepEqual([...decodePng(up)!.data], [5, 6, 7, 6, 7, 8]);
  assert.deepEqual(await libpng(up), asSharpGives(decodePng(up)!));
  const paeth = png(ihdr(3, 2, 8, 0), idat([[4, 5, 6, 7], [4, 0, 0, 0]]), IEND);
  // Row 0: 5, 5+6, 11+7. Row 1 (all zeros): Paeth predicts the pixel above each time, so it repeats row 0.
  assert.deepEqual([...decodePng(paeth)!.data], [5, 11, 18, 5, 11, 18]);
  assert.deepEqual(await libpng(paeth), asSharpGives(decodePng(paeth)!));
});

test('a tRNS colour key makes exactly the matching pixels transparent: 8-bit grey, 2-bit grey and RGB', async () => {
  // 8-bit grey, key 7: an alpha channel appears, 0 where the pixel is 7.
  const grey8 = png(ihdr(3, 1, 8, 0), pngChunk('tRNS', Buffer.from([0, 7])), idat([[0, 7, 8, 7]]), IEND);
  const g8 = decodePng(grey8)!;
  assert.equal(g8.channels, 2);
  assert.deepEqual([...g8.data], [7, 0, 8, 255, 7, 0]);
  assert.deepEqual(await libpng(grey8), asSharpGives(g8));

  // 2-bit grey, key 1 (before scaling): samples 0,1,2,3 → 0,85,170,255; only the 1 is transparent.
  const grey2 = png(ihdr(4, 1, 2, 0), pngChunk('tRNS', Buffer.from([0, 1])), idat([[0, 0b00011011]]), IEND);
  const g2 = decodePng(grey2)!;
  assert.equal(g2.channels, 2);
  assert.deepEqual([...g2.data], [0, 255, 85, 0, 170, 255, 255, 255]);
  assert.deepEqual(await libpng(grey2), asSharpGives(g2));

  // 8-bit RGB, key (1,2,3): a pixel matching in two samples of three stays opaque.
  const rgb = png(ihdr(3, 1, 8, 2), pngChunk('tRNS', Buffer.from([0, 1, 0, 2, 0, 3])), idat([[0, 1, 2, 3, 1, 2, 4, 9, 9, 9]]), IEND);
  const c = decodePng(rgb)!;
  assert.equal(c.channels, 4);
  assert.deepEqual([...c.data], [1, 2, 3, 0, 1, 2, 4, 255, 9, 9, 9, 255]);
  assert.deepEqual(await libpng(rgb), asSharpGives(c));

  // A tRNS cut short for RGB: the missing samples of the key read as 0, so only (5,0,0) is transparent.
  const short = png(ihdr(2, 1, 8, 2), pngChunk('tRNS', Buffer.from([0, 5])), idat([[0, 5, 0, 0, 5, 1, 0]]), IEND);
  assert.deepEqual([...decodePng(short)!.data], [5, 0, 0, 0, 5, 1, 0, 255]);
});

test('a PNG with an embedded colour profile is left to sharp, which converts it to sRGB', async () => {
  const profiled = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .withIccProfile('p3')
    .png()
    .toBuffer();
  assert.ok(profiled.includes(Buffer.from('iCCP')), 'sharp wrote an iCCP chunk');
  assert.equal(decodePng(profiled), null, 'the JavaScript decoder hands it over');
  const input = { height: 4, width: 4, channels: 3 } as const;
  assert.equal(decodeFastInto('p3.png', profiled, input, 'stretch', new Uint8Array(48)), false);
  // An interlaced header is handed over too, before its data is looked at.
  assert.equal(decodePng(png(ihdr(2, 2, 8, 0, 1), idat([[0, 1, 2]]), IEND)), null);
});

test('headers and chunk lists that cannot be a PNG are refused with the reason', () => {
  const row = idat([[0, 1]]);
  assert.equal(isPng(Buffer.from([0x89, 0x50, 0x4e])), false, 'three bytes are not even a signature');
  assert.equal(pngSize(Buffer.from([0x89, 0x50])), null);
  refused(Buffer.from([0x89, 0x50, 0x4e]), /^not a PNG file \(its signature is wrong\)$/);
  refused(png(pngChunk('IHDR', Buffer.alloc(12)), row, IEND), /^its IHDR header chunk is too short$/);
  refused(png(row, IEND), /^it has no IHDR header chunk$/);
  refused(png(ihdr(0, 5, 8, 0), row, IEND), /^it is 0×5 pixels$/);
  refused(png(ihdr(1, 1, 8, 0), row), /^the file is cut off \(no IEND chunk\)$/);
  refused(png(ihdr(1, 1, 8, 0), IEND), /^it has no image data \(IDAT chunk\)$/);
  refused(png(ihdr(1, 1, 8, 3), row, IEND), /^it is a palette image without a palette \(PLTE chunk\)$/);
  // 2×2 grey needs (2+1)×2 = 6 bytes; this data unpacks to 3.
  refused(png(ihdr(2, 2, 8, 0), idat([[0, 1, 2]]), IEND), /^its image data holds 3 bytes, 6 are needed$/);
  refused(png(ihdr(2, 1, 8, 0), idat([[5, 1, 2]]), IEND), /^row 0 has an unknown filter type 5$/);
  // 1 000 bytes of data behind a header that declares 2×2 (6 bytes): unpacking stops at the declared size.
  refused(png(ihdr(2, 2, 8, 0), pngChunk('IDAT', deflateSync(Buffer.alloc(1000))), IEND), /^its image data unpacks to more than the 6 bytes its 2×2 header declares \(a corrupt or hostile file\)$/);
});

test('a broken PNG read from disk is skipped with the decoder\'s reason, and a good one beside it decodes', async (t) => {
  const { dir, remove } = await makeTempDir('png-edges');
  t.after(remove);
  const input = { height: 2, width: 2, channels: 3 } as const;
  await writeFile(join(dir, 'filter.png'), png(ihdr(2, 1, 8, 0), idat([[9, 1, 2]]), IEND));
  await writeFile(join(dir, 'good.png'), await solidImage(2, 2, { r: 1, g: 2, b: 3 }, 'png'));
  await assert.rejects(decodeImageInto(join(dir, 'filter.png'), input, new Uint8Array(12)), (error: unknown) => {
    assert.ok(error instanceof ImageDecodeError);
    assert.equal(error.message, 'cannot be decoded: row 0 has an unknown filter type 9');
    return true;
  });
  const target = new Uint8Array(12);
  await decodeImageInto(join(dir, 'good.png'), input, target);
  assert.deepEqual([...target], [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
});
