/**
 * forEachWithConcurrency after a failure: it stops handing out items and
 * waits for the work already in flight before it rejects, so a caller that
 * cleans up on the error (writeImageFolders removes its staging folder) never
 * races writes still running. Found while testing writeImageFolders' failure
 * path: the promise rejected at once while the other workers kept writing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachWithConcurrency } from './concurrency.js';

test('after a failure no new item starts, and the rejection waits for the items in flight', async () => {
  const started: number[] = [];
  const finished: number[] = [];
  const failure = new Error('item 0 failed');
  await assert.rejects(
    forEachWithConcurrency([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      if (item === 0) throw failure;
      await sleep(30);
      finished.push(item);
    }),
    (error: unknown) => error === failure,
  );
  assert.deepEqual(started, [0, 1], 'the second worker finishes item 1 and takes no other');
  assert.deepEqual(finished, [1], 'item 1 had finished when the call rejected');
});

test('with several failures the first one is reported; without any every item runs once', async () => {
  await assert.rejects(
    forEachWithConcurrency([0, 1, 2], 3, async (item) => {
      await sleep(item === 0 ? 20 : 1);
      throw new Error(`item ${item}`);
    }),
    /^Error: item 1$/,
  );
  const seen: number[] = [];
  await forEachWithConcurrency([5, 6, 7, 8, 9], 2, async (item, index) => {
    await sleep(1);
    seen[index] = item;
  });
  assert.deepEqual(seen, [5, 6, 7, 8, 9]);
});
