/**
 * CSV and IDX sources on real files: a CSV written by the test beside real
 * PNGs, and Debian's Fashion-MNIST IDX files (gzipped) plus an unpacked copy
 * and a file with a wrong magic number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { defaultDataSource, type DataSource } from '../project/schema.js';
import { planCsv, parseCsv } from './csvSource.js';
import { loadDataset } from './dataset.js';
import { FASHION_MNIST_DEFAULT_DIR } from './fashionMnist.js';
import { planIdx } from './idxSource.js';
import { greyPng, imagesOf, makeTempDir, writeTree } from '../testing/imageFiles.js';
import { rejection } from '../testing/rejection.js';

test('parseCsv reads quotes, commas and quotes inside quotes, CRLF, a BOM, and drops blank lines', () => {
  const rows = parseCsv('\ufeffpath,label\r\n"a, b.png","say ""hi"""\r\n\r\nc.png,x\n');
  assert.deepEqual(rows, [
    { line: 1, fields: ['path', 'label'] },
    { line: 2, fields: ['a, b.png', 'say "hi"'] },
    { line: 4, fields: ['c.png', 'x'] },
  ]);
});

test('a CSV of path,label,split: paths relative to the CSV, bad rows skipped with their line, splits kept', async (t) => {
  const { dir, remove } = await makeTempDir('csv');
  t.after(remove);
  await writeTree(dir, {
    'img/a 1.png': await greyPng(3, 3, 10),
    'img/a2.png': await greyPng(3, 3, 20),
    'img/b,1.png': await greyPng(3, 3, 200),
    'img/b2.png': await greyPng(3, 3, 210),
    'img/ünï.png': await greyPng(3, 3, 30),
    'img/notes.txt': 'x',
  });
  const csv = [
    'file,class,split',
    'img/a 1.png,ant,train',
    'img/a2.png,ant,val',
    '"img/b,1.png",bee,train',
    'img/b2.png,bee,test',
    'img/ünï.png,ant,train',
    'img/missing.png,bee,train',
    'img/notes.txt,bee,train',
    'img/a2.png,bee,train',
    'img/b2.png,,train',
    'img/b2.png,bee,holdout',
  ].join('\n');
  await writeFile(join(dir, 'list.csv'), csv);

  const plan = await planCsv(join(dir, 'list.csv'));
  assert.equal(plan.kind, 'csv');
  assert.equal(plan.root, dir);
  assert.equal(plan.layout, 'CSV of path,label,split rows');
  assert.deepEqual(plan.classNames, ['ant', 'bee']);
  assert.deepEqual(plan.images.train.map((item) => [item.relativePath, item.classIndex]), [['img/a 1.png', 0], ['img/ünï.png', 0], ['img/b,1.png', 1]]);
  assert.deepEqual(plan.images.val.map((item) => item.relativePath), ['img/a2.png']);
  assert.deepEqual(plan.images.test.map((item) => item.relativePath), ['img/b2.png']);
  assert.deepEqual(plan.given, { val: true, test: true });
  assert.deepEqual(
    plan.skipped.map(({ path, reason }) => [path.slice(dir.length + 1), reason]),
    [
      ['img/notes.txt', 'line 8 of list.csv: not an image file (by its extension)'],
      ['img/a2.png', 'line 9 of list.csv lists this file again; the first row counts'],
      ['img/b2.png', 'line 10 of list.csv has no label'],
      ['img/b2.png', 'line 11 of list.csv has split "holdout"; use train, val or test'],
      ['img/missing.png', 'listed on line 7 of list.csv, but the file does not exist'],
    ],
  );

  const source: DataSource = { ...defaultDataSource(), kind: 'csv', path: 'list.csv' };
  const data = await loadDataset(source, join(dir, 'list.csv'), { height: 3, width: 3, channels: 1 });
  assert.deepEqual([data.train.count, data.validation.count, data.test.count], [3, 1, 1]);
  assert.deepEqual([...imagesOf(data.train)].filter((_, i) => i % 9 === 0), [10, 30, 200]);
  assert.deepEqual(data.origin, { validation: 'given', test: 'given' });
});

test('a CSV without a header is path,label; one whose files are all missing, or of one class, is refused', async (t) => {
  const { dir, remove } = await makeTempDir('csv-bad');
  t.after(remove);
  await writeTree(dir, { 'a.png': await greyPng(2, 2, 1), 'b.png': await greyPng(2, 2, 2) });
  await writeFile(join(dir, 'plain.csv'), 'a.png,cat\nb.png,dog\n');
  const plain = await planCsv(join(dir, 'plain.csv'));
  assert.deepEqual(plain.classNames, ['cat', 'dog']);
  assert.deepEqual(plain.given, { val: false, test: false });

  await writeFile(join(dir, 'elsewhere.csv'), 'path,label\nphotos/a.png,cat\nphotos/b.png,dog\n');
  const missing = await rejection(planCsv(join(dir, 'elsewhere.csv')));
  assert.equal(missing.code, 'data-no-images');
  assert.equal(missing.message, `None of the 2 images listed in "${join(dir, 'elsewhere.csv')}" exist (e.g. "${join(dir, 'photos', 'a.png')}" from line 2).`);
  assert.match(missing.hint, new RegExp(`relative to its folder "${dir.replaceAll('/', '\\/')}"`));

  await writeFile(join(dir, 'one.csv'), 'a.png,cat\nb.png,cat\n');
  const one = await rejection(planCsv(join(dir, 'one.csv')));
  assert.equal(one.code, 'data-one-class');
  assert.match(one.message, /has the label "cat"; a classifier needs at least two classes/);

  const absent = await rejection(planCsv(join(dir, 'nope.csv')));
  assert.equal(absent.code, 'data-file-missing');
});

test('IDX: Debian\'s Fashion-MNIST folder (gzipped) gives 60 000 train and 10 000 test images; an unpacked images file with its labels works too', async (t) => {
  const plan = await planIdx(FASHION_MNIST_DEFAULT_DIR, null, null);
  assert.equal(plan.kind, 'idx');
  assert.deepEqual(plan.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual([plan.images.train.length, plan.images.val.length, plan.images.test.length], [60000, 0, 10000]);
  assert.deepEqual(plan.given, { val: false, test: true });
  const perClass = plan.classNames.map((_, c) => plan.images.test.filter((item) => item.classIndex === c).length);
  assert.deepEqual(perClass, new Array(10).fill(1000));
  assert.equal(plan.images.train[0]!.raw!.data.length, 28 * 28);
  assert.match(plan.layout, /60000 train, 10000 test; 28×28 grey/);

  const { dir, remove } = await makeTempDir('idx');
  t.after(remove);
  await writeFile(join(dir, 't10k-images-idx3-ubyte'), gunzipSync(await readFile(join(FASHION_MNIST_DEFAULT_DIR, 't10k-images-idx3-ubyte.gz'))));
  await copyFile(join(FASHION_MNIST_DEFAULT_DIR, 't10k-labels-idx1-ubyte.gz'), join(dir, 'labels.gz'));
  const names = ['T-shirt_top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle_boot'];
  const source: DataSource = { ...defaultDataSource(), kind: 'idx', path: 't10k-images-idx3-ubyte', labels: 'labels.gz', classNames: names, validationSplit: 0.1 };
  const data = await loadDataset(source, join(dir, 't10k-images-idx3-ubyte'), { height: 14, width: 14, channels: 1 });
  assert.deepEqual(data.classNames, names);
  assert.deepEqual([data.train.count, data.validation.count, data.test.count], [9000, 1000, 0]);
  assert.equal(imagesOf(data.train).length, 9000 * 14 * 14);
  assert.equal(data.loading.mode, 'memory');
});

test('IDX: a wrong magic number, a missing labels file or too few class names are refused, naming the file', async (t) => {
  const { dir, remove } = await makeTempDir('idx-bad');
  t.after(remove);
  await writeFile(join(dir, 'train-images-idx3-ubyte'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
  await copyFile(join(FASHION_MNIST_DEFAULT_DIR, 't10k-labels-idx1-ubyte.gz'), join(dir, 'train-labels-idx1-ubyte.gz'));
  const magic = await rejection(planIdx(dir, null, null));
  assert.equal(magic.code, 'data-bad-idx');
  assert.equal(
    magic.message,
    `"${join(dir, 'train-images-idx3-ubyte')}" is not a valid IDX file: its magic number is 0x89504e47; IDX files start with 0x0000 then a type code (0x08 for bytes) and the number of dimensions, e.g. 0x00000803 for images.`,
  );
  assert.match(magic.hint, /Point at the unpacked IDX file or its \.gz/);

  const noLabels = await rejection(planIdx(join(dir, 'train-labels-idx1-ubyte.gz'), null, null));
  assert.equal(noLabels.code, 'data-file-missing');
  assert.match(noLabels.hint, /"labels"/);

  const few = await rejection(planIdx(FASHION_MNIST_DEFAULT_DIR, null, ['a', 'b']));
  assert.equal(few.code, 'data-bad-label');
  assert.equal(few.message, 'The IDX labels go up to 9, but only 2 class names are given.');
});
