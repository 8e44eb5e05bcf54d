/**
 * IDX files a person can point the studio at by mistake, and the element
 * types MNIST's own format allows but Fashion-MNIST does not use (idx.ts,
 * idxSource.ts, fashionMnist.ts). The files are real: written here byte by
 * byte, or Debian's Fashion-MNIST (its images file passed where its labels
 * file belongs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_DEFAULT_DIR, fashionMnistFile, readFashionMnist } from './fashionMnist.js';
import { MAX_IDX_BYTES, parseIdx, readIdxFile, readIdxImagesAndLabels } from './idx.js';
import { planIdx } from './idxSource.js';
import { idxBytes } from '../testing/idxFiles.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { refusal, rejection } from '../testing/rejection.js';

const haveFashionMnist = existsSync(join(FASHION_MNIST_DEFAULT_DIR, 't10k-images-idx3-ubyte.gz'));

test('int8, int32 and float64 elements are read big-endian with their sign', () => {
  const int8 = parseIdx('a.idx', idxBytes(0x09, [3], Uint8Array.from([0x7f, 0x80, 0xff])));
  assert.equal(int8.type, 'int8');
  assert.deepEqual([...int8.data], [127, -128, -1]);
  const int32 = parseIdx('b.idx', idxBytes(0x0c, [2], Uint8Array.from([0x00, 0x01, 0x02, 0x03, 0xff, 0xff, 0xff, 0xfe])));
  assert.equal(int32.type, 'int32');
  assert.deepEqual([...int32.data], [0x010203, -2]);
  const float64 = parseIdx('c.idx', idxBytes(0x0e, [1], Uint8Array.from([0xc0, 0x04, 0, 0, 0, 0, 0, 0])));
  assert.equal(float64.type, 'float64');
  assert.deepEqual([...float64.data], [-2.5]);
});

test('headers too short, without dimensions, or followed by extra bytes are refused with what to do', () => {
  const tiny = refusal(() => parseIdx('tiny.idx', Uint8Array.from([0, 0, 8])));
  assert.equal(tiny.message, '"tiny.idx" is not a valid IDX file: it has only 3 bytes, fewer than the 4-byte header.');
  assert.equal(tiny.hint, 'The file is cut off or empty; fetch it again.');
  const rankless = refusal(() => parseIdx('rank0.idx', Uint8Array.from([0, 0, 8, 0])));
  assert.match(rankless.message, /its header declares 0 dimensions but the file is too short to list them\.$/);
  const noDims = refusal(() => parseIdx('short.idx', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2])));
  assert.match(noDims.message, /its header declares 3 dimensions/);
  assert.equal(noDims.hint, 'The file is cut off; fetch it again.');
  const extra = refusal(() => parseIdx('extra.idx', idxBytes(0x08, [2], Uint8Array.from([1, 2, 3]))));
  assert.match(extra.message, /its header says 2 uint8 elements \(10 bytes in all\) but the file has 11 bytes\.$/);
  assert.equal(extra.hint, 'The file has extra bytes after its data; fetch it again.');
  assert.equal(extra.code, 'data-bad-idx');
});

test('a file over the size limit is refused before it is read; a folder is named as unreadable; a gzip that outgrows its header stops', async (t) => {
  const { dir, remove } = await makeTempDir('idx-edges');
  t.after(remove);
  const huge = join(dir, 'huge-images-idx3-ubyte');
  await writeFile(huge, '');
  await truncate(huge, MAX_IDX_BYTES + 1); // sparse: no disk is used
  const tooBig = await rejection(readIdxFile(huge));
  assert.equal(tooBig.code, 'data-bad-idx');
  assert.match(tooBig.message, /it is 1,073,741,825 bytes, more than the 1,073,741,824 bytes an IDX file may hold\.$/);
  assert.equal(tooBig.hint, 'Split the dataset, or convert it to a folder of images.');

  await mkdir(join(dir, 'a-folder'));
  const folder = await rejection(readIdxFile(join(dir, 'a-folder')));
  assert.equal(folder.code, 'data-file-unreadable');
  assert.equal(folder.message, `IDX file "${join(dir, 'a-folder')}" cannot be read (EISDIR).`);

  // The header says 2 bytes; 100 000 follow. Unpacking stops at the header's size.
  await writeFile(join(dir, 'bomb.gz'), gzipSync(idxBytes(0x08, [2], new Uint8Array(100_000))));
  const bomb = await rejection(readIdxFile(join(dir, 'bomb.gz')));
  assert.match(bomb.message, /it unpacks to more than the 10 bytes its header declares\.$/);
  assert.equal(bomb.hint, 'The file is corrupt or not an IDX file; fetch it again.');
});

test('Fashion-MNIST\'s images file given as the labels file is refused, saying which goes first', { skip: haveFashionMnist ? false : `${FASHION_MNIST_DEFAULT_DIR} is absent (Debian package fashion-mnist)` }, async () => {
  const images = join(FASHION_MNIST_DEFAULT_DIR, 't10k-images-idx3-ubyte.gz');
  const swapped = await rejection(readIdxImagesAndLabels(images, images));
  assert.equal(swapped.code, 'data-bad-idx');
  assert.equal(swapped.message, `"${images}" is not a valid IDX file: a labels file holds uint8 × 1 dimension (count), this one holds uint8 × 3 (10000×28×28).`);
  assert.match(swapped.hint, /^Pass the images file first and the labels file second/);
});

test('IDX sources: a missing path or labels file, one class only, and a labels file found by the MNIST naming', async (t) => {
  const { dir, remove } = await makeTempDir('idx-source-edges');
  t.after(remove);
  const missing = await rejection(planIdx(join(dir, 'nowhere'), null, null));
  assert.equal(missing.code, 'data-file-missing');
  assert.equal(missing.message, `IDX source "${join(dir, 'nowhere')}" does not exist.`);

  const images = idxBytes(0x08, [3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20));
  await mkdir(join(dir, 'only-images'));
  await writeFile(join(dir, 'only-images', 'train-images-idx3-ubyte'), images);
  const noLabels = await rejection(planIdx(join(dir, 'only-images'), null, null));
  assert.equal(noLabels.message, `IDX folder "${join(dir, 'only-images')}" has no train-labels-idx1-ubyte(.gz).`);
  assert.match(noLabels.hint, /^Put train-images-idx3-ubyte and train-labels-idx1-ubyte \(gzipped or not\) in the folder/);
  await mkdir(join(dir, 'only-labels'));
  await writeFile(join(dir, 'only-labels', 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes(0x08, [3], Uint8Array.from([0, 1, 0]))));
  const noImages = await rejection(planIdx(join(dir, 'only-labels'), null, null));
  assert.equal(noImages.message, `IDX folder "${join(dir, 'only-labels')}" has no train-images-idx3-ubyte(.gz).`);

  // An images file named the MNIST way finds its labels beside it.
  await writeFile(join(dir, 'emnist-images-idx3-ubyte'), images);
  await writeFile(join(dir, 'emnist-labels-idx1-ubyte'), idxBytes(0x08, [3], Uint8Array.from([4, 2, 4])));
  const plan = await planIdx(join(dir, 'emnist-images-idx3-ubyte'), null, null);
  assert.deepEqual(plan.classNames, ['2', '4']);
  assert.deepEqual(plan.images.train.map((item) => [item.path.slice(dir.length + 1), item.classIndex]), [
    ['emnist-images-idx3-ubyte#1', 0],
    ['emnist-images-idx3-ubyte#0', 1],
    ['emnist-images-idx3-ubyte#2', 1],
  ]);
  assert.deepEqual([...plan.images.train[0]!.raw!.data], [80, 100, 120, 140]);
  assert.deepEqual(plan.given, { val: false, test: false });

  await writeFile(join(dir, 'one-labels-idx1-ubyte'), idxBytes(0x08, [3], Uint8Array.from([6, 6, 6])));
  const one = await rejection(planIdx(join(dir, 'emnist-images-idx3-ubyte'), 'one-labels-idx1-ubyte', null));
  assert.equal(one.code, 'data-one-class');
  assert.equal(one.message, `Every image in "${join(dir, 'one-labels-idx1-ubyte')}" has the label 6; a classifier needs at least two classes.`);

  // No images at all: no label value, so no class either.
  await writeFile(join(dir, 'none-images-idx3-ubyte'), idxBytes(0x08, [0, 2, 2], new Uint8Array(0)));
  await writeFile(join(dir, 'none-labels-idx1-ubyte'), idxBytes(0x08, [0], new Uint8Array(0)));
  const empty = await rejection(planIdx(join(dir, 'none-images-idx3-ubyte'), null, null));
  assert.equal(empty.code, 'data-one-class');
});

test('a Fashion-MNIST folder with a file missing names it and the package to install', async (t) => {
  const { dir, remove } = await makeTempDir('fashion-missing');
  t.after(remove);
  await writeFile(join(dir, 'train-images-idx3-ubyte'), idxBytes(0x08, [1, 1, 1], new Uint8Array(1)));
  assert.equal(await fashionMnistFile(dir, 'train-images-idx3-ubyte'), join(dir, 'train-images-idx3-ubyte'), 'found without .gz');
  assert.equal(await fashionMnistFile(dir, 'train-labels-idx1-ubyte'), null);
  const missing = await rejection(readFashionMnist(dir));
  assert.equal(missing.code, 'data-file-missing');
  assert.match(missing.message, /^Fashion-MNIST file ".*-(labels|images)-idx[13]-ubyte\(\.gz\)" is missing\.$/);
  assert.equal(
    missing.hint,
    "Install Debian's fashion-mnist package, or pass --source with a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (gzipped or not).",
  );
});
