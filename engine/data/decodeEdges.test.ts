/**
 * Decoding where the other tests do not go, on real files: a JPEG whose
 * header claims more pixels than the decoder takes (sharp's refusal turned
 * into the size and what to do), a missing file inside the decode workers,
 * pixels in memory mixed with files in one batch (itemDecode.ts), and the
 * programming errors the pool and the concurrency helper refuse. Also the
 * augmentation preview of a grey input and its bad counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { StudioError } from '../errors.js';
import { forEachWithConcurrency } from './concurrency.js';
import { decodeImageInto, ImageDecodeError, tooLargeReason } from './decode.js';
import { DecodePool } from './decodePool.js';
import { decodeItems } from './itemDecode.js';
import { previewAugmentation } from './preview.js';
import { greyPng, makeTempDir, solidImage } from '../testing/imageFiles.js';

/** A real JPEG with its frame header (SOF0) rewritten to say width × height. */
async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await solidImage(8, 8, { r: 40, g: 80, b: 120 }, 'jpeg'));
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0, 'the JPEG has a baseline frame header');
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

test('a JPEG whose header claims 60000×60000 pixels is refused on its header with its size, not decoded', async (t) => {
  const { dir, remove } = await makeTempDir('decode-huge');
  t.after(remove);
  const path = join(dir, 'huge.jpg');
  await writeFile(path, await jpegClaiming(60_000, 60_000));
  assert.equal((await sharp(path, { limitInputPixels: false }).metadata()).width, 60_000, 'sharp reads the claimed size');
  await assert.rejects(decodeImageInto(path, { height: 4, width: 4, channels: 3 }, new Uint8Array(48)), (error: unknown) => {
    assert.ok(error instanceof ImageDecodeError);
    assert.equal(error.path, path);
    assert.equal(error.message, tooLargeReason(60_000, 60_000));
    assert.match(error.message, /^is 60000×60000 pixels \(3600 megapixels\), more than the decoder's limit/);
    return true;
  });
});

test('in the decode workers a missing file is named as unreadable, and the files beside it decode', async (t) => {
  const { dir, remove } = await makeTempDir('decode-workers');
  t.after(remove);
  await writeFile(join(dir, 'a.png'), await greyPng(2, 2, 60));
  await writeFile(join(dir, 'c.png'), await greyPng(2, 2, 90));
  const pool = new DecodePool(1);
  t.after(() => pool.close());
  const paths = ['a.png', 'gone.png', 'c.png'].map((name) => join(dir, name));
  const target = new Uint8Array(3 * 4);
  const reasons = await pool.decodeMany(paths, { height: 2, width: 2, channels: 1 }, 'stretch', target);
  assert.deepEqual(reasons, [null, 'cannot be read (ENOENT)', null]);
  assert.deepEqual([...target], [60, 60, 60, 60, 0, 0, 0, 0, 90, 90, 90, 90]);
  await assert.rejects(pool.decodeMany(paths, { height: 2, width: 2, channels: 1 }, 'stretch', new Uint8Array(11)), /^RangeError: target holds 11 bytes, 3 images need 12$/);
});

test('pixels in memory and files in one batch: each lands in its own slot, a failing file keeps its reason', async (t) => {
  const { dir, remove } = await makeTempDir('decode-items');
  t.after(remove);
  await writeFile(join(dir, 'file.png'), await greyPng(2, 2, 200));
  const items = [
    { path: 'idx#0', relativePath: 'train/0', classIndex: 0, raw: { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([1, 2, 3, 4]) } },
    { path: join(dir, 'file.png'), relativePath: 'file.png', classIndex: 1 },
    { path: join(dir, 'missing.png'), relativePath: 'missing.png', classIndex: 1 },
    { path: 'idx#1', relativePath: 'train/1', classIndex: 0, raw: { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([5, 6, 7, 8]) } },
  ];
  const pool = new DecodePool(1);
  t.after(() => pool.close());
  const target = new Uint8Array(4 * 4);
  const reasons = await decodeItems(items, { height: 2, width: 2, channels: 1 }, 'stretch', target, pool);
  assert.deepEqual(reasons, [null, null, 'cannot be read (ENOENT)', null]);
  assert.deepEqual([...target.subarray(0, 8)], [1, 2, 3, 4, 200, 200, 200, 200]);
  assert.deepEqual([...target.subarray(12)], [5, 6, 7, 8]);
});

test('a concurrency limit that is not a whole number of at least 1 is a programming error', async () => {
  for (const limit of [0, 1.5]) {
    await assert.rejects(forEachWithConcurrency([1], limit, async () => undefined), new RegExp(`^RangeError: concurrency must be a whole number ≥ 1, got ${limit}$`));
  }
});

test('the augmentation preview of a grey input gives grey PNGs at the input size; a count outside 1…64 is refused', async (t) => {
  const { dir, remove } = await makeTempDir('decode-preview');
  t.after(remove);
  const path = join(dir, 'grey.png');
  await writeFile(path, await greyPng(6, 6, 90, 250));
  const preview = await previewAugmentation({ image: path, input: { height: 3, width: 3, channels: 1 }, count: 2, augmentation: { horizontalFlip: true } });
  assert.equal(preview.augmented.length, 2);
  for (const url of [preview.original, ...preview.augmented]) {
    const metadata = await sharp(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64')).metadata();
    assert.deepEqual([metadata.width, metadata.height, metadata.channels], [3, 3, 1]);
  }
  for (const count of [0, 65, 2.5]) {
    await assert.rejects(previewAugmentation({ image: path, input: { height: 3, width: 3, channels: 1 }, count }), (error: unknown) => {
      assert.ok(error instanceof StudioError);
      assert.equal(error.code, 'data-bad-preview-count');
      assert.equal(error.message, `A preview of ${count} images cannot be made.`);
      assert.equal(error.hint, 'Ask for 1 to 64 versions.');
      return true;
    });
  }
});
