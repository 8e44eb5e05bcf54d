import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { loadImageDataset } from './imageFolder.js';
import type { ImageSplit } from './types.js';
import { classFolders, imagesOf, makeTempDir, messyFolder, MESSY_CLASSES } from '../testing/imageFiles.js';

/** Every pixel of image `index`, as [h][w][c]-flattened numbers. */
function pixelsOf(split: ImageSplit, index: number): number[] {
  const size = split.height * split.width * split.channels;
  return [...imagesOf(split).subarray(index * size, (index + 1) * size)];
}

function assertSolid(split: ImageSplit, index: number, expected: number[], tolerance: number): void {
  const pixels = pixelsOf(split, index);
  for (let p = 0; p < pixels.length; p++) {
    const want = expected[p % split.channels]!;
    assert.ok(Math.abs(pixels[p]! - want) <= tolerance, `${split.files[index]} byte ${p}: ${pixels[p]} is not ${want} ± ${tolerance}`);
  }
}

test('a messy folder decodes every readable image to the exact input size; broken files are skipped, not fatal', async (t) => {
  const { dir, remove } = await makeTempDir('load');
  t.after(remove);
  await messyFolder(dir);
  const progress: [number, number][] = [];

  const rgb = await loadImageDataset(
    { path: dir, validationSplit: 0, seed: 1 },
    { height: 4, width: 4, channels: 3 },
    { onProgress: (done, total) => progress.push([done, total]) },
  );
  assert.deepEqual(rgb.classNames, MESSY_CLASSES);
  assert.equal(rgb.validationFrom, 'none');
  assert.deepEqual(
    rgb.train.files.map((path) => path.slice(dir.length + 1)),
    [
      'cat/deep16.png',
      'cat/grey.png',
      'cat/interlaced.png',
      'cat/nested/deeper/inner.tiff',
      'cat/rgb.png',
      'dog/alpha.png',
      'dog/anim.gif',
      'dog/palette-alpha.png',
      'dog/palette.png',
      'dog/photo.jpg',
      'dog/rotated.jpg',
      'éléphant 🐘/big.webp',
      'éléphant 🐘/grey-alpha.png',
    ],
  );
  assert.deepEqual([...rgb.train.labels], [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2]);
  assert.equal(rgb.train.count, 13);
  assert.equal(imagesOf(rgb.train).length, 13 * 4 * 4 * 3);
  assert.deepEqual([rgb.train.height, rgb.train.width, rgb.train.channels], [4, 4, 3]);
  assert.equal(rgb.validation.count, 0);
  assert.equal(imagesOf(rgb.validation).length, 0);
  assert.equal(rgb.test.count, 0);

  assertSolid(rgb.train, 0, [200, 100, 50], 0); // 16-bit PNG: the high byte of each sample
  assertSolid(rgb.train, 1, [77, 77, 77], 0); // one-channel PNG, widened to RGB
  assertSolid(rgb.train, 2, [0, 128, 255], 0); // interlaced PNG (decoded by sharp)
  assertSolid(rgb.train, 3, [0, 255, 0], 0); // TIFF in a nested folder
  assertSolid(rgb.train, 4, [200, 100, 50], 0); // 10×20 stretched to 4×4
  assertSolid(rgb.train, 5, [100, 50, 25], 1); // half-transparent, flattened on black
  assertSolid(rgb.train, 6, [0, 0, 255], 0); // animated GIF: the first frame only
  assertSolid(rgb.train, 7, [100, 50, 25], 1); // palette entry with alpha 128, flattened
  assertSolid(rgb.train, 8, [10, 20, 30], 0); // 4-bit palette
  assertSolid(rgb.train, 9, [10, 200, 30], 3); // JPEG at quality 100
  assertSolid(rgb.train, 11, [255, 255, 255], 0); // WebP, Unicode class folder
  assertSolid(rgb.train, 12, [40, 40, 40], 0); // grey 200 at alpha 51
  // EXIF orientation 6: stored with its left half white, viewed with its top half white.
  const rotated = pixelsOf(rgb.train, 10);
  const rowMean = (row: number) => rotated.slice(row * 12, row * 12 + 12).reduce((a, b) => a + b, 0) / 12;
  assert.ok(rowMean(0) > 230 && rowMean(3) < 25, `rotated rows: ${[0, 1, 2, 3].map(rowMean).join(', ')}`);

  const skipped = rgb.skipped.map(({ path, reason }) => ({ path: path.slice(dir.length + 1), reason }));
  assert.deepEqual(skipped.slice(-2).map((entry) => entry.path), ['cat/empty.png', 'dog/broken.jpg']);
  assert.equal(skipped.at(-2)!.reason, 'empty file (0 bytes)');
  assert.match(skipped.at(-1)!.reason, /^cannot be decoded: .+/);
  assert.equal(skipped.length, 9, 'the scan reports 7 entries, the decoder 2');

  assert.deepEqual(progress[0], [0, 15]);
  assert.deepEqual(progress.at(-1), [15, 15]);
  assert.ok(progress.every(([done], i) => i === 0 || done > progress[i - 1]![0]), 'progress only goes forward');

  const grey = await loadImageDataset({ path: dir, validationSplit: 0, seed: 1 }, { height: 3, width: 5, channels: 1 });
  assert.equal(imagesOf(grey.train).length, 13 * 3 * 5);
  assertSolid(grey.train, 0, [124], 0); // BT.601: 0.299·200 + 0.587·100 + 0.114·50 = 124.2
  assertSolid(grey.train, 1, [77], 0); // grey stays exactly grey
  assertSolid(grey.train, 2, [104], 0); // 0.587·128 + 0.114·255 = 104.2
  assertSolid(grey.train, 3, [150], 0); // 0.587·255 = 149.7
  assertSolid(grey.train, 8, [18], 0); // 0.299·10 + 0.587·20 + 0.114·30 = 18.2
  assertSolid(grey.train, 11, [255], 0);
  assertSolid(grey.train, 12, [40], 0);
});

