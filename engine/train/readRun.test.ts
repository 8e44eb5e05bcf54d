/**
 * run.read on real run folders: a tiny model trained for two epochs through
 * the Engine is read back epoch by epoch; a log with a torn line is read with
 * the line counted; a folder that is gone is an error naming it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Engine } from '../engine.js';
import type { EngineEvent, EpochEvent, FinishedEvent, RunErrorEvent } from '../protocol.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { isStudioError } from '../errors.js';
import { METRICS_LOG } from './runLog.js';

let dataDir: string;
let runsDir: string;
let runDir: string;
let epochEvents: EpochEvent[];
let end: FinishedEvent | RunErrorEvent;
const engine = new Engine({ backend: 'auto' });

before(async () => {
  dataDir = await writePatternFolder({ perClass: 12, size: 8, seed: 3 });
  runsDir = await mkdtemp(join(tmpdir(), 'cnnstudio-readrun-'));
  runDir = join(runsDir, 'run-a');
  const events: EngineEvent[] = [];
  const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) =>
    engine.onEvent((e) => {
      events.push(e);
      if (e.type === 'finished' || e.type === 'error') resolve(e);
    }),
  );
  await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 8, data: { validationSplit: 0.25 }, training: { epochs: 2 } }), options: { dataPath: dataDir, runDir } });
  end = await ended;
  await engine.idle();
  epochEvents = events.filter((e): e is EpochEvent => e.type === 'epoch');
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(runsDir, { recursive: true, force: true });
});

test('run.read gives back the epochs, start and end a real two-epoch run logged', async () => {
  assert.equal(end.type, 'finished', JSON.stringify(end));
  const read = await engine.execute({ type: 'run.read', runDir });
  assert.equal(read.runId, end.runId);
  assert.equal(read.status, 'completed');
  assert.equal(read.skippedLines, 0);
  assert.equal(read.started?.type, 'run-started');
  assert.equal(read.started?.epochs, 2);
  assert.deepEqual(
    read.epochs.map((e) => [e.epoch, e.loss, e.accuracy, e.valLoss, e.valAccuracy]),
    epochEvents.map((e) => [e.epoch, e.loss, e.accuracy, e.valLoss, e.valAccuracy]),
  );
  assert.equal(read.epochs.length, 2);
  assert.equal(read.end?.type, 'finished');
  assert.deepEqual((read.end as FinishedEvent).metrics, (end as FinishedEvent).metrics);
});

test('a torn or foreign line is skipped and counted; the rest still reads', async () => {
  const copy = join(runsDir, 'run-broken');
  await mkdir(copy, { recursive: true });
  const lines = (await readFile(join(runDir, METRICS_LOG), 'utf8')).trim().split('\n');
  // Cut the first epoch line in half (as a crash mid-append would) and add a line that is JSON but no event.
  const firstEpoch = lines.findIndex((l) => l.includes('"type":"epoch"'));
  lines[firstEpoch] = lines[firstEpoch]!.slice(0, 40);
  await writeFile(join(copy, METRICS_LOG), lines.join('\n') + '\n');
  await appendFile(join(copy, METRICS_LOG), '[1,2,3]\n{"type":"epoch","epoch":"three"}\n');
  const read = await engine.execute({ type: 'run.read', runDir: copy });
  assert.equal(read.skippedLines, 3);
  assert.deepEqual(read.epochs.map((e) => e.epoch), [2]);
  assert.equal(read.status, 'completed');
});

test('a log that stops before the end reads as running', async () => {
  const copy = join(runsDir, 'run-cut');
  await mkdir(copy, { recursive: true });
  const lines = (await readFile(join(runDir, METRICS_LOG), 'utf8')).trim().split('\n');
  await writeFile(join(copy, METRICS_LOG), lines.filter((l) => !l.includes('"type":"finished"')).join('\n'));
  const read = await engine.execute({ type: 'run.read', runDir: copy });
  assert.equal(read.status, 'running');
  assert.equal(read.end, null);
  assert.equal(read.epochs.length, 2);
});

test('a run folder that is gone is an error naming it', async () => {
  const gone = join(runsDir, 'moved-away');
  await assert.rejects(engine.execute({ type: 'run.read', runDir: gone }), (e: unknown) => {
    assert.ok(isStudioError(e));
    assert.match(e.message, /moved-away/);
    assert.match(e.message, /moved or deleted/);
    assert.equal(e.code, 'run-unreadable');
    return true;
  });
});
