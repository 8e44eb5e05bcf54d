// What the decoding mutation run (pngDecode.ts + decode.ts, third round) found unchecked in decode.ts:
// - a PNG whose header is above the pixel limit is refused by the JavaScript path on the header's word,
//   with the size and the fix (not "cannot be decoded" after trying), and a header exactly at the limit
//   is not refused (too large for the JavaScript path, it is left to sharp);
// - the sharp path accepts a JPEG with stray bytes before a marker (common in images from the web)
//   and refuses one cut off;
// - the error is an ImageDecodeError by name too (the decode workers send errors across by name).
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
