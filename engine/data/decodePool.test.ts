/**
 * The decode pool on real files: PNGs decode in the worker threads, other
 * formats go to sharp, and a worker that crashes hands its files to sharp and
 * leaves decoding on the main thread's side, with the same pixels. The crash
 * is a real one: the worker is sent a request it cannot read, and its message
 * handler throws (what a bug in the worker would do).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { decodeImageInto } from './decode.js';
import { DecodePool } from './decodePool.js';
import { greyPng, makeTempDir, solidImage, writeTree } from '../testing/imageFiles.js';
import type { ImageInputShape } from './types.js';

const input: ImageInputShape = { height: 6, width: 6, channels: 3 };
const imageBytes = 6 * 6 * 3;

async function imageFiles(dir: string): Promise<string[]> {
  const tree: Record<string, Buffer | string> = {
    'a.png': await greyPng(6, 6, 30, 200),
    'b.jpg': await solidImage(9, 7, { r: 200, g: 40, b: 10 }, 'jpeg'),
    'c.png': await solidImage(12, 6, { r: 10, g: 220, b: 90 }, 'png'),
    'd.webp': await solidImage(6, 6, { r: 90, g: 90, b: 250 }, 'webp'),
    'broken.png': 'not a png at all',
  };
  await writeTree(dir, tree);
  return Object.keys(tree).map((name) => join(dir, name));
}

/** Each file decoded alone on the main thread: the pixels every path must give. */
async function reference(paths: string[]): Promise<Uint8Array> {
  const out = new Uint8Array(paths.length * imageBytes);
  for (const [i, path] of paths.entries()) {
    await decodeImageInto(path, input, out.subarray(i * imageBytes, (i + 1) * imageBytes)).catch(() => undefined);
  }
  return out;
}

const workersOf = (pool: DecodePool) => (pool['startWorkers']() as { worker: Worker }[] | null);

test('PNGs in the workers, JPEG and WebP through sharp, a broken file named: the pixels of decoding each file alone', async (t) => {
  const { dir, remove } = await makeTempDir('decode-pool');
  t.after(remove);
  const paths = await imageFiles(dir);
  const pool = new DecodePool(2);
  t.after(() => pool.close());
  const target = new Uint8Array(paths.length * imageBytes);
  const reasons = await pool.decodeMany(paths, input, 'stretch', target);
  assert.deepEqual(reasons.slice(0, 4), [null, null, null, null]);
  assert.match(reasons[4]!, /^cannot be decoded: /);
  const expected = await reference(paths);
  assert.deepEqual(target.subarray(0, 4 * imageBytes), expected.subarray(0, 4 * imageBytes));
  assert.notEqual(workersOf(pool), null, 'the workers are running');
});

test('a worker that crashes with files in hand: they go to sharp, later calls decode on the main thread, same pixels', { timeout: 60_000 }, async (t) => {
  const { dir, remove } = await makeTempDir('decode-pool-crash');
  t.after(remove);
  const paths = await imageFiles(dir);
  const expected = await reference(paths);
  const pool = new DecodePool(1);
  t.after(() => pool.close());
  const [only] = workersOf(pool)!;
  const died = new Promise((resolve) => only!.worker.once('error', resolve));
  // Queued ahead of the real request on the same worker: its handler throws on it, and the thread dies.
  only!.worker.postMessage({ id: -1, paths: null, input, resize: 'stretch' });
  const target = new Uint8Array(paths.length * imageBytes);
  const reasons = await pool.decodeMany(paths, input, 'stretch', target);
  assert.match(String(((await died) as Error).message), /null|forEach/, 'the worker died of the bad request');
  assert.deepEqual(reasons.slice(0, 4), [null, null, null, null]);
  assert.match(reasons[4]!, /^cannot be decoded: /);
  assert.deepEqual(target.subarray(0, 4 * imageBytes), expected.subarray(0, 4 * imageBytes));

  // From now on, no workers: the main thread's side decodes, with the same result.
  assert.equal(workersOf(pool), null);
  const again = new Uint8Array(paths.length * imageBytes);
  const reasonsAgain = await pool.decodeMany(paths, input, 'stretch', again);
  assert.deepEqual(reasonsAgain, reasons);
  assert.deepEqual(again.subarray(0, 4 * imageBytes), expected.subarray(0, 4 * imageBytes));
});
