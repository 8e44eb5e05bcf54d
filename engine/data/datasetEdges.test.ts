/**
 * Loading a dataset when things go wrong (dataset.ts, source.ts,
 * streamedImages.ts, normalization.ts, on real folders of PNGs): settings a
 * hand-written project gets wrong, files deleted while the run loads them
 * (a few, too many, a whole split), no training image that decodes, a file
 * overwritten while a run streams from it, and mean-std over a channel that
 * never changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultAugmentation, defaultDataSource, type DataSource } from '../project/schema.js';
import { normalizeBytes, shuffledOrder } from './batches.js';
import { dataSettings, defaultMemoryBudget, loadDataset } from './dataset.js';
import { normalizationFor } from './normalization.js';
import { resolveSourcePath } from './source.js';
import { splitRecord } from './splitRecord.js';
import { classFolders, greyPng, makeTempDir, writeTree } from '../testing/imageFiles.js';
import { refusal, rejection } from '../testing/rejection.js';

const source = (changes: Partial<DataSource> = {}): DataSource => ({ ...defaultDataSource(), validationSplit: 0, ...changes }) as DataSource;
const grey2 = { height: 2, width: 2, channels: 1 } as const;

test('settings a hand-written project gets wrong are refused, naming the setting; what it leaves out gets the default', () => {
  const resize = refusal(() => dataSettings(source({ preprocessing: { resize: 'squash', normalization: 'zero-one' } } as unknown as Partial<DataSource>)));
  assert.equal(resize.code, 'data-bad-resize');
  assert.equal(resize.message, 'The resize mode "squash" is not one the studio knows.');
  assert.equal(resize.hint, 'Set data.preprocessing.resize to one of stretch, center-crop, letterbox.');
  const normalization = refusal(() => dataSettings(source({ preprocessing: { resize: 'stretch', normalization: 'z-score' } } as unknown as Partial<DataSource>)));
  assert.equal(normalization.code, 'data-bad-normalization');
  assert.equal(normalization.hint, 'Set data.preprocessing.normalization to one of zero-one, minus-one-one, mean-std.');
  for (const budget of [-1, Number.NaN]) {
    const bad = refusal(() => dataSettings(source({ cache: { memoryBudgetMB: budget } })));
    assert.equal(bad.code, 'data-bad-budget');
    assert.equal(bad.message, `The memory budget ${budget} MiB is not a size.`);
  }
  const { testSplit, ...withoutTest } = source({ cache: undefined } as unknown as Partial<DataSource>);
  void testSplit;
  const settings = dataSettings(withoutTest as DataSource);
  assert.equal(settings.testSplit, 0);
  assert.equal(settings.memoryBudgetBytes, defaultMemoryBudget());
  assert.equal(dataSettings(source({ cache: { memoryBudgetMB: 3 } })).memoryBudgetBytes, 3 * 2 ** 20);
});

test('a source without a path says what to point it at for its kind; relative paths follow the project file, else the working folder', () => {
  const hints = (['image-folder', 'csv', 'idx'] as const).map((kind) => refusal(() => resolveSourcePath(source({ kind, path: null }))));
  assert.ok(hints.every((error) => error.code === 'no-data' && error.message === 'The data source has no path.'));
  assert.deepEqual(
    hints.map((error) => error.hint),
    [
      'Set data.path to the folder of class sub-folders.',
      'Set data.path to the CSV file of path,label rows.',
      'Set data.path to the folder of IDX files (or the images file).',
    ],
  );
  assert.equal(resolveSourcePath(source({ path: 'images' }), '/projects/cats/cats.cnnstudio.json'), '/projects/cats/images');
  assert.equal(resolveSourcePath(source({ path: 'images' })), resolve(process.cwd(), 'images'));
  assert.equal(resolveSourcePath(source({ path: '/data/images' }), '/projects/cats/cats.cnnstudio.json'), '/data/images');
});

test('files deleted while a run loads them: a few are skipped and listed, more than 5 % or a whole split stop the run', async (t) => {
  const { dir, remove } = await makeTempDir('dataset-vanished');
  t.after(remove);
  const layout = async (name: string) => {
    await classFolders(join(dir, name), { cat: 20, dog: 20 }, 'train/');
    await classFolders(join(dir, name), { cat: 1 }, 'val/');
    return join(dir, name);
  };
  /** Deletes the files as the load starts: after the folder was listed, before a byte is read. */
  const deleting = (root: string, files: string[]) => ({
    onProgress: (done: number) => {
      if (done === 0) for (const file of files) rmSync(join(root, file));
    },
  });

  const few = await layout('few');
  const loaded = await loadDataset(source({ path: few }), few, grey2, deleting(few, ['train/cat/000.png']));
  assert.deepEqual(loaded.vanished.map(({ path }) => path), [join(few, 'train/cat/000.png')]);
  assert.match(loaded.vanished[0]!.reason, /^cannot be read \(ENOENT\)/);
  assert.deepEqual([loaded.train.count, loaded.validation.count], [39, 1]);

  const many = await layout('many');
  const gone = ['000', '001', '002'].map((n) => `train/dog/${n}.png`);
  const tooMany = await rejection(loadDataset(source({ path: many }), many, grey2, deleting(many, gone)));
  assert.equal(tooMany.code, 'data-vanished');
  assert.equal(tooMany.message, `3 of the 41 images listed in "${many}" disappeared while the run loaded them (more than 5 % of the data; e.g. "${join(many, gone[0]!)}").`);
  assert.equal(tooMany.hint, 'Leave the dataset in place while a run loads it, then start the run again.');

  const split = await layout('split');
  const emptied = await rejection(loadDataset(source({ path: split }), split, grey2, deleting(split, ['val/cat/000.png'])));
  assert.equal(emptied.code, 'data-vanished');
  assert.match(emptied.message, /^1 of the 41 images listed in ".*" disappeared while the run loaded them \(every image of the validation split is among them; e\.g\. ".*val\/cat\/000\.png"\)\.$/);
});

