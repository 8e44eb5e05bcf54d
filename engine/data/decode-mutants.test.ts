// What the decoding mutation run (pngDecode.ts + decode.ts, third round) found unchecked in decode.ts:
// - a PNG whose header is above the pixel limit is refused by the JavaScript path on the header's word,
//   with the size and the fix (not "cannot be decoded" after trying), and a header exactly at the limit
//   is not refused (too large for the JavaScript path, it is left to sharp);
// - the sharp path accepts a JPEG with stray bytes before a marker (common in images from the web)
//   and refuses one cut off;
// - the error is an ImageDecodeError by name too (the decode workers send errors across by name);
// - (fourth round, decode.ts alone, 85.3 %) the sharp path honours the resize mode, and a size known
//   only in part reads "too large".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeFastInto, decodeWithSharpInto, ImageDecodeError, MAX_INPUT_PIXELS, tooLargeReason } from './decode.js';
import { IEND, idat, ihdr, png } from '../testing/pngParts.js';

const GREY = { height: 4, width: 4, channels: 1 } as const;

function refusal(run: () => unknown): ImageDecodeError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ImageDecodeError, `an ImageDecodeError, not ${e}`);
    return e;
  }
  assert.fail('expected a refusal');
}

test('a PNG header above the pixel limit is refused on its word, with its size; one exactly at the limit is left to sharp', () => {
  const side = Math.sqrt(MAX_INPUT_PIXELS);
  assert.equal(side, 0x3fff, 'the limit is a square of 16383');
  const huge = png(ihdr(20_000, 20_000, 8, 0), idat([[0, 1]]), IEND);
  const error = refusal(() => decodeFastInto('huge.png', huge, GREY, 'stretch', new Uint8Array(16)));
  assert.equal(error.message, tooLargeReason(20_000, 20_000));
  assert.equal(error.name, 'ImageDecodeError');
  assert.equal(error.path, 'huge.png');

  const atLimit = png(ihdr(side, side, 8, 0), idat([[0, 1]]), IEND);
  // Not refused: a PNG that large is left to sharp (which then finds its pixels missing).
  assert.equal(decodeFastInto('at-limit.png', atLimit, GREY, 'stretch', new Uint8Array(16)), false);
});

test('the sharp path takes a JPEG with a harmless warning and refuses one cut off', async () => {
  const noise = Buffer.from(Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37) % 251));
  const jpeg = await sharp(noise, { raw: { width: 32, height: 32, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  assert.deepEqual([...jpeg.subarray(-2)], [0xff, 0xd9], 'a JPEG ends with its EOI marker');
  // Three stray bytes before EOI: the image is whole.
  const warned = Buffer.concat([jpeg.subarray(0, -2), Buffer.from([0x12, 0x34, 0x56]), jpeg.subarray(-2)]);
  const clean = new Uint8Array(16);
  const fromWarned = new Uint8Array(16);
  await decodeWithSharpInto('clean.jpg', jpeg, GREY, 'stretch', clean);
  await decodeWithSharpInto('warned.jpg', warned, GREY, 'stretch', fromWarned);
  assert.deepEqual(fromWarned, clean, 'the stray bytes change no pixel');

  const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
  await assert.rejects(decodeWithSharpInto('cut.jpg', cut, GREY, 'stretch', new Uint8Array(16)), (e: unknown) => e instanceof ImageDecodeError && /^cannot be decoded: /.test(e.message) && e.path === 'cut.jpg');
});

test('the sharp path fits the image as the resize mode says: stretch keeps the dark left edge, centre-crop cuts it off', async () => {
  // 40×20: the left 5 columns black, the rest white.
  const pixels = Buffer.alloc(40 * 20 * 3, 255);
  for (let y = 0; y < 20; y++) pixels.fill(0, y * 120, y * 120 + 15);
  const lossless = await sharp(pixels, { raw: { width: 40, height: 20, channels: 3 } }).png().toBuffer();
  const stretched = new Uint8Array(8 * 8);
  const cropped = new Uint8Array(8 * 8);
  const shape = { height: 8, width: 8, channels: 1 } as const;
  await decodeWithSharpInto('wide.png', lossless, shape, 'stretch', stretched);
  await decodeWithSharpInto('wide.png', lossless, shape, 'center-crop', cropped);
  assert.ok(stretched[0]! < 60, `stretch: the first column is dark (${stretched[0]})`);
  assert.ok(stretched[7]! > 225, `stretch: the last column is light (${stretched[7]})`);
  assert.ok([...cropped].every((v) => v > 225), `centre-crop: the middle 20×20 is all light (${[...cropped]})`);
});

test('an image above the limit whose size is not known in full is "too large", not "undefined×…"', () => {
  assert.match(tooLargeReason(20_000, undefined), /^is too large, more than the decoder's limit of \d+ megapixels/);
  assert.match(tooLargeReason(undefined, 20_000), /^is too large, /);
});
