// One image file to the network's input (data/decode.ts), on real files: the
// JavaScript PNG path and the sharp path give the same pixels, and each way a
// file can fail gives the reason a person reads in the skipped list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, encodePng, solidImage } from '../testing/imageFiles.js';
import { decodeFastInto, decodeImageInto, decodeWithSharpInto, ImageDecodeError, MAX_INPUT_PIXELS, tooLargeReason } from './decode.js';

let temp: { dir: string; remove: () => Promise<void> };
before(async () => (temp = await makeTempDir('decode-')));
after(() => temp.remove());

async function file(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(temp.dir, name);
  await writeFile(path, bytes);
  return path;
}

function reason(path: string, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ImageDecodeError, String(e));
    assert.equal(e.path, path);
    assert.match(e.message, pattern);
    return true;
  };
}

test('a small PNG takes the JavaScript path and agrees with sharp, in RGB and in grey', async () => {
  // 2 × 1: orange, then blue.
  const png = encodePng({ width: 2, height: 1, colourType: 2, bitDepth: 8, samples: [255, 128, 0, 0, 0, 255] });
  const path = await file('two.png', png);
  const input = { width: 2, height: 1, channels: 3 as const };
  const fast = new Uint8Array(6);
  assert.equal(decodeFastInto(path, png, input, 'stretch', fast), true);
  assert.deepEqual([...fast], [255, 128, 0, 0, 0, 255]);
  const viaSharp = new Uint8Array(6);
  await decodeWithSharpInto(path, png, input, 'stretch', viaSharp);
  assert.deepEqual([...viaSharp], [...fast]);

  const grey = new Uint8Array(2);
  await decodeImageInto(path, { width: 2, height: 1, channels: 1 }, grey);
  const greyViaSharp = new Uint8Array(2);
  await decodeWithSharpInto(path, png, { width: 2, height: 1, channels: 1 }, 'stretch', greyViaSharp);
  // BT.601 on the encoded values: orange 151, blue 29, by either path.
  assert.deepEqual([...grey], [151, 29]);
  assert.deepEqual([...greyViaSharp], [151, 29]);
});

test('a JPEG goes to sharp; the JavaScript path says so by returning false', async () => {
  const jpeg = await solidImage(4, 4, { r: 0, g: 200, b: 0 }, 'jpeg');
  const path = await file('green.jpg', jpeg);
  assert.equal(decodeFastInto(path, jpeg, { width: 2, height: 2, channels: 3 }, 'stretch', new Uint8Array(12)), false);
  const rgb = new Uint8Array(12);
  await decodeImageInto(path, { width: 2, height: 2, channels: 3 }, rgb, 'center-crop');
  for (let p = 0; p < 4; p++) {
    const [r, g, b] = rgb.subarray(p * 3, p * 3 + 3);
    assert.ok(r! < 8 && Math.abs(g! - 200) < 8 && b! < 8, `pixel ${p}: ${r} ${g} ${b}`);
  }
});

test('files that cannot be images: missing, empty, broken PNG data, not an image at all', async () => {
  const input = { width: 2, height: 2, channels: 1 as const };
  const missing = join(temp.dir, 'missing.png');
  await assert.rejects(decodeImageInto(missing, input, new Uint8Array(4)), reason(missing, /^cannot be read \(ENOENT\)$/));
  const empty = await file('empty.png', '');
  await assert.rejects(decodeImageInto(empty, input, new Uint8Array(4)), reason(empty, /^empty file \(0 bytes\)$/));
  await assert.rejects(decodeWithSharpInto(empty, Buffer.alloc(0), input, 'stretch', new Uint8Array(4)), reason(empty, /^empty file \(0 bytes\)$/));
  // A PNG whose image data is not zlib: the JavaScript decoder's own words.
  const good = encodePng({ width: 2, height: 2, colourType: 0, bitDepth: 8, samples: [1, 2, 3, 4] });
  const broken = Buffer.from(good);
  const idat = broken.indexOf('IDAT', 0, 'latin1');
  broken.fill(0xff, idat + 4, idat + 10);
  const brokenPath = await file('broken.png', broken);
  await assert.rejects(decodeImageInto(brokenPath, input, new Uint8Array(4)), reason(brokenPath, /^cannot be decoded: ./));
  const text = await file('notes.png', 'these are notes, not pixels');
  await assert.rejects(decodeImageInto(text, input, new Uint8Array(4)), reason(text, /^cannot be decoded: ./));
});

test('a target of the wrong size is a programming error, refused before the file is read', async () => {
  await assert.rejects(decodeImageInto(join(temp.dir, 'never-read.png'), { width: 2, height: 2, channels: 3 }, new Uint8Array(4)), {
    name: 'RangeError',
    message: 'target holds 4 bytes, the image needs 12',
  });
});

test('an image above the pixel limit is refused on its header, with its size and what to do', async () => {
  const png = encodePng({ width: 1, height: 1, colourType: 0, bitDepth: 8, samples: [0] });
  const huge = Buffer.from(png);
  huge.writeUInt32BE(20_000, 16);
  huge.writeUInt32BE(20_000, 20);
  const path = await file('huge.png', huge);
  const limit = Math.round(MAX_INPUT_PIXELS / 1e6);
  await assert.rejects(
    decodeImageInto(path, { width: 2, height: 2, channels: 1 }, new Uint8Array(4)),
    reason(path, new RegExp(`^is 20000×20000 pixels \\(400 megapixels\\), more than the decoder's limit of ${limit} megapixels; shrink it \\(e\\.g\\. to 4096 pixels on its longest side\\) or move it out of the dataset$`)),
  );
  assert.equal(limit, 268);
  assert.match(tooLargeReason(undefined, undefined), /^is too large, more than the decoder's limit of 268 megapixels/);
});
