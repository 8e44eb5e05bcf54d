/**
 * A run that ends joins the project it was started for without any panel:
 * the window's run store (renderer/src/lib/panels/runs.svelte.ts) hands every
 * engine event to a RunRecorder (lib/panels/runRecorder.ts), and the recorded
 * run goes to whoever keeps the project (the project session). So a run that
 * finishes while the Train panel is not mounted is still recorded.
 * A real engine (a tiny CNN trained one epoch on the cpu backend) drives the
 * recorder, and then the run store itself, compiled by Svelte as the window
 * runs it, with no component mounted at all.
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
import { importSvelteModule } from './support/svelteModule.js';

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

test('the run store records a run that finishes with no panel mounted: the project session gets its record', async () => {
  // The store's surface used here (its module is type-checked with the window's own settings, by svelte-check).
  interface RunStore {
    runs: { stage: string }[];
    track(client: { onEvent(listener: (event: EngineEvent) => void): () => void }): void;
    recordRunsWith(sink: (recorded: RecordedRun) => void): void;
    begin(runId: string, runDir: string, what: string, owner: { projectPath: string; projectSession: number }): unknown;
  }
  const { runStore } = await importSvelteModule<{ runStore: RunStore }>('renderer/src/lib/panels/runs.svelte.ts');
  const [dataDir, work] = await Promise.all([writePatternFolder({ perClass: 8, size: 8, seed: 4 }), mkdtemp(join(tmpdir(), 'cnnstudio-runstore-'))]);
  cleanup.push(dataDir, work);
  const projectPath = join(work, 'tiny.cnnstudio.json');
  const recorded: RecordedRun[] = [];
  // What App.svelte does at start-up, and nothing else of the window: no Train panel exists here.
  runStore.track({ onEvent: (listener) => engine.onEvent(listener) });
  runStore.recordRunsWith((run) => recorded.push(run));
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const stop = engine.onEvent((event) => event.type === 'finished' && ended());
  const project = tinyCnnProject({ size: 8, data: { path: dataDir, validationSplit: 0.25 }, training: { epochs: 1 } });
  const started = await engine.execute({ type: 'train.start', project, projectPath, options: { runDir: join(work, 'runs', 'unmounted') } });
  runStore.begin(started.runId, started.runDir, 'tiny', { projectPath, projectSession: 1 });
  await done;
  await engine.idle();
  stop();
  assert.equal(runStore.runs[0]?.stage, 'finished', 'the store followed the run to its end');
  assert.equal(recorded.length, 1, 'its record was handed on once');
  assert.equal(recorded[0]!.projectPath, projectPath);
  assert.equal(recorded[0]!.record.id, started.runId);
  assert.equal(recorded[0]!.record.folder, 'runs/unmounted');
  assert.equal(recorded[0]!.record.status, 'finished');
});
