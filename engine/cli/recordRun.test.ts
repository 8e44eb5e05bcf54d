// After `convnet-studio train`, the run joins the project file read at that
// moment (cli/recordRun.ts): real project files on disk, changed or broken
// while the run trained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FinishedEvent, RunErrorEvent } from '../protocol.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { createProject } from '../graph/templates.js';
import { recordRunInProject } from './recordRun.js';

const STARTED = '2026-12-02T05:00:00.000Z';

function finished(runDir: string): FinishedEvent {
  return {
    type: 'finished', runId: 'run-7', runDir, status: 'early-stopped', epochs: 9, bestEpoch: 6,
    metrics: { loss: 0.25, accuracy: 0.9, valLoss: null, valAccuracy: Number.NaN }, modelPath: join(runDir, 'model'),
  };
}

async function withProject(work: (dir: string, path: string) => Promise<void>) {
  const { dir, remove } = await makeTempDir('record-run-');
  try {
    await work(dir, join(dir, 'p.cnnstudio.json'));
  } finally {
    await remove();
  }
}

test('the run is appended to the file as it is now on disk, an edit made during the run kept', () =>
  withProject(async (dir, path) => {
    const project = createProject('lenet5', 'Recorded');
    await writeFile(path, JSON.stringify({ ...project, runs: [{ id: 'earlier', folder: 'runs/earlier', startedAt: STARTED, status: 'finished', bestEpoch: 1, metrics: {} }] }));
    // Edited while the run trained: the edit must survive the record.
    const edited = JSON.parse(await readFile(path, 'utf8'));
    edited.name = 'Renamed while training';
    await writeFile(path, JSON.stringify(edited));

    assert.equal(await recordRunInProject(path, finished(join(dir, 'runs', 'run-7')), join(dir, 'runs', 'run-7'), STARTED), null);
    const after = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(after.name, 'Renamed while training');
    assert.deepEqual(after.graph, project.graph);
    assert.deepEqual(after.runs.map((r: { id: string }) => r.id), ['earlier', 'run-7']);
    // Only finite metrics are recorded, and the folder is relative to the project file.
    assert.deepEqual(after.runs[1], { id: 'run-7', folder: 'runs/run-7', startedAt: STARTED, status: 'finished', bestEpoch: 6, metrics: { loss: 0.25, accuracy: 0.9 } });
  }));

test('a failed run is recorded as failed, and a project without runs gets its first', () =>
  withProject(async (dir, path) => {
    const { runs: _none, ...withoutRuns } = createProject('lenet5', 'First') as unknown as Record<string, unknown>;
    await writeFile(path, JSON.stringify(withoutRuns));
    const failed: RunErrorEvent = { type: 'error', runId: 'run-8', message: 'out of memory', hint: 'smaller batches' } as RunErrorEvent;
    assert.equal(await recordRunInProject(path, failed, join(dir, 'runs', 'run-8'), STARTED), null);
    const after = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(after.runs, [{ id: 'run-8', folder: 'runs/run-8', startedAt: STARTED, status: 'failed', bestEpoch: null, metrics: {} }]);
  }));

test('a project file that went away, stopped being JSON or stopped being a project: a warning naming it, the file untouched', () =>
  withProject(async (dir, path) => {
    const runDir = join(dir, 'runs', 'run-7');
    await rm(path, { force: true });
    assert.equal(await recordRunInProject(path, finished(runDir), runDir, STARTED), `warning: run run-7 was not recorded in ${path}: it no longer exists`);

    await writeFile(path, '{"name": "half-saved"');
    const notJson = await recordRunInProject(path, finished(runDir), runDir, STARTED);
    assert.match(notJson ?? '', new RegExp(`^warning: run run-7 was not recorded in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is not valid JSON any more \\(.+\\)$`));
    assert.equal(await readFile(path, 'utf8'), '{"name": "half-saved"');

    const notProject = JSON.stringify({ hello: 'world', runs: [] });
    await writeFile(path, notProject);
    const refused = await recordRunInProject(path, finished(runDir), runDir, STARTED);
    assert.ok(refused?.startsWith(`warning: run run-7 was not recorded in ${path}: `), refused ?? 'no warning');
    assert.doesNotMatch(refused!, /no longer exists|not valid JSON/);
    assert.equal(await readFile(path, 'utf8'), notProject);
  }));
