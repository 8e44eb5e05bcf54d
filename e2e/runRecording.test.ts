/**
 * A run that ends joins the project it was started for without any panel:
 * the window's run store (renderer/src/lib/panels/runs.svelte.ts) hands every
 * engine event to a RunRecorder (lib/panels/runRecorder.ts), which is plain
 * TypeScript, and the recorded run goes to the project session. So a run
 * that finishes while the Train panel is not mounted is still recorded. This
 * drives the recorder with a real engine's events (a tiny CNN trained one
 * epoch on the cpu backend), the way the run store feeds it: events that
 * come before train.start's answer are replayed once the run is known.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine/engine.js';
import type { EngineEvent } from '../engine/protocol.js';
import { writePatternFolder } from '../engine/testing/imageFolderFixture.js';
import { tinyCnnProject } from '../engine/testing/tinyCnnProject.js';
import { RunRecorder, type RecordedRun } from '../renderer/src/lib/panels/runRecorder.js';

const engine = new Engine({ backend: 'cpu' });
const cleanup: string[] = [];
after(async () => {
  await engine.idle();
  await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Starts a run as the window does and folds every event into a recorder; resolves with what it recorded once the run ends. */
async function runThroughRecorder(project: ReturnType<typeof tinyCnnProject>, projectPath: string, runDir: string): Promise<{ recorded: RecordedRun[]; runId: string; ends: number }> {
  const recorder = new RunRecorder();
  const recorded: RecordedRun[] = [];
  const seen: EngineEvent[] = [];
  let known = false;
  let ends = 0;
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const fold = (event: EngineEvent) => {
    const record = recorder.fold(event);
    if (record) recorded.push(record);
  };
  const stop = engine.onEvent((event) => {
    if (known) fold(event);
    else seen.push(event);
    if (event.type === 'finished' || (event.type === 'error' && event.runId !== null)) {
      ends++;
      ended();
    }
  });
  const started = await engine.execute({ type: 'train.start', project, projectPath, options: { runDir } });
  recorder.begin(started.runId, started.runDir, projectPath);
  known = true;
  seen.forEach(fold);
  await done;
  await engine.idle();
  stop();
  // The same end folded again (a replay) records nothing more.
  assert.equal(recorder.fold({ type: 'finished', runId: started.runId } as EngineEvent), null);
  return { recorded, runId: started.runId, ends };
}

test('a run that trained is recorded once, for the project file it was started for, with its folder relative to it', async () => {
  const [dataDir, work] = await Promise.all([writePatternFolder({ perClass: 8, size: 8, seed: 3 }), mkdtemp(join(tmpdir(), 'cnnstudio-recorder-'))]);
  cleanup.push(dataDir, work);
  const projectPath = join(work, 'tiny.cnnstudio.json');
  const project = tinyCnnProject({ size: 8, data: { path: dataDir, validationSplit: 0.25 }, training: { epochs: 1 } });
  const { recorded, runId } = await runThroughRecorder(project, projectPath, join(work, 'runs', 'first'));
  assert.equal(recorded.length, 1, 'one record');
  const [{ record, projectPath: owner }] = recorded as [RecordedRun];
  assert.equal(owner, projectPath, 'it belongs to the file the run was started for');
  assert.equal(record.id, runId);
  assert.equal(record.status, 'finished');
  assert.equal(record.folder, 'runs/first', 'stored relative to the project file');
  assert.ok(Number.isFinite(record.metrics.loss) && Number.isFinite(record.metrics.valAccuracy), `metrics recorded: ${JSON.stringify(record.metrics)}`);
  assert.ok(!Number.isNaN(Date.parse(record.startedAt)), 'when it started');
});

test('a run refused before it trained (its image folder is missing) ends without a record', async () => {
  const work = await mkdtemp(join(tmpdir(), 'cnnstudio-recorder-'));
  cleanup.push(work);
  const project = tinyCnnProject({ size: 8, data: { path: join(work, 'no-such-images') }, training: { epochs: 1 } });
  const { recorded, ends } = await runThroughRecorder(project, join(work, 'p.cnnstudio.json'), join(work, 'runs', 'refused'));
  assert.equal(ends, 1, 'the run ended (with an error event)');
  assert.deepEqual(recorded, []);
});

test('ends of runs this window did not start for a project are not recorded', () => {
  const recorder = new RunRecorder();
  assert.equal(recorder.fold({ type: 'error', runId: 'other', code: 'x', message: 'm', hint: 'h' } as EngineEvent), null);
  assert.equal(recorder.fold({ type: 'error', runId: null, code: 'engine-crashed', message: 'm', hint: 'h' } as EngineEvent), null);
});
