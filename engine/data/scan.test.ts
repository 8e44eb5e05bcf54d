import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { scanImageFolder } from './scan.js';
import { classFolders, greyPng, makeTempDir, messyFolder, MESSY_CLASSES, writeTree } from '../testing/imageFiles.js';

function relativeSkipped(root: string, skipped: { path: string; reason: string }[]) {
  return skipped
    .map(({ path, reason }) => ({ path: path.slice(root.length + 1), reason: reason.replaceAll(root, '<root>') }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

test('scan of a messy class-folder dataset: classes, images and every skipped entry with its reason', async (t) => {
  const { dir, remove } = await makeTempDir('scan');
  t.after(remove);
  await messyFolder(dir);

  const scan = await scanImageFolder(dir);
  assert.equal(scan.root, dir);
  assert.equal(scan.layout, 'class-folders');
  assert.deepEqual(scan.classNames, MESSY_CLASSES);
  assert.deepEqual(
    scan.images.train.map((image) => [image.classIndex, image.relativePath]),
    [
      [0, 'cat/deep16.png'],
      [0, 'cat/empty.png'],
      [0, 'cat/grey.png'],
      [0, 'cat/interlaced.png'],
      [0, 'cat/nested/deeper/inner.tiff'],
      [0, 'cat/rgb.png'],
      [1, 'dog/alpha.png'],
      [1, 'dog/anim.gif'],
      [1, 'dog/broken.jpg'],
      [1, 'dog/palette-alpha.png'],
      [1, 'dog/palette.png'],
      [1, 'dog/photo.jpg'],
      [1, 'dog/rotated.jpg'],
      [2, 'éléphant 🐘/big.webp'],
      [2, 'éléphant 🐘/grey-alpha.png'],
    ],
  );
  assert.equal(scan.images.train[1]!.path, join(dir, 'cat', 'empty.png'));
  assert.deepEqual(scan.images.val, []);
  assert.deepEqual(scan.images.test, []);
  assert.deepEqual(scan.splitFolders, { train: null, val: null, test: null });
  assert.deepEqual(relativeSkipped(dir, scan.skipped), [
    { path: '.git', reason: 'hidden folder' },
    { path: 'README.md', reason: 'not inside a class folder' },
    { path: 'cat/.hidden.png', reason: 'hidden file' },
    { path: 'cat/nested/loop', reason: 'symbolic link to a folder that is already scanned ("<root>/cat"); not followed again' },
    { path: 'cat/notes.txt', reason: 'not an image file (by its extension)' },
    { path: 'dangling', reason: 'broken symbolic link (its target does not exist)' },
    { path: 'empty-class', reason: 'class folder has no images; the class is left out' },
  ]);
  assert.deepEqual(scan.warnings, []);
});

test('split folders win: train/val/test each hold class folders; classes are their union; stray entries are reported', async (t) => {
  const { dir, remove } = await makeTempDir('scan-splits');
  t.after(remove);
  await classFolders(dir, { cat: 3, dog: 2 }, 'train/');
  await classFolders(dir, { cat: 1, dog: 1 }, 'Val/');
  await classFolders(dir, { cat: 1, bird: 2 }, 'test/');
  await classFolders(dir, { stray: 2 });
  await writeTree(dir, { 'train/loose.png': await greyPng(2, 2, 0) });

  const scan = await scanImageFolder(dir);
  assert.equal(scan.layout, 'split-folders');
  assert.deepEqual(scan.classNames, ['bird', 'cat', 'dog']);
  assert.deepEqual(scan.splitFolders, { train: join(dir, 'train'), val: join(dir, 'Val'), test: join(dir, 'test') });
  assert.deepEqual(
    scan.images.train.map((image) => [image.classIndex, image.relativePath]),
    [
      [1, 'train/cat/000.png'],
      [1, 'train/cat/001.png'],
      [1, 'train/cat/002.png'],
      [2, 'train/dog/000.png'],
      [2, 'train/dog/001.png'],
    ],
  );
  assert.deepEqual(scan.images.val.map((image) => image.relativePath), ['Val/cat/000.png', 'Val/dog/000.png']);
  assert.deepEqual(
    scan.images.test.map((image) => [image.classIndex, image.relativePath]),
    [
      [0, 'test/bird/000.png'],
      [0, 'test/bird/001.png'],
      [1, 'test/cat/000.png'],
    ],
  );
  assert.deepEqual(relativeSkipped(dir, scan.skipped), [
    { path: 'stray', reason: 'not a train/val/test folder; with split folders present, other top-level folders are ignored' },
    { path: 'train/loose.png', reason: 'not inside a class folder of train/' },
  ]);
  assert.deepEqual(scan.warnings, [`Class "bird" has no images in "${join(dir, 'train')}"; the model cannot learn it.`]);
});

async function scanError(dir: string): Promise<StudioError> {
  const error = await scanImageFolder(dir).then(
    () => assert.fail(`scanning ${dir} should fail`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StudioError, `expected a StudioError, got ${String(error)}`);
  return error;
}

test('bad folders fail with a StudioError that names the folder and says the fix', async (t) => {
  const { dir, remove } = await makeTempDir('scan-bad');
  t.after(remove);

  const missing = await scanError(join(dir, 'nope'));
  assert.equal(missing.code, 'data-folder-missing');
  assert.equal(missing.message, `Image folder "${join(dir, 'nope')}" does not exist.`);
  assert.match(missing.hint, /Check the path/);

  await writeFile(join(dir, 'file.png'), await greyPng(2, 2, 0));
  const notFolder = await scanError(join(dir, 'file.png'));
  assert.equal(notFolder.code, 'data-not-a-folder');
  assert.equal(notFolder.message, `"${join(dir, 'file.png')}" is a file, not a folder of images.`);

  await writeTree(dir, { 'flat/a.png': await greyPng(2, 2, 0), 'flat/b.png': await greyPng(2, 2, 0) });
  const flat = await scanError(join(dir, 'flat'));
  assert.equal(flat.code, 'data-no-classes');
  assert.equal(flat.message, `Image folder "${join(dir, 'flat')}" has no class sub-folders.`);
  assert.match(flat.hint, /its own sub-folder/);

  await classFolders(join(dir, 'one'), { cat: 3, dog: 0 });
  const one = await scanError(join(dir, 'one'));
  assert.equal(one.code, 'data-one-class');
  assert.equal(one.message, `Image folder "${join(dir, 'one')}" has images of only one class ("cat"); a classifier needs at least two.`);
  assert.match(one.hint, /Add a sub-folder/);

  await writeTree(dir, { 'none/cat/notes.txt': 'x', 'none/dog/': '' });
  const none = await scanError(join(dir, 'none'));
  assert.equal(none.code, 'data-no-images');
  assert.equal(none.message, `Image folder "${join(dir, 'none')}" has class folders but no images in them.`);
  assert.match(none.hint, /\.png, \.jpg/);

  await classFolders(join(dir, 'splits'), { cat: 1, dog: 1 }, 'val/');
  const noTrain = await scanError(join(dir, 'splits'));
  assert.equal(noTrain.code, 'data-no-train-split');
  assert.match(noTrain.message, /has split folders \(val\/\) but no train\/ folder/);

  await classFolders(join(dir, 'twice'), { cat: 1, dog: 1 }, 'train/');
  await classFolders(join(dir, 'twice'), { cat: 1, dog: 1 }, 'val/');
  await classFolders(join(dir, 'twice'), { cat: 1, dog: 1 }, 'validation/');
  const twice = await scanError(join(dir, 'twice'));
  assert.equal(twice.code, 'data-ambiguous-split');
  assert.match(twice.message, /more than one val folder: "val", "validation"/);
});
