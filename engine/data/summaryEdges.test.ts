/**
 * The dataset summary (summary.ts) where the other tests do not go: an IDX
 * source (a slice of Debian's Fashion-MNIST, whose pixels are already in
 * memory), PNG headers that give no size or too many pixels, a file that
 * passes the header check but cannot be made a thumbnail, copies inside one
 * class, and the singular and plural wording of every warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { defaultDataSource, type DataSource } from '../project/schema.js';
import { FASHION_MNIST_DEFAULT_DIR } from './fashionMnist.js';
import { readIdxFile } from './idx.js';
import { datasetWarnings, summarizeDataset } from './summary.js';
import { rawThumbnail } from './thumbnails.js';
import { greyPng, makeTempDir, pngChunk, writeTree } from '../testing/imageFiles.js';

const haveFashionMnist = existsSync(join(FASHION_MNIST_DEFAULT_DIR, 't10k-images-idx3-ubyte.gz'));

/** The first `count` entries of an IDX file, as an IDX file again. */
function idxSlice(header: Buffer, bytesPer: number, data: Uint8Array, count: number): Buffer {
  const out = Buffer.from(header);
  out.writeUInt32BE(count, 4);
  return Buffer.concat([out, data.subarray(0, count * bytesPer)]);
}

/** A PNG whose IHDR says width × height, followed by `rest` (no valid image data needed for a header check). */
function pngHeader(width: number, height: number, rest: Buffer[] = [pngChunk('IEND', Buffer.alloc(0))]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', header), ...rest]);
}

test('an IDX source: 24 Fashion-MNIST images counted per class, sized 28×28, thumbnails from the pixels in memory', { skip: haveFashionMnist ? false : `${FASHION_MNIST_DEFAULT_DIR} is absent (Debian package fashion-mnist)` }, async (t) => {
  const { dir, remove } = await makeTempDir('summary-idx');
  t.after(remove);
  const images = await readIdxFile(join(FASHION_MNIST_DEFAULT_DIR, 't10k-images-idx3-ubyte.gz'));
  const labels = await readIdxFile(join(FASHION_MNIST_DEFAULT_DIR, 't10k-labels-idx1-ubyte.gz'));
  const imageHeader = Buffer.from([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]);
  const labelHeader = Buffer.from([0, 0, 8, 1, 0, 0, 0, 0]);
  await writeFile(join(dir, 'train-images-idx3-ubyte'), idxSlice(imageHeader, 28 * 28, images.data as Uint8Array, 24));
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), idxSlice(labelHeader, 1, labels.data as Uint8Array, 24));
  const counts = new Array<number>(10).fill(0);
  for (const label of labels.data.subarray(0, 24)) counts[label]!++;

  const source: DataSource = { ...defaultDataSource(), kind: 'idx', path: dir, validationSplit: 0 };
  const summary = await summarizeDataset(source, dir, { thumbnailsPerClass: 1 });
  assert.deepEqual(summary.source, { kind: 'idx', path: dir, layout: 'IDX files (24 train; 28×28 grey)' });
  assert.deepEqual(summary.perClass.train, counts);
  assert.deepEqual(summary.formats, { idx: 24 });
  assert.deepEqual(summary.sizes, [{ width: 28, height: 28, count: 24 }]);
  assert.deepEqual(summary.skipped, []);
  // The first image of the file is an ankle boot (label 9): its thumbnail is those 28×28 grey pixels.
  const boot = summary.thumbnails['9']![0]!;
  assert.equal(boot.path, `${join(dir, 'train-images-idx3-ubyte')}#0`);
  const png = Buffer.from(boot.dataUrl.slice('data:image/png;base64,'.length), 'base64');
  const metadata = await sharp(png).metadata();
  assert.deepEqual([metadata.width, metadata.height, metadata.channels], [28, 28, 1], 'a one-channel PNG');
  const data = await sharp(png).toColourspace('b-w').raw().toBuffer();
  assert.deepEqual([...data], [...images.data.subarray(0, 28 * 28)]);
  // Classes 0, 3 and 8 have one image each among the 24: "image", not "images".
  assert.ok(summary.warnings.includes('Class "0" has only 1 training image; a model needs at least 10 (better: hundreds) to learn it.'), summary.warnings.join('\n'));
  assert.ok(summary.warnings.includes('Class "1" has only 4 training images; a model needs at least 10 (better: hundreds) to learn it.'));
});

