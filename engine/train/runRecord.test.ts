/** The run history entry built from a run's end event, and its folder relative to the project file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FinishedEvent, RunErrorEvent } from '../protocol.js';
import { relativeFolder, resolveRunFolder, runRecordFrom } from './runRecord.js';

const finished = (status: FinishedEvent['status'], valLoss: number | null): FinishedEvent => ({
  type: 'finished',
  runId: 'run-1',
  runDir: '/p/runs/run-1',
  status,
  epochs: 3,
  bestEpoch: 2,
  metrics: { loss: 0.5, accuracy: 0.8, valLoss, valAccuracy: valLoss === null ? null : 0.75 },
  modelPath: '/p/runs/run-1/model',
});

test('completed and early-stopped runs are finished, stopped stays stopped; only numeric metrics are kept', () => {
  const record = runRecordFrom(finished('completed', 0.6), '/p/runs/run-1', '/p/my.cnnstudio.json', '2026-01-01T00:00:00.000Z');
  assert.deepEqual(record, {
    id: 'run-1',
    folder: 'runs/run-1',
    startedAt: '2026-01-01T00:00:00.000Z',
    status: 'finished',
    bestEpoch: 2,
    metrics: { loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.75 },
  });
  assert.equal(runRecordFrom(finished('early-stopped', 0.6), '/p/runs/run-1', undefined, 't').status, 'finished');
  const stopped = runRecordFrom(finished('stopped', null), '/p/runs/run-1', undefined, 't');
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.folder, '/p/runs/run-1', 'without a project file the folder stays absolute');
  assert.deepEqual(stopped.metrics, { loss: 0.5, accuracy: 0.8 });
});

test('a failed run is recorded with no metrics', () => {
  const error: RunErrorEvent = { type: 'error', runId: 'run-2', message: 'NaN', hint: 'h', code: 'nan-loss' };
  const record = runRecordFrom(error, '/p/runs/run-2', '/p/a.cnnstudio.json', 't');
  assert.deepEqual([record.id, record.status, record.bestEpoch, record.metrics, record.folder], ['run-2', 'failed', null, {}, 'runs/run-2']);
});

test('folders relative to the project file, and back', () => {
  assert.equal(relativeFolder('/home/a/runs/r1', '/home/a/p.cnnstudio.json'), 'runs/r1');
  assert.equal(relativeFolder('/home/b/r1', '/home/a/p.cnnstudio.json'), '../b/r1');
  assert.equal(relativeFolder('C:\\work\\runs\\r1', 'C:\\work\\p.json'), 'runs/r1');
  assert.equal(relativeFolder('D:\\runs\\r1', 'C:\\work\\p.json'), 'D:\\runs\\r1', 'another drive stays absolute');
  assert.equal(resolveRunFolder('runs/r1', '/home/a/p.cnnstudio.json'), '/home/a/runs/r1');
  assert.equal(resolveRunFolder('../b/r1', '/home/a/p.cnnstudio.json'), '/home/b/r1');
  assert.equal(resolveRunFolder('runs/r1', 'C:\\work\\p.json'), 'C:\\work\\runs\\r1');
  assert.equal(resolveRunFolder('/abs/r1', '/home/a/p.json'), '/abs/r1');
  assert.equal(resolveRunFolder('runs/r1', undefined), 'runs/r1');
});
