/**
 * The Engine's commands that no other test sends through `execute` (the
 * window, the CLI and the hosts all go through it): freezing by `upTo` or by
 * node ids, `engine.restart` in-process, an unknown command, `bases.fetch`
 * of a base that does not exist, `job.write`, and pause/stop of a run that
 * does not exist or is still loading its data. Real engine, real files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { StudioError } from './errors.js';
import type { Command } from './protocol.js';
import { makeTempDir } from './testing/imageFiles.js';
import { writePatternFolder } from './testing/imageFolderFixture.js';
import { tinyCnnProject } from './testing/tinyCnnProject.js';

const frozenIds = (graph: { nodes: Array<{ id: string; frozen?: boolean }> }) => graph.nodes.filter((n) => n.frozen).map((n) => n.id);

test('graph.freeze: "up to" a node freezes it and what feeds it; by ids freezes or thaws exactly those', async () => {
  const engine = new Engine({ backend: 'cpu' });
  const { graph } = tinyCnnProject({ size: 12, pool: true });
  const upToPool = await engine.execute({ type: 'graph.freeze', graph, upTo: 'pool' });
  assert.deepEqual(frozenIds(upToPool), ['input', 'conv', 'pool']);
  const dense = await engine.execute({ type: 'graph.freeze', graph, nodeIds: ['dense'] });
  assert.deepEqual(frozenIds(dense), ['dense'], 'frozen: true when the command does not say');
  const thawed = await engine.execute({ type: 'graph.freeze', graph: upToPool, nodeIds: ['conv'], frozen: false });
  assert.deepEqual(frozenIds(thawed), ['input', 'pool']);
  const none = await engine.execute({ type: 'graph.freeze', graph: upToPool, frozen: false });
  assert.deepEqual(frozenIds(none), ['input', 'conv', 'pool'], 'no ids and no upTo: nothing changes');
});

test('engine.restart in-process answers that nothing was restarted; an unknown command is refused by name', async () => {
  const engine = new Engine({ backend: 'cpu' });
  assert.deepEqual(await engine.execute({ type: 'engine.restart' }), { restarted: false });
  await assert.rejects(
    engine.execute({ type: 'train.begin' } as unknown as Command),
    (e: unknown) => e instanceof StudioError && e.code === 'unknown-command' && e.message === 'Unknown command "train.begin".' && e.hint === 'Use one of the commands in engine/protocol.ts.',
  );
});

test('bases.fetch of a base the studio does not list is refused, naming it', async () => {
  const engine = new Engine({ backend: 'cpu' });
  await assert.rejects(engine.execute({ type: 'bases.fetch', id: 'resnet-9000' }), (e: unknown) => e instanceof StudioError && /resnet-9000/.test(e.message));
});

test('job.write writes the PyTorch job folder of a project, checked against the data the command names', async () => {
  const { dir, remove } = await makeTempDir('engine-job-');
  const data = await writePatternFolder({ perClass: 2, size: 12 });
  const twoClasses = await writePatternFolder({ perClass: 2, size: 12, classes: ['checks', 'vertical'] });
  try {
    const outDir = join(dir, 'job');
    const engine = new Engine({ backend: 'cpu' });
    // The project's own folder is gone; the command's dataPath is the data the job is checked against.
    const project = tinyCnnProject({ size: 12, data: { kind: 'image-folder', path: join(dir, 'moved-away') } });
    await assert.rejects(
      engine.execute({ type: 'job.write', project, outDir, dataPath: twoClasses }),
      (e: unknown) => e instanceof StudioError && e.code === 'invalid-graph' && e.message === 'Node "dense": The model outputs 3 values but the data has 2 classes.',
    );
    assert.equal(existsSync(outDir), false, 'nothing written for a refused job');
    const result = await engine.execute({ type: 'job.write', project, outDir, dataPath: data });
    assert.equal(result.outDir, outDir);
    assert.ok(existsSync(join(outDir, 'train.py')), 'train.py written');
    assert.ok(result.files.includes('train.py'), result.files.join(', '));
  } finally {
    await remove();
    await rm(data, { recursive: true, force: true });
    await rm(twoClasses, { recursive: true, force: true });
  }
});

test('pause and stop of a run that does not exist, or is still loading its data, say which', async () => {
  const engine = new Engine({ backend: 'cpu' });
  await assert.rejects(engine.execute({ type: 'train.pause', runId: 'run-nope' }), (e: unknown) => e instanceof StudioError && e.code === 'unknown-run' && e.message === 'No training run run-nope is in progress.');
  const data = await writePatternFolder({ perClass: 40, size: 12, seed: 2 });
  const { dir, remove } = await makeTempDir('engine-loading-');
  try {
    // Answered before the first event: the run is still reading its images.
    const { runId } = await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 12, training: { epochs: 1 } }), options: { dataPath: data, runDir: join(dir, 'run') } });
    await assert.rejects(
      engine.execute({ type: 'train.stop', runId }),
      (e: unknown) => e instanceof StudioError && e.code === 'run-not-started' && e.message === `Run ${runId} is still loading its data; it can be paused or stopped once training starts.`,
    );
    await engine.idle();
  } finally {
    await remove();
    await rm(data, { recursive: true, force: true });
  }
});
