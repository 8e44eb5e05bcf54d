/**
 * run.record, the one rule behind the window's "Add a run folder…" and the
 * CLI's `runs add`, on a real run folder: a tiny model trained one epoch
 * through the Engine gets the record its own end event gives, with the folder
 * relative to the project file; the same folder twice, a folder that is not a
 * run folder and a run that has not ended are refused naming the folder.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Engine } from '../engine.js';
import type { FinishedEvent, RunErrorEvent } from '../protocol.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { METRICS_LOG } from '../train/runLog.js';
import { isStudioError } from '../errors.js';
import { addRunToProject } from './addRun.js';

let dataDir: string;
let work: string;
let runDir: string;
let end: FinishedEvent | RunErrorEvent;
const engine = new Engine({ backend: 'cpu' });
const project = tinyCnnProject({ size: 8, data: { validationSplit: 0.25 }, training: { epochs: 1 } });

before(async () => {
  dataDir = await writePatternFolder({ perClass: 8, size: 8, seed: 5 });
  work = await mkdtemp(join(tmpdir(), 'cnnstudio-addrun-'));
  runDir = join(work, 'runs', 'elsewhere');
  const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) =>
    engine.onEvent((e) => {
      if (e.type === 'finished' || e.type === 'error') resolve(e);
    }),
  );
  await engine.execute({ type: 'train.start', project, options: { dataPath: dataDir, runDir } });
  end = await ended;
  await engine.idle();
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const refusal = async (promise: Promise<unknown>): Promise<{ code: string; message: string }> => {
  try {
    await promise;
  } catch (e) {
    assert.ok(isStudioError(e), String(e));
    return { code: e.code, message: e.message };
  }
  assert.fail('expected a refusal');
};

test('run.record gives the record of a finished run folder, relative to the project file, once', async () => {
  assert.equal(end.type, 'finished', JSON.stringify(end));
  if (end.type !== 'finished') return;
  const projectPath = join(work, 'p.cnnstudio.json');
  const record = await engine.execute({ type: 'run.record', project, projectPath, runDir });
  assert.equal(record.id, end.runId);
  assert.equal(record.folder, 'runs/elsewhere');
  assert.equal(record.status, 'finished');
  assert.equal(record.bestEpoch, end.bestEpoch);
  assert.equal(record.metrics.loss, end.metrics.loss);
  assert.equal(record.metrics.valAccuracy, end.metrics.valAccuracy);
  // An unsaved project keeps the absolute folder.
  assert.equal((await engine.execute({ type: 'run.record', project, runDir })).folder, runDir);

  const again = await refusal(engine.execute({ type: 'run.record', project: { ...project, runs: [record] }, projectPath, runDir }));
  assert.equal(again.code, 'run-already-recorded');
});

test('the CLI rule is the same: runs add appends that record to the file', async () => {
  const projectPath = join(work, 'cli.cnnstudio.json');
  await writeFile(projectPath, JSON.stringify(project));
  const record = await addRunToProject(projectPath, runDir);
  const saved = JSON.parse(await readFile(projectPath, 'utf8')) as typeof project;
  assert.deepEqual(saved.runs, [record]);
  assert.equal((await refusal(addRunToProject(projectPath, runDir))).code, 'run-already-recorded');
});

test('a folder that is not a run folder, or a run not ended, is refused naming the folder', async () => {
  const plain = join(work, 'photos');
  await mkdir(plain, { recursive: true });
  const notRun = await refusal(engine.execute({ type: 'run.record', project, runDir: plain }));
  assert.equal(notRun.code, 'not-a-run-folder');
  assert.match(notRun.message, new RegExp(`${plain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a run folder: it has no ${METRICS_LOG}`));

  const running = join(work, 'running');
  await mkdir(running);
  const firstLine = (await readFile(join(runDir, METRICS_LOG), 'utf8')).split('\n')[0]!;
  await writeFile(join(running, METRICS_LOG), `${firstLine}\n`);
  const unfinished = await refusal(engine.execute({ type: 'run.record', project, runDir: running }));
  assert.equal(unfinished.code, 'run-not-ended');
  assert.match(unfinished.message, /running has not ended yet/);
});