test('PNG headers with no size or too many pixels are skipped on their header; a file that fails as a thumbnail leaves one thumbnail fewer', async (t) => {
  const { dir, remove } = await makeTempDir('summary-headers');
  t.after(remove);
  const good = await greyPng(3, 3, 100);
  await writeTree(dir, {
    'cat/a.png': good,
    'cat/zero.png': pngHeader(0, 5),
    'cat/huge.png': pngHeader(30_000, 20_000),
    'dog/b.png': await greyPng(3, 3, 200),
    // A header that reads fine, then image data that is not deflate: only decoding finds out.
    'dog/cut.png': pngHeader(3, 3, [pngChunk('IDAT', Buffer.from('not deflate data')), pngChunk('IEND', Buffer.alloc(0))]),
  });
  const source: DataSource = { ...defaultDataSource(), path: dir, validationSplit: 0 };
  const summary = await summarizeDataset(source, dir, { verify: false, thumbnailsPerClass: 2 });
  assert.equal(summary.verified, false);
  const reasons = Object.fromEntries(summary.skipped.map(({ path, reason }) => [path.slice(dir.length + 1), reason]));
  assert.deepEqual(reasons, {
    'cat/zero.png': 'cannot be decoded: its header gives no size',
    'cat/huge.png': "is 30000×20000 pixels (600 megapixels), more than the decoder's limit of 268 megapixels; shrink it (e.g. to 4096 pixels on its longest side) or move it out of the dataset",
  });
  assert.deepEqual(summary.perClass.train, [1, 2], 'unverified, the cut file still counts');
  assert.deepEqual(summary.thumbnails.dog!.map((thumbnail) => thumbnail.path.slice(dir.length + 1)), ['dog/b.png'], 'no thumbnail for the cut file, and no failure');
  assert.ok(summary.warnings.includes('2 files were skipped; the list says why for each.'), summary.warnings.join('\n'));

  // Verified, the cut file is found and named too.
  const verified = await summarizeDataset(source, dir, { thumbnailsPerClass: 0 });
  assert.match(verified.skipped.find(({ path }) => path.endsWith('cut.png'))!.reason, /^cannot be decoded: /);
  assert.deepEqual(verified.thumbnails, {});
});

test('copies inside one class and split are no warning; two images under two classes each are counted in the plural', async (t) => {
  const { dir, remove } = await makeTempDir('summary-copies');
  t.after(remove);
  const x = await greyPng(2, 2, 10);
  const y = await greyPng(2, 2, 20);
  await writeTree(dir, {
    'ant/x.png': x,
    'ant/y.png': y,
    'ant/z1.png': await greyPng(2, 2, 30),
    'ant/z2.png': await greyPng(2, 2, 30),
    'bee/x.png': x,
    'bee/y.png': y,
    'bee/.DS_Store': 'finder',
    'bee/notes.txt': 'one skipped file',
  });
  const source: DataSource = { ...defaultDataSource(), path: dir, validationSplit: 0 };
  const summary = await summarizeDataset(source, dir, { thumbnailsPerClass: 0 });
  assert.equal(summary.duplicates.length, 2, 'z1/z2 are copies in one class and split: not listed');
  assert.ok(summary.duplicates.every((group) => group.files.every((file) => /\/(x|y)\.png$/.test(file.path))));
  const warnings = summary.warnings.join('\n');
  assert.match(warnings, /^2 images appear under more than one class \(e\.g\. ".*ant\/x\.png" as "ant" and ".*bee\/x\.png" as "bee"\); keep each image in its one right class\.$/m);
  assert.match(warnings, /^1 file was skipped; 1 hidden entry is left out too, as expected; the list says why for each\.$/m);
});

test('warning words for many hidden entries, a skipped folder, one copy across splits and one conflicting image', () => {
  const perClass = { train: [20, 20], validation: [0, 0], test: [0, 0] };
  const duplicates = [
    { hash: 'h', files: [{ path: 'a/1.png', split: 'train' as const, className: 'a' }, { path: 'a/2.png', split: 'test' as const, className: 'a' }] },
    { hash: 'g', files: [{ path: 'a/3.png', split: 'train' as const, className: 'a' }, { path: 'b/3.png', split: 'train' as const, className: 'b' }] },
  ];
  assert.deepEqual(datasetWarnings(['a', 'b'], perClass, duplicates, { files: 0, folders: 1, hidden: 3 }), [
    '1 image is an exact copy of images in another split (e.g. "a/1.png" in train = "a/2.png" in test); they make validation and test scores look better than they are. Remove the copies from one side.',
    '1 image appears under more than one class (e.g. "a/3.png" as "a" and "b/3.png" as "b"); keep each image in its one right class.',
    '1 folder was skipped; 3 hidden entries are left out too, as expected; the list says why for each.',
  ]);
  assert.deepEqual(datasetWarnings(['a', 'b'], perClass, [], { files: 2, folders: 2, hidden: 0 }), ['2 files and 2 folders were skipped; the list says why for each.']);
});

test('a CSV source is summarised under the CSV\'s own path; pixels larger than a thumbnail are shrunk to fit 48×48', async (t) => {
  const { dir, remove } = await makeTempDir('summary-csv');
  t.after(remove);
  await writeTree(dir, { 'a.png': await greyPng(2, 2, 10), 'b.png': await greyPng(2, 2, 20) });
  await writeFile(join(dir, 'list.csv'), 'a.png,ant\nb.png,bee\n');
  const source: DataSource = { ...defaultDataSource(), kind: 'csv', path: 'list.csv', validationSplit: 0 };
  const summary = await summarizeDataset(source, join(dir, 'list.csv'), { thumbnailsPerClass: 0 });
  assert.deepEqual(summary.source, { kind: 'csv', path: join(dir, 'list.csv'), layout: 'CSV of path,label rows' });

  // Only its width is over the side: that alone shrinks it.
  const wide = await rawThumbnail({ width: 96, height: 30, channels: 3, data: new Uint8Array(96 * 30 * 3).fill(77) });
  const metadata = await sharp(Buffer.from(wide.slice('data:image/png;base64,'.length), 'base64')).metadata();
  assert.deepEqual([metadata.width, metadata.height], [48, 15]);
});
