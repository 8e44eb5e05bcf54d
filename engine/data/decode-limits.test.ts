// An image that is not a PNG and is larger than the decoder's pixel limit
// (data/decode.ts): sharp refuses it on its header, and the reason gives the
// size read from that header and what to do, as the PNG path does. The file is
// a TIFF header of 20000 × 20000 grey pixels written byte by byte (a few
// hundred bytes: the pixels are never there, and never need to be). Found by
// coverage: only a PNG above the limit was tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { decodeImageInto, ImageDecodeError, tooLargeReason } from './decode.js';

/** A little-endian baseline TIFF header: one 8-bit grey strip of width × height, uncompressed. */
function tiffHeader(width: number, height: number): Buffer {
  const entries: [tag: number, type: 3 | 4, value: number][] = [
    [256, 4, width], // ImageWidth
    [257, 4, height], // ImageLength
    [258, 3, 8], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 1], // PhotometricInterpretation: black is zero
    [273, 4, 8 + 2 + 10 * 12 + 4], // StripOffsets: right after the directory
    [277, 3, 1], // SamplesPerPixel
    [278, 4, height], // RowsPerStrip
    [279, 4, width * height], // StripByteCounts
    [284, 3, 1], // PlanarConfiguration: chunky
  ];
  const bytes = Buffer.alloc(8 + 2 + entries.length * 12 + 4);
  bytes.write('II', 0, 'latin1');
  bytes.writeUInt16LE(42, 2);
  bytes.writeUInt32LE(8, 4);
  bytes.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    bytes.writeUInt16LE(tag, at);
    bytes.writeUInt16LE(type, at + 2);
    bytes.writeUInt32LE(1, at + 4);
    if (type === 3) bytes.writeUInt16LE(value, at + 8);
    else bytes.writeUInt32LE(value, at + 8);
  });
  return bytes;
}

test('a TIFF above the pixel limit is refused on its header, with the size sharp reads and what to do', async () => {
  const { dir, remove } = await makeTempDir('decode-limits-');
  try {
    const path = join(dir, 'huge.tif');
    await writeFile(path, tiffHeader(20000, 20000));
    await assert.rejects(decodeImageInto(path, { width: 2, height: 2, channels: 1 }, new Uint8Array(4)), (error: unknown) => {
      assert.ok(error instanceof ImageDecodeError);
      assert.equal(error.path, path);
      assert.equal(error.message, tooLargeReason(20000, 20000));
      assert.equal(
        error.message,
        "is 20000×20000 pixels (400 megapixels), more than the decoder's limit of 268 megapixels; shrink it (e.g. to 4096 pixels on its longest side) or move it out of the dataset",
      );
      return true;
    });
  } finally {
    await remove();
  }
});

test('without a known size the reason still says what to do', () => {
  assert.equal(
    tooLargeReason(undefined, undefined),
    "is too large, more than the decoder's limit of 268 megapixels; shrink it (e.g. to 4096 pixels on its longest side) or move it out of the dataset",
  );
});