test('without a val folder the validation split is stratified, at least one per class, and the same for the same seed', async (t) => {
  const { dir, remove } = await makeTempDir('load-split');
  t.after(remove);
  await classFolders(dir, { ant: 10, bee: 7, cow: 2, dog: 1 });
  const input = { height: 2, width: 2, channels: 1 } as const;

  const first = await loadImageDataset({ path: dir, validationSplit: 0.3, seed: 7 }, input);
  const again = await loadImageDataset({ path: dir, validationSplit: 0.3, seed: 7 }, input);
  const other = await loadImageDataset({ path: dir, validationSplit: 0.3, seed: 8 }, input);

  assert.equal(first.validationFrom, 'held-out-from-train');
  const perClass = (split: ImageSplit) => first.classNames.map((_, c) => split.labels.filter((label) => label === c).length);
  assert.deepEqual(perClass(first.validation), [3, 2, 1, 0]);
  assert.deepEqual(perClass(first.train), [7, 5, 1, 1]);
  assert.deepEqual(first.validation.files, again.validation.files);
  assert.deepEqual(first.train.files, again.train.files);
  assert.deepEqual(imagesOf(first.train), imagesOf(again.train));
  assert.notDeepEqual(first.validation.files, other.validation.files);
  assert.deepEqual(perClass(other.validation), [3, 2, 1, 0]);
  const overlap = first.train.files.filter((file) => first.validation.files.includes(file));
  assert.deepEqual(overlap, []);
});

test('a val folder is the validation split and a test folder the test split', async (t) => {
  const { dir, remove } = await makeTempDir('load-folders');
  t.after(remove);
  await classFolders(dir, { a: 4, b: 4 }, 'train/');
  await classFolders(dir, { a: 2, b: 1 }, 'val/');
  await classFolders(dir, { a: 1, b: 3 }, 'test/');

  const data = await loadImageDataset({ path: dir, validationSplit: 0.5, seed: 1 }, { height: 2, width: 2, channels: 3 });
  assert.equal(data.validationFrom, 'val-folder');
  assert.deepEqual([data.train.count, data.validation.count, data.test.count], [8, 3, 4]);
  assert.deepEqual([...data.validation.labels], [0, 0, 1]);
  assert.deepEqual([...data.test.labels], [0, 1, 1, 1]);
  assert.ok(data.test.files.every((file) => file.startsWith(join(dir, 'test'))));
});

test('a bad validation split or input size is refused before any decoding', async (t) => {
  const { dir, remove } = await makeTempDir('load-bad');
  t.after(remove);
  await classFolders(dir, { a: 2, b: 2 });
  const refused = async (promise: Promise<unknown>, code: string) => {
    const error = await promise.then(() => assert.fail('should be refused'), (e: unknown) => e);
    assert.ok(error instanceof StudioError);
    assert.equal(error.code, code);
    return error;
  };
  const split = await refused(loadImageDataset({ path: dir, validationSplit: 1, seed: 1 }, { height: 2, width: 2, channels: 1 }), 'data-bad-validation-split');
  assert.match(split.message, /validation split 1 is outside \[0, 1\)/);
  const shape = await refused(loadImageDataset({ path: dir, validationSplit: 0.1, seed: 1 }, { height: 0, width: 2, channels: 1 }), 'data-bad-input-shape');
  assert.match(shape.hint, /Input node/);
  await refused(loadImageDataset({ path: dir, validationSplit: 0.1, seed: 1 }, { height: 2, width: 2, channels: 4 as 3 }), 'data-bad-input-shape');
  await refused(loadImageDataset({ path: dir, validationSplit: 0.1, seed: Number.NaN }, { height: 2, width: 2, channels: 1 }), 'data-bad-seed');
});
