/**
 * Run control at its edges, through the Engine as the window and the CLI use
 * it: pause, resume and stop of a run that does not exist or is still loading
 * its data, a second train.start while one runs, and a run whose training
 * images all fail to decode.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, writeTree } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { isStudioError } from '../errors.js';
import type { EngineEvent } from '../protocol.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';

let data: string;
let temp: { dir: string; remove: () => Promise<void> };

before(async () => {
  data = await writePatternFolder({ perClass: 6, size: 12, seed: 8 });
  temp = await makeTempDir('run-control-');
});

after(async () => {
  await rm(data, { recursive: true, force: true });
  await temp.remove();
});

function refusedWith(code: string, message: RegExp, hint: RegExp) {
  return (e: unknown) => {
    assert.ok(isStudioError(e), String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    assert.match(e.hint, hint);
    return true;
  };
}

test('pause, resume and stop of a run that does not exist are refused, naming the run', async () => {
  const engine = new Engine({ backend: 'cpu' });
  for (const type of ['train.pause', 'train.resume', 'train.stop'] as const) {
    await assert.rejects(engine.execute({ type, runId: 'run-nope' }), refusedWith('unknown-run', /^No training run run-nope is in progress\.$/, /finished runs cannot be paused or stopped/));
  }
});

test('while a run loads its data: pause and stop say to wait, a second train.start is refused; once it ends, its id is unknown', async () => {
  const engine = new Engine({ backend: 'cpu' });
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  const project = tinyCnnProject({ size: 12, training: { epochs: 1 } });
  const { runId } = await engine.execute({ type: 'train.start', project, options: { dataPath: data, runDir: join(temp.dir, 'first') } });
  assert.equal(events.some((e) => e.type === 'run-started'), false, 'still loading');
  for (const type of ['train.pause', 'train.stop'] as const) {
    await assert.rejects(
      engine.execute({ type, runId }),
      refusedWith('run-not-started', new RegExp(`^Run ${runId} is still loading its data; it can be paused or stopped once training starts\\.$`), /Wait for the run-started event/),
    );
  }
  await assert.rejects(
    engine.execute({ type: 'train.start', project, options: { dataPath: data, runDir: join(temp.dir, 'second') } }),
    refusedWith('run-in-progress', new RegExp(`^A training run \\(${runId}\\) is already in progress\\.$`), /Stop it, or wait for it to finish/),
  );
  await engine.idle();
  const end = events.find((e) => e.type === 'finished');
  assert.ok(end?.type === 'finished' && end.status === 'completed' && end.runId === runId, 'the first run was not disturbed');
  await assert.rejects(engine.execute({ type: 'train.stop', runId }), refusedWith('unknown-run', /is in progress/, /Start a run first/));
  // And the engine takes a new run now.
  const next = await engine.execute({ type: 'train.start', project, options: { dataPath: data, runDir: join(temp.dir, 'third') } });
  assert.notEqual(next.runId, runId);
  await engine.idle();
});

test('a folder where no training image decodes: the run ends with an error naming a file and why, not an empty training', async () => {
  const dir = join(temp.dir, 'undecodable');
  await writeTree(dir, {
    'a/1.png': 'not a png',
    'a/2.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    'b/1.jpg': 'not a jpeg either',
    'c/1.webp': 'RIFF....WEBP',
  });
  const engine = new Engine({ backend: 'cpu' });
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  const { runId } = await engine.execute({
    type: 'train.start',
    project: tinyCnnProject({ size: 12, data: { validationSplit: 0 }, training: { epochs: 1 } }),
    options: { dataPath: dir, runDir: join(temp.dir, 'undecodable-run') },
  });
  await engine.idle();
  assert.deepEqual(events.map((e) => e.type).filter((t) => t !== 'progress'), ['error'], 'loading progress, then the error');
  const error = events.at(-1)!;
  assert.ok(error.type === 'error');
  assert.equal(error.runId, runId);
  assert.equal(error.code, 'data-no-images');
  assert.match(error.message, new RegExp(`^None of the training images of "${dir.replace(/[/.]/g, '\\$&')}" could be decoded \\(4 failed, e\\.g\\. ".*\\.(png|jpg|webp)": .+\\)\\.$`));
  assert.match(error.hint, /PNG, JPEG, WebP/);
});