test('no training image decodes: the run is refused with how many failed and the first reason', async (t) => {
  const { dir, remove } = await makeTempDir('dataset-none');
  t.after(remove);
  await writeTree(dir, { 'cat/a.png': 'not a png', 'dog/b.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]) });
  const none = await rejection(loadDataset(source({ path: dir }), dir, grey2));
  assert.equal(none.code, 'data-no-images');
  assert.match(none.message, new RegExp(`^None of the training images of "${dir}" could be decoded \\(2 failed, e\\.g\\. "${join(dir, 'cat', 'a.png')}": cannot be decoded: `));
  assert.match(none.hint, /PNG, JPEG, WebP, GIF, TIFF/);
});

test('mean-std over images whose channel never changes keeps std 1; without images to measure it is refused', async (t) => {
  const { dir, remove } = await makeTempDir('dataset-flat');
  t.after(remove);
  await writeTree(dir, { 'cat/a.png': await greyPng(2, 2, 51), 'cat/b.png': await greyPng(2, 2, 51), 'dog/c.png': await greyPng(2, 2, 51) });
  const flat = await loadDataset(source({ path: dir, preprocessing: { resize: 'stretch', normalization: 'mean-std' } }), dir, grey2);
  assert.deepEqual(flat.preprocessing.normalization, { mode: 'mean-std', mean: [0.2], std: [1] });
  assert.deepEqual(normalizationFor('minus-one-one', 3), { mode: 'minus-one-one', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  // Augmentation settings travel with the training split only.
  const flipped = await loadDataset(source({ path: dir, augmentation: { ...defaultAugmentation(), horizontalFlip: true } }), dir, grey2);
  assert.deepEqual(flipped.train.augmentation, { settings: { ...defaultAugmentation(), horizontalFlip: true }, seed: 42 });
  assert.equal(flipped.validation.augmentation, undefined);
  const none = refusal(() => normalizationFor('mean-std', 3));
  assert.equal(none.code, 'data-no-statistics');
  // Three channels each with its own mean and std: (v/255 − mean)/std.
  const values = normalizeBytes(Uint8Array.from([255, 0, 51, 0, 255, 102]), 3, { mode: 'mean-std', mean: [0.5, 0, 0.2], std: [0.5, 1, 0.2] });
  assert.deepEqual([...values].map((v) => Math.round(v * 1e5) / 1e5), [1, 0, 0, -1, 1, 1]);
  assert.throws(() => shuffledOrder(4, 1, 0.5), /^RangeError: epoch must be a whole number, got 0\.5$/);
  // The split record of a project file without testSplit records 0.
  const { testSplit, ...withoutTest } = source({ path: dir });
  void testSplit;
  assert.equal(splitRecord(flat, withoutTest as DataSource).testSplit, 0);
});

test('a file overwritten while a run streams from it stops the run with its name; an index outside the split is a programming error', async (t) => {
  const { dir, remove } = await makeTempDir('dataset-stream');
  t.after(remove);
  await classFolders(dir, { cat: 2, dog: 2 });
  const streamed = await loadDataset(source({ path: dir, cache: { memoryBudgetMB: 0 } }), dir, grey2);
  assert.equal(streamed.train.storage, 'stream');
  if (streamed.train.storage !== 'stream') return;
  const target = new Uint8Array(4 * 4);
  await streamed.train.reader.read(Int32Array.from([0, 1, 2, 3]), 0, 4, target);
  assert.ok(target.every((v) => v === 128), 'classFolders writes grey 128 everywhere');

  await writeFile(streamed.train.files[2]!, 'overwritten by something else');
  const changed = await rejection(streamed.train.reader.read(Int32Array.from([2, 3]), 0, 2, target.subarray(0, 8)));
  assert.equal(changed.code, 'data-file-changed');
  assert.match(changed.message, new RegExp(`^"${streamed.train.files[2]}" cannot be decoded: .* — it decoded when the run started, so it changed on disk during training\\.$`));
  await assert.rejects(streamed.train.reader.read(Int32Array.from([7]), 0, 1, target.subarray(0, 4)), /^RangeError: image index 7 is outside the split's 0…3$/);
});
