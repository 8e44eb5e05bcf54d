/**
 * Hostile input, part 1: decompression bombs. A PNG or a gzipped IDX file
 * whose data unpacks to far more than its header declares is refused while
 * unpacking (never inflated in full), and a dataset holding one skips it with
 * its reason. Real files on disk, the real decoders and the real engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFastInto, ImageDecodeError, MAX_INPUT_PIXELS } from '../data/decode.js';
import { readIdxFile } from '../data/idx.js';
import { defaultDataSource, type DataSource } from '../graph/schema.js';
import { Engine } from '../engine.js';
import { classFolders, makeTempDir } from '../data/testing.js';
import { idxGzipBomb, pngBomb } from './hostileFiles.js';

const INPUT = { height: 8, width: 8, channels: 1 as const };

test('a PNG whose data unpacks to 64 times its declared size is refused while unpacking', () => {
  // 256×256 RGBA declares 256 × 1,025 bytes; the stream holds 16 MiB of zeros (16 KiB on disk).
  const bomb = pngBomb(256, 256, 16 * 1024 * 1024);
  assert.ok(bomb.length < 64 * 1024, `the bomb is ${bomb.length} bytes on disk`);
  const target = new Uint8Array(8 * 8);
  assert.throws(
    () => decodeFastInto('bomb.png', bomb, INPUT, 'stretch', target),
    (error: unknown) => error instanceof ImageDecodeError && /unpacks to more than the 262400 bytes its 256×256 header declares/.test(error.message),
  );
});

test('a PNG header over the pixel limit is refused before any data is unpacked', () => {
  const side = Math.ceil(Math.sqrt(MAX_INPUT_PIXELS)) + 1;
  const bomb = pngBomb(side, side, 1024);
  assert.throws(
    () => decodeFastInto('huge.png', bomb, INPUT, 'stretch', new Uint8Array(64)),
    (error: unknown) => error instanceof ImageDecodeError && /more than the decoder's limit of 268 megapixels/.test(error.message),
  );
});

test('a dataset holding a PNG bomb skips it with its reason; the other images count', async (t) => {
  const { dir, remove } = await makeTempDir('bomb-folder');
  t.after(remove);
  await classFolders(dir, { a: 3, b: 3 });
  await writeFile(join(dir, 'a', 'bomb.png'), pngBomb(512, 512, 64 * 1024 * 1024));
  const engine = new Engine();
  const data = { ...defaultDataSource(), path: dir, validationSplit: 0 } as DataSource;
  const summary = await engine.execute({ type: 'data.summary', data, verify: true, thumbnailsPerClass: 0 });
  assert.equal(summary.total, 6);
  assert.equal(summary.skipped.length, 1);
  assert.equal(summary.skipped[0]!.path, join(dir, 'a', 'bomb.png'));
  assert.match(summary.skipped[0]!.reason, /unpacks to more than the 1049088 bytes its 512×512 header declares/);
});

test('a gzipped IDX file that unpacks past its header is refused while unpacking', async (t) => {
  const { dir, remove } = await makeTempDir('idx-bomb');
  t.after(remove);
  const path = join(dir, 'train-images-idx3-ubyte.gz');
  await writeFile(path, idxGzipBomb(10, 28, 32 * 1024 * 1024));
  await assert.rejects(readIdxFile(path), (error: Error) => {
    assert.match(error.message, /is not a valid IDX file: it unpacks to more than the 7,856 bytes its header declares/);
    return true;
  });
});
