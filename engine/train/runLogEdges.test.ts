/**
 * The edges of reading a run back and recording it: metrics-log lines that
 * are JSON but not events, epochs without a loss, unknown event types, events
 * that are read past; a log without its run-started line; a run folder that
 * is a file, and a metrics log that is a folder; run records whose end has no
 * run id, folders that are the project's own, relative project paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isStudioError } from '../errors.js';
import type { FinishedEvent, RunErrorEvent } from '../protocol.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { parseRunLog, readRun } from './readRun.js';
import { METRICS_LOG } from './runLog.js';
import { relativeFolder, resolveRunFolder, runRecordFrom } from './runRecord.js';

const line = (event: unknown) => JSON.stringify(event);

test('lines that are JSON but not events, epochs without a loss and unknown types are counted as skipped; checkpoints and pauses are read past', () => {
  const text = [
    line({ type: 'run-started', runId: 'r-7' }),
    '42',
    'null',
    line({ type: 7 }),
    line({ type: 'epoch', epoch: 1 }),
    line({ type: 'epoch', epoch: 1, loss: 0.9 }),
    line({ type: 'checkpoint', epoch: 1 }),
    line({ type: 'paused' }),
    line({ type: 'resumed' }),
    line({ type: 'fine-tuning', epoch: 2 }),
    line({ type: 'telemetry', value: 1 }),
    '',
  ].join('\n');
  const run = parseRunLog(text, 'folder-name');
  assert.equal(run.skippedLines, 5);
  assert.deepEqual(run.epochs.map((e) => e.loss), [0.9]);
  assert.deepEqual([run.runId, run.status, run.end], ['r-7', 'running', null]);
});

test('the run id comes from run-started, else the end, else the folder; an error ends as failed, a finish with its status', () => {
  const error = line({ type: 'error', runId: 'r-end', message: 'NaN', hint: '', code: 'nan-loss' });
  assert.deepEqual([parseRunLog(error, 'f').runId, parseRunLog(error, 'f').status], ['r-end', 'failed']);
  const finished = line({ type: 'finished', status: 'early-stopped' });
  assert.deepEqual([parseRunLog(finished, 'folder').runId, parseRunLog(finished, 'folder').status], ['folder', 'early-stopped']);
  assert.deepEqual([parseRunLog('', 'empty').runId, parseRunLog('', 'empty').status], ['empty', 'running']);
});

test('a run folder that is a file is "moved or deleted"; a metrics log that cannot be read names the file and the cause', async (t) => {
  const { dir, remove } = await makeTempDir('readrun-edges');
  t.after(remove);
  const file = join(dir, 'not-a-folder');
  await writeFile(file, 'x');
  await assert.rejects(readRun(file), (e: unknown) => {
    assert.ok(isStudioError(e));
    assert.equal(e.message, `Run folder ${file} has no ${METRICS_LOG}; the run folder may have been moved or deleted.`);
    assert.equal(e.hint, 'Put the run folder back where the project records it, or remove the run from the project file.');
    return true;
  });
  const run = join(dir, 'run');
  await mkdir(join(run, METRICS_LOG), { recursive: true });
  await assert.rejects(readRun(run), (e: unknown) => {
    assert.ok(isStudioError(e));
    assert.equal(e.message, `Cannot read ${join(run, METRICS_LOG)} (EISDIR).`);
    assert.equal(e.hint, 'Check the file permissions.');
    assert.equal(e.code, 'run-unreadable');
    return true;
  });
});

test('run records: an end without a run id takes the folder\'s name; the project\'s own folder is "."; relative paths', () => {
  const end = { type: 'finished', status: 'completed', epochs: 1, bestEpoch: 1, metrics: { loss: 0.4, accuracy: NaN }, runDir: '/p/runs/run-9' } as unknown as FinishedEvent;
  const record = runRecordFrom(end, '/p/runs/run-9/', '/p/x.cnnstudio.json', 't');
  assert.deepEqual([record.id, record.folder, record.metrics], ['run-9', 'runs/run-9', { loss: 0.4 }]);
  const failed = { type: 'error', message: 'm', hint: '', code: 'c' } as RunErrorEvent;
  assert.equal(runRecordFrom(failed, 'C:\\runs\\run-3', undefined, 't').id, 'run-3');

  assert.equal(relativeFolder('/p', '/p/x.cnnstudio.json'), '.', 'runs written beside the project file');
  assert.equal(relativeFolder('runs/r1', '/p/x.cnnstudio.json'), 'runs/r1', 'a relative folder is kept as it is');
  assert.equal(relativeFolder('/p/runs/r1', 'x.cnnstudio.json'), '/p/runs/r1', 'so is one against a relative project path');
  assert.equal(relativeFolder('\\work\\runs\\r1', '\\work\\p.json'), 'runs/r1', 'paths that start with a backslash share the root');
  assert.equal(resolveRunFolder('runs/r1', 'x.cnnstudio.json'), 'runs/r1', 'a project file in the working folder');
  assert.equal(resolveRunFolder('../r1', 'sub/x.cnnstudio.json'), 'r1');
  assert.equal(resolveRunFolder('../../r1', 'x.json'), '../../r1', 'a relative path may climb above where it starts');
});
