/**
 * Image folders with the odd entries real disks hold (scan.ts), each
 * reported with its reason rather than read or fatal: a named pipe, a link
 * to a device, a link to itself, a split folder that is a link to another,
 * a stray folder beside the split folders, and roots that cannot be a folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { compareCodePoints, scanImageFolder } from './scan.js';
import { classFolders, greyPng, makeTempDir, writeTree } from '../testing/imageFiles.js';

async function scanError(dir: string): Promise<StudioError> {
  const error = await scanImageFolder(dir).then(() => assert.fail('should be refused'), (e: unknown) => e);
  assert.ok(error instanceof StudioError, `expected a StudioError, got ${String(error)}`);
  return error;
}

const reasons = (root: string, skipped: { path: string; reason: string }[]) =>
  Object.fromEntries(skipped.map(({ path, reason }) => [path.slice(root.length + 1), reason.replaceAll(root, '<root>')]));

test('a named pipe, a link to a device and a link to itself in a class folder are passed over, each with its reason', async (t) => {
  const { dir, remove } = await makeTempDir('scan-odd');
  t.after(remove);
  await classFolders(dir, { cat: 2, dog: 2 });
  execFileSync('mkfifo', [join(dir, 'cat', 'pipe.png')]);
  await symlink('/dev/null', join(dir, 'dog', 'device.png'));
  await symlink('self.png', join(dir, 'dog', 'self.png'));
  const scan = await scanImageFolder(dir);
  assert.deepEqual(scan.classNames, ['cat', 'dog']);
  assert.deepEqual(scan.images.train.map((image) => image.relativePath), ['cat/000.png', 'cat/001.png', 'dog/000.png', 'dog/001.png']);
  assert.deepEqual(reasons(dir, scan.skipped), {
    'cat/pipe.png': 'not a regular file or folder',
    'dog/device.png': 'not a regular file or folder',
    'dog/self.png': 'symbolic link loop',
  });
});

test('beside split folders, a stray folder is named as ignored; a val/ that links to train/ is not read twice', async (t) => {
  const { dir, remove } = await makeTempDir('scan-splits');
  t.after(remove);
  await classFolders(dir, { cat: 1, dog: 1 }, 'train/');
  await classFolders(dir, { cat: 1 }, 'extras/');
  await symlink('train', join(dir, 'val'));
  const scan = await scanImageFolder(dir);
  assert.equal(scan.layout, 'split-folders');
  assert.deepEqual(scan.images.train.map((image) => image.relativePath), ['train/cat/000.png', 'train/dog/000.png']);
  assert.deepEqual(scan.images.val, []);
  assert.deepEqual(reasons(dir, scan.skipped), {
    extras: 'not a train/val/test folder; with split folders present, other top-level folders are ignored',
    val: 'symbolic link to a folder that is already scanned ("<root>/train"); not followed again',
  });
});

test('a train/ folder of loose files, a path through a file and a root that links to itself are refused, naming the folder', async (t) => {
  const { dir, remove } = await makeTempDir('scan-roots');
  t.after(remove);
  await writeTree(dir, { 'loose/train/a.png': await greyPng(2, 2, 0), 'loose/test/cat/b.png': await greyPng(2, 2, 0) });
  const loose = await scanError(join(dir, 'loose'));
  assert.equal(loose.code, 'data-no-classes');
  assert.equal(loose.message, `The train folder "${join(dir, 'loose', 'train')}" has no class sub-folders.`);
  assert.match(loose.hint, /^Put the images of each class in its own sub-folder/);

  await writeFile(join(dir, 'photo.png'), await greyPng(2, 2, 0));
  const through = await scanError(join(dir, 'photo.png', 'images'));
  assert.equal(through.code, 'data-folder-missing', 'a path through a file (ENOTDIR) does not exist as a folder');
  assert.equal(through.message, `Image folder "${join(dir, 'photo.png', 'images')}" does not exist.`);

  await symlink('loop', join(dir, 'loop'));
  const loop = await scanError(join(dir, 'loop'));
  assert.equal(loop.code, 'data-folder-unreadable');
  assert.equal(loop.message, `Image folder "${join(dir, 'loop')}" cannot be read (ELOOP).`);
  assert.equal(loop.hint, 'Check that the folder exists and that you may read it.');
});

test('class folders that are all empty: the hint names what was passed over, the empty folders themselves', async (t) => {
  const { dir, remove } = await makeTempDir('scan-empty');
  t.after(remove);
  await classFolders(dir, { cat: 0, dog: 0 });
  const empty = await scanError(dir);
  assert.equal(empty.code, 'data-no-images');
  assert.match(empty.hint, new RegExp(`2 entries were passed over \\(e\\.g\\. "${join(dir, 'cat')}": class folder has no images; the class is left out\\)\\.$`));
});

test('names sort by UTF-16 code units, equal names compare equal', () => {
  assert.equal(compareCodePoints('cat', 'cat'), 0);
  assert.equal(compareCodePoints('Zebra', 'ant'), -1, 'upper case before lower case, whatever the locale');
  assert.equal(compareCodePoints('éléphant', 'zebra'), 1);
});
