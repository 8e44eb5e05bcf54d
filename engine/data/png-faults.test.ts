// The JavaScript PNG decoder (data/pngDecode.ts) on files written chunk by
// chunk: every way a file can be broken gets its own reason; the files it
// leaves to sharp (colour profile, interlaced) return null; and the rows and
// transparency keys no encoder here writes on request (Up and Paeth on the
// first row, two IDAT chunks, a 16-bit grey key, a short tRNS) decode to the
// pixels the PNG specification defines, worked out by hand. Found by coverage
// and mutation testing: none of these paths had a test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { pngChunk } from '../testing/imageFiles.js';
import { decodeFastInto, ImageDecodeError } from './decode.js';
import { decodePng, isPng, PngFormatError, pngSize } from './pngDecode.js';
import { IEND, SIGNATURE, idat, ihdr, png } from '../testing/pngParts.js';

/** A valid 3 × 1 grey file: pixels 1, 2, 3. */
const GREY_ROW = [ihdr(3, 1, 8, 0), idat([[0, 1, 2, 3]])];

function refusal(bytes: Buffer): string {
  try {
    decodePng(bytes);
  } catch (error) {
    assert.ok(error instanceof PngFormatError, String(error));
    return error.message;
  }
  return assert.fail('should be refused');
}

test('each broken file is refused with its own reason', () => {
  assert.equal(refusal(Buffer.from([0x89, 0x50, 0x4e])), 'not a PNG file (its signature is wrong)');
  assert.equal(refusal(png(pngChunk('IHDR', Buffer.alloc(12)), IEND)), 'its IHDR header chunk is too short');
  assert.equal(refusal(png(idat([[0, 1]]), IEND)), 'it has no IHDR header chunk');
  assert.equal(refusal(png(ihdr(0, 4, 8, 0), idat([[0]]), IEND)), 'it is 0×4 pixels');
  assert.equal(refusal(png(ihdr(4, 0, 8, 0), idat([[0]]), IEND)), 'it is 4×0 pixels');
  assert.equal(refusal(png(...GREY_ROW)), 'the file is cut off (no IEND chunk)');
  assert.equal(refusal(png(ihdr(3, 1, 8, 0), IEND)), 'it has no image data (IDAT chunk)');
  assert.equal(refusal(png(ihdr(2, 1, 8, 3), idat([[0, 0, 0]]), IEND)), 'it is a palette image without a palette (PLTE chunk)');
  assert.equal(refusal(png(ihdr(3, 1, 8, 0), idat([[0, 1, 2]]), IEND)), 'its image data holds 3 bytes, 4 are needed');
  assert.equal(
    refusal(png(ihdr(3, 1, 8, 0), idat([[0, 1, 2, 3, 4, 5, 6, 7]]), IEND)),
    'its image data unpacks to more than the 4 bytes its 3×1 header declares (a corrupt or hostile file)',
  );
  assert.match(refusal(png(ihdr(3, 1, 8, 0), pngChunk('IDAT', Buffer.from('not zlib data')), IEND)), /^its image data does not unpack \(.+\)$/);
  assert.equal(refusal(png(ihdr(3, 2, 8, 0), idat([[0, 1, 2, 3], [5, 1, 2, 3]]), IEND)), 'row 1 has an unknown filter type 5');
  // The path-level reason names the file, as the dataset summary shows it.
  const target = new Uint8Array(3);
  assert.throws(() => decodeFastInto('a/b.png', png(...GREY_ROW), { width: 3, height: 1, channels: 1 }, 'stretch', target), (error: unknown) => {
    assert.ok(error instanceof ImageDecodeError);
    assert.equal(error.path, 'a/b.png');
    assert.equal(error.message, 'cannot be decoded: the file is cut off (no IEND chunk)');
    return true;
  });
});

test('a file shorter than the signature is not a PNG, and has no size', () => {
  assert.equal(isPng(SIGNATURE.subarray(0, 7)), false);
  assert.equal(isPng(SIGNATURE), true);
  assert.equal(pngSize(SIGNATURE), null, 'a signature alone has no IHDR');
  assert.deepEqual(pngSize(png(ihdr(300, 7, 8, 0))), { width: 300, height: 7 });
  // Not a PNG: the JavaScript path leaves it to sharp.
  assert.equal(decodeFastInto('x.bin', Buffer.from([1, 2, 3]), { width: 1, height: 1, channels: 1 }, 'stretch', new Uint8Array(1)), false);
});

