/**
 * Data-parallel training through the real engine on the wasm backend, on real
 * PNG files: two threads (the engine's and one worker replica) give the same
 * run as one thread up to float rounding, are reproducible, pause, resume and
 * stop as one thread does, keep tensor counts flat in the engine and in the
 * worker, and a replica that dies ends its step with an error naming it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../../engine.js';
import type { EngineEvent, EpochEvent, FinishedEvent, RunErrorEvent, RunStartedEvent, TrainOptions } from '../../protocol.js';
import type { ProjectFile } from '../../project/schema.js';
import { buildModel } from '../../graph/tfjs/build.js';
import { selectBackend } from '../../backend/select.js';
import { writePatternFolder } from '../../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../../testing/tinyCnnProject.js';
import { ReplicaPool } from './replicaPool.js';
import { ENGINE_SHARE_WEIGHT, requestedThreads, splitShares, threadsUsed, THREADS_ENV } from './threads.js';

let dataDir: string;
let runsDir: string;

before(async () => {
  dataDir = await writePatternFolder({ perClass: 20, size: 12, seed: 11 });
  runsDir = await mkdtemp(join(tmpdir(), 'cnnstudio-parallel-'));
  await selectBackend('wasm');
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(runsDir, { recursive: true, force: true });
});

/** 48 training images, batch 16 (a share of 8 per thread), Adam at 0.01, three epochs. */
function project(): ProjectFile {
  return tinyCnnProject({
    size: 12,
    filters: 8,
    pool: true,
    data: { validationSplit: 0.2 },
    training: { epochs: 3, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
  });
}

interface Run {
  events: EngineEvent[];
  end: FinishedEvent | RunErrorEvent;
  runDir: string;
}

async function train(options: TrainOptions, onEvent?: (e: EngineEvent, engine: Engine, runId: string) => void): Promise<Run> {
  const engine = new Engine({ backend: 'wasm' });
  const events: EngineEvent[] = [];
  let runId = '';
  const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) => {
    engine.onEvent((e) => {
      events.push(e);
      onEvent?.(e, engine, runId);
      if (e.type === 'finished' || e.type === 'error') resolve(e);
    });
  });
  const runDir = join(runsDir, `${options.threads}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  runId = (await engine.execute({ type: 'train.start', project: project(), options: { dataPath: dataDir, runDir, ...options } })).runId;
  const end = await ended;
  await engine.idle();
  return { events, end, runDir };
}

const epochs = (run: Run) => run.events.filter((e): e is EpochEvent => e.type === 'epoch');

test('two threads train the same run as one, up to float rounding, and say so in run-started and run.json', async () => {
  const one = await train({ threads: 1 });
  const two = await train({ threads: 2 });
  for (const run of [one, two]) assert.equal(run.end.type, 'finished', run.end.type === 'error' ? run.end.message : '');
  const started = two.events.find((e): e is RunStartedEvent => e.type === 'run-started')!;
  assert.equal(started.threads, 2);
  assert.equal(one.events.find((e): e is RunStartedEvent => e.type === 'run-started')!.threads, 1);
  assert.deepEqual(JSON.parse(await readFile(join(two.runDir, 'run.json'), 'utf8')).threads, { requested: 2, used: 2 });

  // The stated tolerance (docs/performance.md, "Threads"): per-epoch losses within 1e-4 relative.
  const a = epochs(one);
  const b = epochs(two);
  assert.equal(a.length, 3);
  assert.equal(b.length, 3);
  for (let i = 0; i < 3; i++) {
    for (const key of ['loss', 'valLoss'] as const) {
      const x = a[i]![key]!;
      const y = b[i]![key]!;
      assert.ok(Math.abs(x - y) <= 1e-4 * Math.abs(x), `epoch ${i + 1} ${key}: 1 thread ${x}, 2 threads ${y}`);
    }
  }
  // It learned: not a run that agrees because nothing moved.
  assert.ok(b[2]!.loss < b[0]!.loss * 0.9, `loss ${b[0]!.loss} → ${b[2]!.loss}`);

  // Tensors flat from epoch to epoch, in the engine's thread and in the worker replica.
  assert.equal(new Set(b.map((e) => e.tensors)).size, 1, `engine tensors per epoch: ${b.map((e) => e.tensors)}`);
  const replica = b.map((e) => e.replicaTensors?.[0]);
  assert.ok(replica.every((n) => typeof n === 'number' && n > 0), `replica tensors: ${replica}`);
  assert.equal(new Set(replica).size, 1, `replica tensors per epoch: ${replica}`);

  // Same seed and threads: the same run, bit for bit.
  const again = await train({ threads: 2 });
  assert.deepEqual(epochs(again).map((e) => [e.loss, e.valLoss]), b.map((e) => [e.loss, e.valLoss]));
});

test('at two threads a run pauses, resumes and stops after the current batch, and saves its model', async () => {
  let paused = false;
  const run = await train({ threads: 2, epochs: 50 }, (e, engine, runId) => {
    if (e.type === 'batch' && e.epoch === 1 && e.batch === 1 && !paused) {
      paused = true;
      void engine.execute({ type: 'train.pause', runId });
    }
    if (e.type === 'paused') void engine.execute({ type: 'train.resume', runId });
    if (e.type === 'resumed') void engine.execute({ type: 'train.stop', runId });
  });
  assert.equal(run.end.type, 'finished', run.end.type === 'error' ? run.end.message : '');
  const end = run.end as FinishedEvent;
  assert.equal(end.status, 'stopped');
  assert.ok(end.epochs < 50);
  const types = run.events.map((e) => e.type);
  assert.ok(types.indexOf('paused') < types.indexOf('resumed'), types.join(' '));
  assert.ok(JSON.parse(await readFile(join(end.modelPath, 'model.json'), 'utf8')).modelTopology);
});

test('a replica that dies fails the next step with an error naming it, and the pool still closes', async () => {
  const graph = project().graph;
  const model = buildModel(graph, { seed: 1 });
  const optimizer = tf.train.adam(0.01);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  // The bench's phase clock (bench/replica-probe.ts) rides along: every phase of the step is timed.
  const phases = { now: () => performance.now(), ms: {} as Record<string, number> };
  const pool = await ReplicaPool.start({ threads: 2, graph, seed: 1, loss: 'sparse-categorical-crossentropy', backend: 'wasm', model, batchSize: 8, sampleShape: [12, 12, 1], phases });
  const x = tf.randomUniform([8, 12, 12, 1], 0, 1, 'float32', 3);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1]);
  try {
    const [loss, accuracy] = await pool.step(optimizer, x, y);
    assert.ok(Number.isFinite(loss) && accuracy >= 0 && accuracy <= 1);
    assert.deepEqual(Object.keys(phases.ms), ['weights out', 'batch out', 'own share', 'wait', 'sum', 'optimizer', 'loss back']);
    assert.ok(Object.values(phases.ms).every((ms) => ms >= 0) && phases.ms['own share']! > 0, JSON.stringify(phases.ms));
    // Killing the thread from outside is the nearest real thing to a crash (an abort in wasm, an out-of-memory) that a test can cause.
    await (pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers[0]!.worker.terminate();
    await assert.rejects(pool.step(optimizer, x, y), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'replica-failed');
      assert.match(e.message, /Training replica 1 of 1 \(a worker thread\) failed/);
      return true;
    });
  } finally {
    await pool.close();
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
});

test('a layer unfrozen mid-run (fine-tuning phase 2) trains on two threads as on one', async () => {
  // The conv layer starts frozen; after one step it is unfrozen, as phase 2 of transfer learning does.
  const graph = project().graph;
  graph.nodes.find((n) => n.id === 'conv')!.frozen = true;
  const compiled = () => {
    const model = buildModel(graph, { seed: 5 });
    const optimizer = tf.train.sgd(0.1);
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return { model, optimizer };
  };
  const one = compiled();
  const two = compiled();
  const pool = await ReplicaPool.start({ threads: 2, graph, seed: 5, loss: 'sparse-categorical-crossentropy', backend: 'wasm', model: two.model, batchSize: 8, sampleShape: [12, 12, 1] });
  const x = tf.randomUniform([8, 12, 12, 1], 0, 1, 'float32', 9);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1]);
  try {
    for (const phase of [1, 2]) {
      if (phase === 2) {
        for (const m of [one, two]) {
          m.model.getLayer('conv').trainable = true;
          m.model.compile({ optimizer: m.optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
        }
        pool.resync();
      }
      const [lossOne] = (await one.model.trainOnBatch(x, y)) as number[];
      const [lossTwo] = await pool.step(two.optimizer, x, y);
      assert.ok(Math.abs(lossOne! - lossTwo) <= 1e-5 * Math.abs(lossOne!), `phase ${phase}: loss ${lossOne} on one thread, ${lossTwo} on two`);
    }
    const fresh = compiled();
    const [differences, moved] = tf.tidy(() => {
      const b = two.model.getWeights();
      const differences = one.model.getWeights().map((w, i) => tf.max(tf.abs(tf.sub(w, b[i]!))).dataSync()[0]!);
      const moved = tf.max(tf.abs(tf.sub(one.model.getLayer('conv').getWeights()[0]!, fresh.model.getLayer('conv').getWeights()[0]!))).dataSync()[0]!;
      return [differences, moved];
    });
    fresh.model.dispose();
    fresh.optimizer.dispose();
    assert.ok(differences.every((d) => d < 1e-5), `largest difference per weight: ${differences}`);
    assert.ok(moved > 0, 'the conv kernel moved in phase 2');
  } finally {
    await pool.close();
    tf.dispose([x, y]);
    for (const m of [one, two]) {
      m.model.dispose();
      m.optimizer.dispose();
    }
  }
});

test('threads: the option wins, then CONVNET_STUDIO_THREADS, then 1; GPU backends use 1; shares split a batch, the engine thread weighted', () => {
  assert.equal(requestedThreads(3, {}), 3);
  assert.equal(requestedThreads(undefined, { [THREADS_ENV]: '2' }), 2);
  assert.equal(requestedThreads(undefined, {}), 1);
  assert.throws(() => requestedThreads(0, {}), /threads must be a whole number from 1 to 64 \(got 0\)/);
  assert.throws(() => requestedThreads(undefined, { [THREADS_ENV]: 'many' }), /CONVNET_STUDIO_THREADS must be a whole number/);
  assert.equal(threadsUsed(4, 'wasm'), 4);
  assert.equal(threadsUsed(4, 'cpu'), 4);
  assert.equal(threadsUsed(4, 'webgpu'), 1);
  assert.equal(threadsUsed(4, 'tensorflow'), 1);
  assert.deepEqual(splitShares(10, 3), [{ start: 0, count: 4 }, { start: 4, count: 3 }, { start: 7, count: 3 }]);
  assert.deepEqual(splitShares(1, 2), [{ start: 0, count: 1 }]);
  // The engine's thread's share weighted against a worker's (the runs' split: ENGINE_SHARE_WEIGHT).
  assert.deepEqual(splitShares(64, 2, 1.1), [{ start: 0, count: 34 }, { start: 34, count: 30 }]);
  assert.deepEqual(splitShares(64, 2, ENGINE_SHARE_WEIGHT), [{ start: 0, count: 33 }, { start: 33, count: 31 }]);
  assert.deepEqual(splitShares(10, 3, 0.5), [{ start: 0, count: 2 }, { start: 2, count: 4 }, { start: 6, count: 4 }]);
  assert.deepEqual(splitShares(1, 2, ENGINE_SHARE_WEIGHT), [{ start: 0, count: 1 }]);
  assert.deepEqual(splitShares(3, 4, ENGINE_SHARE_WEIGHT), [{ start: 0, count: 1 }, { start: 1, count: 1 }, { start: 2, count: 1 }]);
});
