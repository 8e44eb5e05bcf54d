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
import { defaultDataSource, type DataSource } from '../project/schema.js';
import { Engine } from '../engine.js';
import { classFolders, greyPng, makeTempDir } from '../testing/imageFiles.js';
import { selectBackend } from '../backend/select.js';
import { buildModel } from '../graph/tfjs/build.js';
import { chain } from '../testing/graphs.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { idxGzipBomb, pngBomb } from '../testing/hostileFiles.js';

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

test('a PNG bomb listed in a CSV file is skipped with its reason', async (t) => {
  const { dir, remove } = await makeTempDir('bomb-csv');
  t.after(remove);
  for (let i = 0; i < 3; i++) await writeFile(join(dir, `ok-${i}.png`), await greyPng(6, 6, 40 * i));
  await writeFile(join(dir, 'bomb.png'), pngBomb(512, 512, 64 * 1024 * 1024));
  await writeFile(join(dir, 'images.csv'), 'path,label\nok-0.png,a\nok-1.png,b\nok-2.png,a\nbomb.png,b\n');
  const data = { ...defaultDataSource(), kind: 'csv', path: join(dir, 'images.csv'), validationSplit: 0 } as DataSource;
  const summary = await new Engine().execute({ type: 'data.summary', data, verify: true, thumbnailsPerClass: 0 });
  assert.equal(summary.total, 3);
  assert.deepEqual(summary.skipped.map((s) => s.path), [join(dir, 'bomb.png')]);
  assert.match(summary.skipped[0]!.reason, /unpacks to more than the 1049088 bytes its 512×512 header declares/);
});

test('a PNG bomb dropped on model.predict (sent as bytes) is refused with its name and reason', async (t) => {
  const { dir, remove } = await makeTempDir('bomb-predict');
  t.after(remove);
  await selectBackend('cpu');
  const model = buildModel(chain([8, 8, 1], [{ type: 'Flatten' }, { type: 'Dense', params: { units: 2, activation: 'softmax' } }]), { seed: 1 });
  await saveModelFolder(model, join(dir, 'model'), { classNames: ['a', 'b'], inputShape: [8, 8, 1] });
  model.dispose();
  // 1 MiB on the wire, 256 MiB unpacked: under the 1.25 MiB a sent image may have.
  const bomb = pngBomb(1024, 1024, 256 * 1024 * 1024);
  assert.ok(bomb.length < 1.25 * 1024 * 1024, `${bomb.length} bytes`);
  await assert.rejects(
    new Engine({ backend: 'cpu' }).execute({ type: 'model.predict', model: join(dir, 'model'), images: [], imageData: [{ name: 'dropped.png', base64: bomb.toString('base64') }] }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'bad-image');
      assert.match(error.message, /"dropped.png" cannot be decoded: its image data unpacks to more than the 4195328 bytes its 1024×1024 header declares/);
      return true;
    },
  );
});
