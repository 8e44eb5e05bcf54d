import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StudioError } from '../errors.js';
import { FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_DEFAULT_DIR } from './fashionMnist.js';
import { loadImageDataset } from './imageFolder.js';
import { scanImageFolder } from './scan.js';
import { imagesOf, makeTempDir } from '../testing/imageFiles.js';
import { MANIFEST_FILE, writeImageFolders, type LabelledImages } from './writeImageFolders.js';

const run = promisify(execFile);

/** `count` 3×2 grey images; image i is filled with i·10 + its pixel position, label i mod 3. */
function syntheticImages(count: number): LabelledImages {
  const size = 3 * 2;
  return {
    count,
    height: 3,
    width: 2,
    channels: 1,
    images: Uint8Array.from({ length: count * size }, (_, i) => Math.floor(i / size) * 10 + (i % size)),
    labels: Int32Array.from({ length: count }, (_, i) => i % 3),
  };
}

test('labelled images become train/ and test/ class folders of PNGs that decode back to the same pixels', async (t) => {
  const { dir, remove } = await makeTempDir('write');
  t.after(remove);
  const out = join(dir, 'out');
  const request = { outDir: out, classNames: ['zero', 'one', 'two'], source: { test: 'synthetic' } };
  const train = syntheticImages(12);
  const testImages = syntheticImages(6);

  const written = await writeImageFolders({ ...request, splits: { train, test: testImages } });
  assert.equal(written.wrote, true);
  assert.deepEqual(written.counts, { train: { zero: 4, one: 4, two: 4 }, test: { zero: 2, one: 2, two: 2 } });
  assert.deepEqual(await readdir(join(out, 'train', 'one')), ['01.png', '04.png', '07.png', '10.png']);
  assert.deepEqual((await readdir(dir)).sort(), ['out'], 'no temporary folder is left beside the output');

  const data = await loadImageDataset({ path: out, validationSplit: 0.25, seed: 1 }, { height: 3, width: 2, channels: 1 });
  assert.deepEqual(data.classNames, ['one', 'two', 'zero']);
  assert.equal(data.validationFrom, 'held-out-from-train');
  assert.deepEqual([data.train.count, data.validation.count, data.test.count], [9, 3, 6]);
  assert.deepEqual(data.skipped.map((entry) => entry.reason), ['hidden file'], 'only the manifest is passed over');
  data.test.files.forEach((file, i) => {
    const source = Number(/(\d+)\.png$/.exec(file)![1]);
    assert.deepEqual([...imagesOf(data.test).subarray(i * 6, i * 6 + 6)], [...testImages.images.subarray(source * 6, source * 6 + 6)]);
  });

  const manifestTime = (await stat(join(out, MANIFEST_FILE))).mtimeMs;
  const again = await writeImageFolders({ ...request, splits: { train, test: testImages } });
  assert.equal(again.wrote, false);
  assert.deepEqual(again.counts, written.counts);
  assert.equal((await stat(join(out, MANIFEST_FILE))).mtimeMs, manifestTime);

  const limited = await writeImageFolders({ ...request, perClass: 1, splits: { train, test: testImages } });
  assert.equal(limited.wrote, true, 'a different per-class limit replaces the folder');
  assert.deepEqual(await readdir(join(out, 'train', 'one')), ['01.png']);
  assert.deepEqual((await readdir(dir)).sort(), ['out']);
});

test('a folder that holds other files is never replaced, and bad names or labels are refused', async (t) => {
  const { dir, remove } = await makeTempDir('write-bad');
  t.after(remove);
  await writeFile(join(dir, 'precious.txt'), 'mine');
  const refused = async (promise: Promise<unknown>, code: string) => {
    const error = await promise.then(() => assert.fail('should be refused'), (e: unknown) => e);
    assert.ok(error instanceof StudioError);
    assert.equal(error.code, code);
    return error;
  };
  const images = syntheticImages(3);
  const foreign = await refused(writeImageFolders({ outDir: dir, classNames: ['a', 'b', 'c'], source: {}, splits: { train: images } }), 'data-out-not-empty');
  assert.equal(foreign.message, `"${dir}" already holds files that this tool did not write.`);
  assert.deepEqual(await readdir(dir), ['precious.txt']);

  await refused(writeImageFolders({ outDir: join(dir, 'x'), classNames: ['a', 'b/c', 'd'], source: {}, splits: { train: images } }), 'data-bad-folder-name');
  await refused(writeImageFolders({ outDir: join(dir, 'x'), classNames: ['a', 'b'], source: {}, splits: { train: images } }), 'data-bad-label');
  await refused(writeImageFolders({ outDir: join(dir, 'x'), classNames: ['a', 'b', 'c'], perClass: 0, source: {}, splits: { train: images } }), 'data-bad-per-class');
});

const haveFashionMnist = existsSync(join(FASHION_MNIST_DEFAULT_DIR, 'train-images-idx3-ubyte.gz'));

test('scripts/fashion-mnist-to-folders.ts writes a small Fashion-MNIST folder once, then skips', { skip: haveFashionMnist ? false : `${FASHION_MNIST_DEFAULT_DIR} is absent (Debian package fashion-mnist)` }, async (t) => {
  const { dir, remove } = await makeTempDir('fashion');
  t.after(remove);
  const out = join(dir, 'fashion');
  const script = ['--import', 'tsx', 'scripts/fashion-mnist-to-folders.ts', '--out', out, '--per-class', '2'];

  const first = await run(process.execPath, script);
  assert.match(first.stdout, /Writing Fashion-MNIST to .*: 40\/40 images \(100%\)/);
  assert.match(first.stdout, /Wrote 20 train \+ 20 test to /);
  const scan = await scanImageFolder(out);
  assert.deepEqual(scan.classNames, [...FASHION_MNIST_CLASS_NAMES].sort());
  assert.deepEqual([scan.images.train.length, scan.images.val.length, scan.images.test.length], [20, 0, 20]);

  const second = await run(process.execPath, script);
  assert.match(second.stdout, /is already complete \(20 train \+ 20 test\); nothing to do/);

  const usage = await run(process.execPath, ['--import', 'tsx', 'scripts/fashion-mnist-to-folders.ts']).then(
    () => assert.fail('--out is required'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--out DIR is required/);
});
