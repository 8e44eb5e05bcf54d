/**
 * `convnet-studio data` in a child process, as a person runs it: the table
 * for a folder, JSON with --json, a project file's data source, and a clear
 * error for a folder without images.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classFolders, greyPng, makeTempDir, writeTree } from '../testing/imageFiles.js';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/convnet-studio.js', 'data', ...args], { encoding: 'utf8' });

test('data DIR prints counts per class and split; --json gives the summary; a project file uses its data source', async (t) => {
  const { dir, remove } = await makeTempDir('cli-data');
  t.after(remove);
  const tree: Record<string, Buffer | string> = { 'imgs/README.txt': 'about' };
  for (let i = 0; i < 12; i++) tree[`imgs/${i % 3 === 0 ? 'bird' : 'cat'}/${i}.png`] = await greyPng(2, 3, 0, i);
  await writeTree(dir, tree);

  const text = cli([join(dir, 'imgs'), '--validation-split', '25%']);
  assert.equal(text.status, 0, text.stderr);
  assert.equal(
    text.stdout,
    [
      `${join(dir, 'imgs')}: one folder per class`,
      '12 images in 2 classes (validation: held out of train, test: none)',
      '  class  train  validation  test',
      '  bird       3           1     0',
      '  cat        6           2     0',
      '  total      9           3     0',
      'Sizes: 2×3 (12)',
      'Formats: png 12',
      'Skipped (1):',
      `  ${join(dir, 'imgs', 'README.txt')}: not inside a class folder`,
      '⚠ Class "bird" has only 3 training images; a model needs at least 10 (better: hundreds) to learn it.',
      '⚠ Class "cat" has only 6 training images; a model needs at least 10 (better: hundreds) to learn it.',
      '⚠ 1 file was skipped; the list says why for each.',
      '',
    ].join('\n'),
  );

  const json = cli([join(dir, 'imgs'), '--json', '--thumbnails', '1']);
  assert.equal(json.status, 0, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(summary.type, 'data-summary');
  assert.equal(summary.total, 12);
  assert.deepEqual(summary.perClass.train, [3, 7], "the default 10 % validation: one image of each class");
  assert.equal(summary.thumbnails.cat.length, 1);

  await writeFile(
    join(dir, 'p.cnnstudio.json'),
    JSON.stringify({ format: 'convnet-studio.project', version: 1, graph: { nodes: [], edges: [] }, data: { kind: 'image-folder', path: 'imgs', validationSplit: 0, testSplit: 0.5, seed: 1 } }),
  );
  const fromProject = cli([join(dir, 'p.cnnstudio.json'), '--json']);
  assert.equal(fromProject.status, 0, fromProject.stderr);
  assert.deepEqual(JSON.parse(fromProject.stdout).perClass, { train: [2, 4], validation: [0, 0], test: [2, 4] });
});

test('data on a folder without images fails with the reason and the fix; a wrong flag is a usage error', async (t) => {
  const { dir, remove } = await makeTempDir('cli-data-bad');
  t.after(remove);
  await classFolders(dir, { a: 0, b: 0 });
  await writeTree(dir, { 'a/notes.txt': 'x' });
  const empty = cli([dir]);
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, new RegExp(`convnet-studio: Image folder "${dir}" has class folders but no images in them\\.\\n  hint: Images are recognised by extension`));
  const usage = cli([dir, '--test-split', '2']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--test-split must be a fraction from 0 to below 1/);
});
