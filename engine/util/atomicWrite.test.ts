// Atomic writes when the write itself fails (util/atomicWrite.ts): on real
// files and folders, the old content stays, no temporary is left behind, and
// the error names the file the person asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { STALE_TEMP_MS, removeStaleTemporaries, replaceWith, temporarySibling, writeFileAtomic, writeFolderAtomic } from './atomicWrite.js';

async function inTemp(work: (dir: string) => Promise<void>) {
  const { dir, remove } = await makeTempDir('atomic-');
  try {
    await work(dir);
  } finally {
    await remove();
  }
}

test('a file that cannot replace what is there (a folder) fails naming the file, and leaves no temporary', () =>
  inTemp(async (dir) => {
    const target = join(dir, 'model.json');
    await mkdir(join(target, 'inside'), { recursive: true });
    await assert.rejects(writeFileAtomic(target, '{}'), (e: Error) => e.message.includes(target) && !e.message.includes('.tmp'));
    assert.deepEqual(await readdir(dir), ['model.json']);
    assert.deepEqual(await readdir(target), ['inside']);
  }));

test('a file whose folder cannot be made (a file is in the way) fails naming the file', () =>
  inTemp(async (dir) => {
    await writeFile(join(dir, 'runs'), 'not a folder');
    const target = join(dir, 'runs', 'r1', 'run.json');
    await assert.rejects(writeFileAtomic(target, '{}'), (e: Error) => e.message.includes(target));
    assert.equal(await readFile(join(dir, 'runs'), 'utf8'), 'not a folder');
  }));

test('a folder write that fails half-way keeps the old folder whole and removes its temporary', () =>
  inTemp(async (dir) => {
    const target = join(dir, 'model');
    await writeFolderAtomic(target, { 'model.json': 'old', 'weights.bin': new Uint8Array([1, 2]) });
    // The second file cannot be opened (its sub-folder does not exist): the write dies after the first.
    await assert.rejects(writeFolderAtomic(target, { 'model.json': 'new', 'missing/weights.bin': 'x' }), (e: Error) => e.message.includes(target));
    assert.deepEqual((await readdir(dir)).sort(), ['model']);
    assert.equal(await readFile(join(target, 'model.json'), 'utf8'), 'old');
    assert.deepEqual([...(await readFile(join(target, 'weights.bin')))], [1, 2]);
    // And a write that succeeds replaces the folder as a whole: files of the old one do not linger.
    await writeFolderAtomic(target, { 'model.json': 'new' });
    assert.deepEqual(await readdir(target), ['model.json']);
    assert.equal(await readFile(join(target, 'model.json'), 'utf8'), 'new');
    assert.deepEqual(await readdir(dir), ['model']);
  }));

test('replaceWith: when the new one cannot move in, the old one is put back', () =>
  inTemp(async (dir) => {
    const target = join(dir, 'export');
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'old export');
    await assert.rejects(replaceWith(join(dir, 'never-written'), target), { code: 'ENOENT' });
    assert.equal(await readFile(join(target, 'keep.txt'), 'utf8'), 'old export');
    assert.deepEqual(await readdir(dir), ['export']);
  }));

test('replaceWith: when the old one cannot step aside, nothing moves', () =>
  inTemp(async (dir) => {
    const source = join(dir, 'new');
    const target = join(dir, 'export');
    await mkdir(source);
    await writeFile(join(source, 'a.txt'), 'new');
    await mkdir(target);
    await writeFile(join(target, 'a.txt'), 'old');
    // Where the old one would step aside, a non-empty folder is in the way.
    await mkdir(join(dir, 'new.old', 'blocker'), { recursive: true });
    await assert.rejects(replaceWith(source, target), (e: NodeJS.ErrnoException) => e.code !== 'ENOENT');
    assert.equal(await readFile(join(target, 'a.txt'), 'utf8'), 'old');
    assert.equal(await readFile(join(source, 'a.txt'), 'utf8'), 'new');
  }));

test('replaceWith into a place where nothing is yet: a plain move', () =>
  inTemp(async (dir) => {
    await writeFile(join(dir, 'staged'), 'content');
    await replaceWith(join(dir, 'staged'), join(dir, 'final'));
    assert.deepEqual(await readdir(dir), ['final']);
    assert.equal(await readFile(join(dir, 'final'), 'utf8'), 'content');
  }));

test('removeStaleTemporaries: only our own stale names, never one in flight, and a folder that cannot be read removes nothing', () =>
  inTemp(async (dir) => {
    const target = join(dir, 'p.cnnstudio.json');
    const old = new Date(Date.now() - 2 * STALE_TEMP_MS);
    const names = {
      stale: '.p.cnnstudio.json.0123abcd.tmp',
      staleOld: '.p.cnnstudio.json.89abcdef.tmp.old',
      staleExport: '.p.cnnstudio.json.00000000.export.tmp',
      fresh: '.p.cnnstudio.json.fedcba98.tmp',
      notOurs: '.p.cnnstudio.json.notHex00.tmp',
      otherFile: '.q.cnnstudio.json.0123abcd.tmp',
    };
    for (const [kind, name] of Object.entries(names)) {
      await writeFile(join(dir, name), kind);
      if (kind !== 'fresh') await utimes(join(dir, name), old, old);
    }
    const { temp, release } = temporarySibling(target);
    await writeFile(temp, 'being written');
    await utimes(temp, old, old);
    try {
      assert.equal(await removeStaleTemporaries(target), 3);
    } finally {
      release();
    }
    const left = new Set(await readdir(dir));
    assert.deepEqual([...left].sort(), [names.fresh, names.notOurs, names.otherFile, temp.slice(dir.length + 1)].sort());
    assert.equal(await removeStaleTemporaries(join(dir, 'no-such-folder', 'x.json')), 0);
    // Once released, the same temporary is stale like any other.
    assert.equal(await removeStaleTemporaries(target), 1);
  }));
