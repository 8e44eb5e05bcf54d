/**
 * Hostile conditions, part 9: data that vanishes after the scan. Files are
 * deleted from a real image folder at the moment loading starts (the scan has
 * listed them; the first progress event is sent before any is decoded). A
 * few gone: the run goes on and says so in a warning event. More than 5 % or
 * a whole split gone: the run stops with a clear error instead of ending
 * "completed" on a different dataset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import type { EngineEvent } from '../protocol.js';
import { PATTERN_CLASSES, writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';

/** Trains one epoch on a fresh pattern folder, deleting `count` files (`pick`) when loading begins. */
async function runWhileDeleting(pick: (dataDir: string) => string[]): Promise<{ events: EngineEvent[]; deleted: string[] }> {
  const dataDir = await writePatternFolder({ perClass: 30, size: 8 });
  const runDir = await mkdtemp(join(tmpdir(), 'cnnstudio-vanish-run-'));
  const engine = new Engine({ backend: 'cpu' });
  const events: EngineEvent[] = [];
  let deleted: string[] = [];
  engine.onEvent((event) => {
    events.push(event);
    if (event.type === 'progress' && event.stage === 'loading-data' && event.done === 0) {
      deleted = pick(dataDir);
      for (const path of deleted) rmSync(path, { recursive: true });
    }
  });
  try {
    await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 8, training: { epochs: 1 } }), options: { dataPath: dataDir, runDir } });
    await engine.idle();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await rm(runDir, { recursive: true, force: true });
  }
  return { events, deleted };
}

const filesOf = (dir: string, cls: string) => readdirSync(join(dir, cls)).sort().map((name) => join(dir, cls, name));

test('two of 90 images deleted while the run loads: it trains on the rest and warns', async () => {
  const { events, deleted } = await runWhileDeleting((dir) => filesOf(dir, PATTERN_CLASSES[0]).slice(0, 2));
  const warning = events.find((e) => e.type === 'warning');
  assert.ok(warning && warning.type === 'warning', JSON.stringify(events.filter((e) => e.type !== 'batch' && e.type !== 'progress')));
  assert.equal(warning.code, 'data-vanished');
  assert.match(warning.message, /^2 images disappeared from ".*" after the scan and are left out of this run/);
  assert.ok(deleted.some((path) => warning.message.includes(path)));
  const finished = events.find((e) => e.type === 'finished');
  assert.ok(finished && finished.type === 'finished' && finished.status === 'completed');
});

test('a whole class folder deleted while the run loads (a third of the data): the run stops with a clear error', async () => {
  const { events } = await runWhileDeleting((dir) => [join(dir, PATTERN_CLASSES[2])]);
  assert.equal(events.some((e) => e.type === 'finished'), false, 'the run did not complete');
  const error = events.find((e) => e.type === 'error');
  assert.ok(error && error.type === 'error');
  assert.equal(error.code, 'data-vanished');
  assert.match(error.message, /^30 of the 90 images listed in ".*" disappeared while the run loaded them \(more than 5 % of the data; e\.g\. ".*vertical/);
  assert.match(error.hint, /Leave the dataset in place/);
});