test('a colour profile or interlacing leaves the file to sharp', () => {
  assert.equal(decodePng(png(ihdr(3, 1, 8, 0), pngChunk('iCCP', Buffer.from('profile\0\0x')), idat([[0, 1, 2, 3]]), IEND)), null);
  assert.equal(decodePng(png(ihdr(3, 1, 8, 0, 1), idat([[0, 1, 2, 3]]), IEND)), null);
  // Unknown ancillary chunks are skipped.
  assert.deepEqual([...decodePng(png(ihdr(3, 1, 8, 0), pngChunk('tEXt', Buffer.from('a\0b')), idat([[0, 1, 2, 3]]), IEND))!.data], [1, 2, 3]);
});

test('Up and Paeth on the first row see zeros above; image data split over two IDAT chunks joins', () => {
  // Row 0 Paeth: above and above-left are 0, so Paeth predicts the left byte: 10, 10+5, 15+5.
  // Row 1 Up: 1 more than the row above. Row 2 Paeth: a = left, b = up, c = up-left.
  const rows = [
    [4, 10, 5, 5],
    [2, 1, 1, 1],
    [4, 1, 1, 1],
  ];
  const image = decodePng(png(ihdr(3, 3, 8, 0), idat(rows), IEND))!;
  // Row 2: x0: a 0, b 11, c 0 → p 11, pb 0 → b: 12. x1: a 12, b 16, c 11 → p 17, pa 5, pb 1, pc 6 → b: 17.
  // x2: a 17, b 21, c 16 → p 22, pa 5, pb 1, pc 6 → b: 22.
  assert.deepEqual([...image.data], [10, 15, 20, 11, 16, 21, 12, 17, 22]);
  const up = decodePng(png(ihdr(3, 1, 8, 0), idat([[2, 7, 8, 9]]), IEND))!;
  assert.deepEqual([...up.data], [7, 8, 9]);

  const deflated = deflateSync(Buffer.from(rows.flat()));
  const split = png(ihdr(3, 3, 8, 0), pngChunk('IDAT', deflated.subarray(0, 5)), pngChunk('IDAT', deflated.subarray(5)), IEND);
  assert.deepEqual([...decodePng(split)!.data], [10, 15, 20, 11, 16, 21, 12, 17, 22]);
});

test('transparency keys: a 16-bit grey key matches all 16 bits; a short tRNS counts missing bytes as 0; tRNS on an alpha image is ignored', () => {
  // 16-bit grey, key 0x0102: only the exact 16-bit value is transparent, not 0x0103 (same high byte).
  const grey16 = Buffer.from([0, 0x01, 0x02, 0x01, 0x03, 0xff, 0xff]);
  const image = decodePng(png(ihdr(3, 1, 16, 0), pngChunk('tRNS', Buffer.from([0x01, 0x02])), pngChunk('IDAT', deflateSync(grey16)), IEND))!;
  assert.equal(image.channels, 2);
  assert.deepEqual([...image.data], [1, 0, 1, 255, 255, 255]);
  // A 1-byte tRNS on 8-bit grey: the key is (0x05 << 8) | 0, which no 8-bit sample equals.
  const short = decodePng(png(ihdr(2, 1, 8, 0), pngChunk('tRNS', Buffer.from([0x05])), idat([[0, 5, 0]]), IEND))!;
  assert.deepEqual([...short.data], [5, 255, 0, 255]);
  // Grey + alpha already has its alpha: a tRNS chunk adds no channel.
  const greyAlpha = decodePng(png(ihdr(2, 1, 8, 4), pngChunk('tRNS', Buffer.from([0, 5])), idat([[0, 5, 9, 6, 200]]), IEND))!;
  assert.equal(greyAlpha.channels, 2);
  assert.deepEqual([...greyAlpha.data], [5, 9, 6, 200]);
});
