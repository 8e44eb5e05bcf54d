import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_DEFAULT_DIR } from './fashionMnist.js';
import { parseIdx, readIdxFile, readIdxImagesAndLabels } from './idx.js';
import { idxBytes } from '../testing/idxFiles.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { rejection } from '../testing/rejection.js';

const haveFashionMnist = existsSync(join(FASHION_MNIST_DEFAULT_DIR, 'train-images-idx3-ubyte.gz'));

test('the real Fashion-MNIST files: 60 000 + 10 000 images of 28×28, 10 balanced classes', { skip: haveFashionMnist ? false : `${FASHION_MNIST_DEFAULT_DIR} is absent (Debian package fashion-mnist)` }, async () => {
  for (const [stem, count] of [['train', 60_000], ['t10k', 10_000]] as const) {
    const set = await readIdxImagesAndLabels(
      join(FASHION_MNIST_DEFAULT_DIR, `${stem}-images-idx3-ubyte.gz`),
      join(FASHION_MNIST_DEFAULT_DIR, `${stem}-labels-idx1-ubyte.gz`),
    );
    assert.deepEqual([set.count, set.height, set.width, set.channels], [count, 28, 28, 1]);
    assert.equal(set.images.length, count * 28 * 28);
    const perClass = new Array(10).fill(0);
    for (const label of set.labels) perClass[label]++;
    assert.deepEqual(perClass, new Array(10).fill(count / 10));
    assert.equal(set.labels[0], 9, 'the first image of both files is an ankle boot');
    assert.ok(set.images.some((v) => v === 255) && set.images.some((v) => v === 0));
  }
});

test('IDX files are read gzipped or not, whatever their name, and multi-byte elements are big-endian', async (t) => {
  const { dir, remove } = await makeTempDir('idx');
  t.after(remove);
  const images = idxBytes(0x08, [2, 2, 3], Uint8Array.from([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
  const labels = idxBytes(0x08, [2], Uint8Array.from([7, 1]));
  await writeFile(join(dir, 'images.idx'), gzipSync(images));
  await writeFile(join(dir, 'labels.idx.gz'), labels);

  const set = await readIdxImagesAndLabels(join(dir, 'images.idx'), join(dir, 'labels.idx.gz'));
  assert.deepEqual([set.count, set.height, set.width], [2, 2, 3]);
  assert.deepEqual([...set.images], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual([...set.labels], [7, 1]);

  const int16 = parseIdx('int16.idx', idxBytes(0x0b, [2], Uint8Array.from([0x01, 0x02, 0xff, 0xfe])));
  assert.equal(int16.type, 'int16');
  assert.deepEqual([...int16.data], [0x0102, -2]);
  const float32 = parseIdx('float.idx', idxBytes(0x0d, [1], Uint8Array.from([0x3f, 0xc0, 0x00, 0x00])));
  assert.deepEqual([...float32.data], [1.5]);
  assert.deepEqual((await readIdxFile(join(dir, 'labels.idx.gz'))).shape, [2]);
});

test('a wrong file is rejected with an error that names it and says what is wrong', async (t) => {
  const { dir, remove } = await makeTempDir('idx-bad');
  t.after(remove);
  const path = (name: string) => join(dir, name);
  await writeFile(path('photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  await writeFile(path('short.idx'), idxBytes(0x08, [10, 28, 28], new Uint8Array(100)));
  await writeFile(path('images.idx'), idxBytes(0x08, [2, 2, 2], new Uint8Array(8)));
  await writeFile(path('labels.idx'), idxBytes(0x08, [3], new Uint8Array(3)));
  await writeFile(path('broken.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));

  const magic = await rejection(readIdxFile(path('photo.png')));
  assert.equal(magic.code, 'data-bad-idx');
  assert.match(magic.message, new RegExp(`^"${path('photo.png')}" is not a valid IDX file: its magic number is 0x89504e47`));
  assert.match(magic.hint, /not at another kind of file/);

  const short = await rejection(readIdxFile(path('short.idx')));
  assert.match(short.message, /header says 10×28×28 uint8 elements \(7856 bytes in all\) but the file has 116 bytes/);
  assert.match(short.hint, /cut off/);

  const swapped = await rejection(readIdxImagesAndLabels(path('labels.idx'), path('images.idx')));
  assert.match(swapped.message, new RegExp(`^"${path('labels.idx')}" is not a valid IDX file: an images file holds uint8 × 3 dimensions`));
  assert.match(swapped.hint, /images file first and the labels file second/);

  const mismatch = await rejection(readIdxImagesAndLabels(path('images.idx'), path('labels.idx')));
  assert.match(mismatch.message, /holds 2 images but .* holds 3 labels/);

  const gzip = await rejection(readIdxFile(path('broken.gz')));
  assert.match(gzip.message, /starts like gzip but does not unpack/);

  const missing = await rejection(readIdxFile(path('absent.idx')));
  assert.equal(missing.code, 'data-file-missing');
  assert.match(missing.message, /absent\.idx" does not exist/);
});
