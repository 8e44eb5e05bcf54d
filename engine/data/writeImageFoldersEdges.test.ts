/**
 * Writing labelled images as class folders (writeImageFolders.ts) where the
 * other tests do not go: colour images, an --out that is a file or lies
 * below one, a folder whose manifest another tool wrote, and a write that
 * fails half-way, which must leave neither a half-written folder nor its
 * staging folder behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { StudioError } from '../errors.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { MANIFEST_FILE, writeImageFolders, type LabelledImages } from './writeImageFolders.js';

/** Two 2×1 RGB images: a red-green one labelled 0, a blue-white one labelled 1. */
function colourImages(): LabelledImages {
  return {
    count: 2,
    height: 1,
    width: 2,
    channels: 3,
    images: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]),
    labels: Int32Array.from([0, 1]),
  };
}

test('colour images become RGB PNGs that decode back to the same pixels', async (t) => {
  const { dir, remove } = await makeTempDir('write-colour');
  t.after(remove);
  const out = join(dir, 'out');
  const result = await writeImageFolders({ outDir: out, classNames: ['warm', 'cool'], source: { kind: 'test' }, splits: { train: colourImages() } });
  assert.deepEqual(result.counts, { train: { warm: 1, cool: 1 } });
  const { data, info } = await sharp(join(out, 'train', 'cool', '1.png')).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  assert.deepEqual([...data], [0, 0, 255, 255, 255, 255]);
});

test('an --out that is a file, or lies below a file, is refused; a manifest of another format is not ours to replace', async (t) => {
  const { dir, remove } = await makeTempDir('write-out');
  t.after(remove);
  const request = (outDir: string) => ({ outDir, classNames: ['warm', 'cool'], source: { kind: 'test' }, splits: { train: colourImages() } });
  await writeFile(join(dir, 'file'), 'a file');
  const file = await writeImageFolders(request(join(dir, 'file'))).then(() => assert.fail('should be refused'), (e: unknown) => e);
  assert.ok(file instanceof StudioError);
  assert.equal(file.code, 'data-out-not-folder');
  assert.equal(file.message, `"${join(dir, 'file')}" is a file, not a folder.`);
  await assert.rejects(writeImageFolders(request(join(dir, 'file', 'below'))), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOTDIR');

  await mkdir(join(dir, 'theirs'));
  await writeFile(join(dir, 'theirs', MANIFEST_FILE), JSON.stringify({ format: 'someone-else.folders' }));
  const theirs = await writeImageFolders(request(join(dir, 'theirs'))).then(() => assert.fail('should be refused'), (e: unknown) => e);
  assert.ok(theirs instanceof StudioError);
  assert.equal(theirs.code, 'data-out-not-empty');
  assert.deepEqual(await readdir(join(dir, 'theirs')), [MANIFEST_FILE]);
});

test('a write that fails half-way leaves no output folder and no staging folder', async (t) => {
  const { dir, remove } = await makeTempDir('write-fail');
  t.after(remove);
  // The header says three images; the pixels hold two: the third cannot be cut out of them.
  const short = { ...colourImages(), count: 3, labels: Int32Array.from([0, 1, 1]) };
  await assert.rejects(writeImageFolders({ outDir: join(dir, 'out'), classNames: ['warm', 'cool'], source: {}, splits: { train: short } }), RangeError);
  assert.deepEqual(await readdir(dir), [], 'nothing half-written is left');
});
