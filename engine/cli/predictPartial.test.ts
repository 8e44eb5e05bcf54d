/**
 * `convnet-studio predict` with one bad file among several: the good images'
 * results are printed, then the bad one's error, and the exit status is 1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../backend/select.js';
import { writeBrightnessModel } from '../testing/brightnessModel.js';
import { greyPng, makeTempDir, writeTree } from '../testing/imageFiles.js';

const BIN = fileURLToPath(new URL('../../bin/convnet-studio.js', import.meta.url));
let temp: { dir: string; remove: () => Promise<void> };

before(async () => {
  await selectBackend('cpu');
  temp = await makeTempDir('predict-partial-');
  await writeBrightnessModel(join(temp.dir, 'model'));
  await writeTree(join(temp.dir, 'images'), { 'dark.png': await greyPng(8, 8, 10), 'bright.png': await greyPng(8, 8, 240), 'broken.png': 'not a png' });
});

after(async () => {
  await temp.remove();
});

test('predict prints the good images\' results and the bad one\'s error, then exits 1', () => {
  const images = ['dark.png', 'broken.png', 'bright.png'].map((name) => join(temp.dir, 'images', name));
  const run = spawnSync(process.execPath, [BIN, 'predict', join(temp.dir, 'model'), ...images, '--top', '1'], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  assert.equal(run.status, 1, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines.find((l) => l.startsWith(images[0]!)) ?? '', /: dark \d/);
  assert.match(lines.find((l) => l.startsWith(images[2]!)) ?? '', /: bright \d/);
  assert.match(lines.find((l) => l.startsWith(images[1]!)) ?? '', /broken\.png: error: .*broken\.png cannot be decoded/);
  assert.match(run.stdout, /1 of 3 images could not be predicted/);

  const json = spawnSync(process.execPath, [BIN, 'predict', join(temp.dir, 'model'), ...images, '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 1);
  const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; image: string });
  assert.deepEqual(events.map((e) => [e.type, e.image]), [['prediction', images[0]], ['prediction', images[2]], ['error', images[1]]]);
});
