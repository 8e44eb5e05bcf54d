/**
 * The dataset summary on real folders: the messy folder's exact report,
 * duplicates across splits and classes, and the engine's data.summary and
 * data.preview commands as the window calls them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { Engine } from '../engine.js';
import { defaultDataSource, type DataSource } from '../project/schema.js';
import { summarizeDataset } from './summary.js';
import { classFolders, greyPng, makeTempDir, messyFolder, MESSY_CLASSES, solidImage, writeTree } from '../testing/imageFiles.js';

const folderSource = (path: string, changes: Partial<DataSource> = {}): DataSource => ({ ...defaultDataSource(), path, ...changes }) as DataSource;

async function pngSizeOf(dataUrl: string): Promise<[number, number]> {
  assert.match(dataUrl, /^data:image\/png;base64,/);
  const metadata = await sharp(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64')).metadata();
  return [metadata.width!, metadata.height!];
}

test('the messy folder: counts per class, sizes, formats, every skipped file with its reason, warnings, thumbnails', async (t) => {
  const { dir, remove } = await makeTempDir('summary');
  t.after(remove);
  await messyFolder(dir);
  const summary = await summarizeDataset(folderSource(dir, { validationSplit: 0 }), dir, { thumbnailsPerClass: 2 });

  assert.deepEqual(summary.source, { kind: 'image-folder', path: dir, layout: 'one folder per class' });
  assert.deepEqual(summary.classNames, MESSY_CLASSES);
  assert.equal(summary.total, 13);
  assert.deepEqual(summary.perClass, { train: [5, 6, 2], validation: [0, 0, 0], test: [0, 0, 0] });
  assert.deepEqual(summary.splits, { train: 13, validation: 0, test: 0 });
  assert.deepEqual(summary.origin, { validation: 'none', test: 'none' });
  assert.deepEqual(summary.sizes, [
    { width: 2, height: 2, count: 2 },
    { width: 3, height: 2, count: 1 },
    { width: 4, height: 4, count: 1 },
    { width: 5, height: 3, count: 1 },
    { width: 5, height: 5, count: 1 },
    { width: 6, height: 6, count: 1 },
    { width: 7, height: 5, count: 1 },
    { width: 8, height: 6, count: 1 },
    { width: 10, height: 20, count: 1 },
    { width: 16, height: 16, count: 1 },
  ]);
  assert.equal(summary.distinctSizes, 12, 'also 20×40 (the rotated JPEG, upright) and 64×48');
  assert.deepEqual(summary.formats, { png: 8, tiff: 1, gif: 1, jpeg: 2, webp: 1 });

  const skipped = summary.skipped
    .map(({ path, reason }) => ({ path: path.slice(dir.length + 1), reason: reason.replaceAll(dir, '<root>') }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const broken = skipped.find((entry) => entry.path === 'dog/broken.jpg')!;
  // libvips' words for a JPEG cut short, first line only. Their wording varies by version, and the
  // first line is sometimes sharp's prefix alone ("Input buffer has corrupt header:", libvips' own
  // line after it), as seen once in CI.
  assert.match(broken.reason, /^cannot be decoded: (.*\bJPEG\b|Input (buffer|file) has corrupt header)/i);
  assert.doesNotMatch(broken.reason, /\n/, 'one line');
  assert.deepEqual(skipped, [
    { path: '.git', reason: 'hidden folder' },
    { path: 'README.md', reason: 'not inside a class folder' },
    { path: 'cat/.hidden.png', reason: 'hidden file' },
    { path: 'cat/empty.png', reason: 'empty file (0 bytes)' },
    { path: 'cat/nested/loop', reason: 'symbolic link to a folder that is already scanned ("<root>/cat"); not followed again' },
    { path: 'cat/notes.txt', reason: 'not an image file (by its extension)' },
    { path: 'dangling', reason: 'broken symbolic link (its target does not exist)' },
    { path: 'dog/broken.jpg', reason: broken.reason },
    { path: 'empty-class', reason: 'class folder has no images; the class is left out' },
  ]);
  assert.deepEqual(summary.duplicates, []);
  assert.deepEqual(summary.warnings, [
    'Class "cat" has only 5 training images; a model needs at least 10 (better: hundreds) to learn it.',
    'Class "dog" has only 6 training images; a model needs at least 10 (better: hundreds) to learn it.',
    'Class "éléphant 🐘" has only 2 training images; a model needs at least 10 (better: hundreds) to learn it.',
    '5 files and 2 folders were skipped; 2 hidden entries are left out too, as expected; the list says why for each.',
  ]);
  assert.equal(summary.verified, true);

  assert.deepEqual(Object.keys(summary.thumbnails), MESSY_CLASSES);
  assert.deepEqual(summary.thumbnails.cat!.map((thumbnail) => thumbnail.path.slice(dir.length + 1)), ['cat/deep16.png', 'cat/interlaced.png']);
  for (const thumbnails of Object.values(summary.thumbnails)) {
    assert.equal(thumbnails.length, 2);
    for (const { dataUrl } of thumbnails) {
      const [width, height] = await pngSizeOf(dataUrl);
      assert.ok(width <= 48 && height <= 48 && dataUrl.length < 4000, `${width}×${height}, ${dataUrl.length} characters`);
    }
  }

  const quick = await summarizeDataset(folderSource(dir, { validationSplit: 0 }), dir, { verify: false, thumbnailsPerClass: 0 });
  assert.equal(quick.verified, false);
  assert.deepEqual(quick.thumbnails, {});
  assert.ok(quick.skipped.some((entry) => entry.path.endsWith('empty.png')), 'a zero-byte file is found from its header too');
});

test('exact copies across splits and under two classes are found by content, whatever their names', async (t) => {
  const { dir, remove } = await makeTempDir('summary-dupes');
  t.after(remove);
  await classFolders(dir, { cat: 0, dog: 0 }, 'train/');
  const images = await Promise.all(Array.from({ length: 24 }, (_, i) => greyPng(3, 3, i * 10)));
  const tree: Record<string, Buffer> = {};
  images.forEach((png, i) => (tree[`train/${i % 2 ? 'dog' : 'cat'}/${i}.png`] = png));
  tree['test/cat/copy-of-4.png'] = images[4]!;
  tree['test/dog/fresh.png'] = await greyPng(3, 3, 255);
  await writeTree(dir, tree);
  await copyFile(join(dir, 'train', 'cat', '6.png'), join(dir, 'train', 'dog', 'also-6.png'));

  const summary = await summarizeDataset(folderSource(dir, { validationSplit: 0 }), dir, { thumbnailsPerClass: 0 });
  assert.deepEqual(summary.splits, { train: 25, validation: 0, test: 2 });
  const groups = summary.duplicates.map((group) => group.files.map((file) => [file.path.slice(dir.length + 1), file.split, file.className]));
  assert.deepEqual(groups, [
    [
      ['train/cat/4.png', 'train', 'cat'],
      ['test/cat/copy-of-4.png', 'test', 'cat'],
    ],
    [
      ['train/cat/6.png', 'train', 'cat'],
      ['train/dog/also-6.png', 'train', 'dog'],
    ],
  ]);
  assert.ok(summary.warnings.includes(
    `1 image is an exact copy of images in another split (e.g. "${join(dir, 'train/cat/4.png')}" in train = "${join(dir, 'test/cat/copy-of-4.png')}" in test); they make validation and test scores look better than they are. Remove the copies from one side.`,
  ));
  assert.ok(summary.warnings.some((warning) => warning.startsWith('1 image appears under more than one class (e.g. ')));
});

test('imbalance is warned about; the summary splits as training would', async (t) => {
  const { dir, remove } = await makeTempDir('summary-imbalance');
  t.after(remove);
  const tree: Record<string, Buffer> = {};
  // Every image different (duplicates would be warned about too).
  for (let i = 0; i < 131; i++) tree[`${i < 120 ? 'many' : 'few'}/${i}.png`] = await greyPng(2, 2, 0, i);
  await writeTree(dir, tree);
  const summary = await summarizeDataset(folderSource(dir, { validationSplit: 0.1, testSplit: 0.1 }), dir, { thumbnailsPerClass: 0 });
  assert.deepEqual(summary.perClass, { train: [9, 96], validation: [1, 12], test: [1, 12] });
  assert.deepEqual(summary.origin, { validation: 'held-out', test: 'held-out' });
  assert.deepEqual(summary.warnings, [
    'Class "few" has only 9 training images; a model needs at least 10 (better: hundreds) to learn it.',
    'The classes are strongly imbalanced: "many" has 96 training images, "few" only 9 (11×). Accuracy will favour the large classes; collect more of the small ones, or weigh them.',
  ]);
});

test('engine commands: data.summary resolves the path against the project file; data.preview returns N augmented thumbnails', async (t) => {
  const { dir, remove } = await makeTempDir('summary-engine');
  t.after(remove);
  await classFolders(join(dir, 'images'), { a: 3, b: 3 });
  await writeTree(dir, { 'photo.jpg': await solidImage(30, 20, { r: 200, g: 40, b: 40 }, 'jpeg') });
  const engine = new Engine();
  const summary = await engine.execute({ type: 'data.summary', data: folderSource('images'), projectPath: join(dir, 'p.cnnstudio.json'), thumbnailsPerClass: 1 });
  assert.equal(summary.source.path, join(dir, 'images'));
  assert.equal(summary.total, 6);
  assert.deepEqual(summary.splits, { train: 4, validation: 2, test: 0 });
  assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary, 'crosses the protocol as JSON, nothing lost');

  const preview = await engine.execute({
    type: 'data.preview',
    image: join(dir, 'photo.jpg'),
    input: { height: 16, width: 24, channels: 3 },
    augmentation: { horizontalFlip: true, rotation: 20, brightness: 0.2 },
    count: 5,
    seed: 3,
  });
  assert.equal(preview.augmented.length, 5);
  assert.deepEqual(await pngSizeOf(preview.original), [24, 16]);
  for (const url of preview.augmented) assert.deepEqual(await pngSizeOf(url), [24, 16]);
  assert.equal(new Set(preview.augmented).size, 5, 'five different versions');
  const again = await engine.execute({ type: 'data.preview', image: join(dir, 'photo.jpg'), input: { height: 16, width: 24, channels: 3 }, augmentation: { horizontalFlip: true, rotation: 20, brightness: 0.2 }, count: 5, seed: 3 });
  assert.deepEqual(again.augmented, preview.augmented, 'the same seed shows the same versions');

  await assert.rejects(engine.execute({ type: 'data.preview', image: join(dir, 'nope.png'), input: { height: 4, width: 4, channels: 1 } }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'data-preview-unreadable');
    assert.match(error.message, /nope\.png" cannot be read \(ENOENT\)/);
    return true;
  });
});
