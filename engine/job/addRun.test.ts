/**
 * run.record, the one rule behind the window's "Add a run folder…" and the
 * CLI's `runs add`, on a real run folder: a tiny model trained one epoch
 * through the Engine gets the record its own end event gives, with the folder
 * relative to the project file; the same folder twice, a folder that is not a
 * run folder and a run that has not ended are refused naming the folder.
 * Copies of that folder without their started line take the start time from
 * run.json (or the time they are added); runs add names a project file it
 * cannot read.
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

/** A copy of the trained run's folder with `edit` applied to its metrics.jsonl lines (and run.json, when given). */
async function copiedRun(name: string, edit: (lines: string[]) => string[], runJson?: string): Promise<string> {
  const copy = join(work, name);
  await mkdir(copy, { recursive: true });
  const lines = (await readFile(join(runDir, METRICS_LOG), 'utf8')).split('\n').filter(Boolean);
  await writeFile(join(copy, METRICS_LOG), edit(lines).join('\n') + '\n');
  if (runJson !== undefined) await writeFile(join(copy, 'run.json'), runJson);
  return copy;
}

const withoutStarted = (lines: string[]) => lines.filter((l) => (JSON.parse(l) as { type: string }).type !== 'run-started');

test('a run log without its started line takes the start time from run.json, else the time it is added', async () => {
  const fromRunJson = await copiedRun('no-started', withoutStarted, JSON.stringify({ startedAt: '2026-01-02T03:04:05.000Z' }));
  const record = await engine.execute({ type: 'run.record', project, runDir: fromRunJson });
  assert.equal(record.startedAt, '2026-01-02T03:04:05.000Z');
  for (const [name, runJson] of [
    ['no-run-json', undefined],
    ['run-json-damaged', '{"startedAt": '],
    ['run-json-without-time', JSON.stringify({ startedAt: 12 })],
  ] as const) {
    const before = Date.now();
    const folder = await copiedRun(name, withoutStarted, runJson);
    const at = Date.parse((await engine.execute({ type: 'run.record', project, runDir: folder })).startedAt);
    assert.ok(at >= before && at <= Date.now(), `${name}: started at the time it was added`);
  }
});

test('a run already recorded in an unsaved project is named as in "this project"', async () => {
  const record = await engine.execute({ type: 'run.record', project, runDir });
  const again = await refusal(engine.execute({ type: 'run.record', project: { ...project, runs: [{ ...record, id: 'another-id' }] }, runDir }));
  assert.equal(again.code, 'run-already-recorded');
  assert.match(again.message, new RegExp(`Run ${record.id} \\(${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) is already in the history of this project\\.`));
});

test('runs add: a project file that cannot be read is named; one without a runs list gets one', async () => {
  const missing = join(work, 'missing.cnnstudio.json');
  const unreadable = await refusal(addRunToProject(missing, runDir));
  assert.equal(unreadable.code, 'project-unreadable');
  assert.match(unreadable.message, new RegExp(`Cannot read the project file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`));
  const bare = join(work, 'bare.cnnstudio.json');
  const { runs: _, ...withoutRuns } = project;
  await writeFile(bare, JSON.stringify(withoutRuns));
  const record = await addRunToProject(bare, runDir);
  assert.deepEqual((JSON.parse(await readFile(bare, 'utf8')) as typeof project).runs, [record]);
});
