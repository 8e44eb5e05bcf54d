/**
 * Where a multi-thread training step goes: runs ReplicaPool.step on one
 * template (the run's own optimizer, batch 64, Fashion-MNIST) and prints,
 * per step, the wall time, the engine thread's time in each phase of the
 * step by its CPU clock (ReplicaPool's `phases`), and every thread's CPU time
 * from /proc/self/task (schedstat, nanoseconds): the engine's thread, the workers, and V8's helper threads
 * (garbage collection, compilation) together. On a machine shared with other
 * work the CPU columns are the ones to compare; wall is printed with the load.
 *
 *   node --import tsx bench/replica-probe.ts --template seed-cnn --threads 2 --steps 60
 *
 * Options: --template (default seed-cnn), --threads (default 2; 1 = trainOnBatch,
 * the one-thread path), --steps (timed, default 60), --warmup (default 5), --json,
 * --wall-phases (time the phases by the wall clock, not the engine thread's CPU clock),
 * --tfjs-adam (tfjs's Adam, not the fused one).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend/select.js';
import { readFashionMnist } from '../engine/data/fashionMnist.js';
import { buildModel } from '../engine/graph/tfjs/build.js';
import { createProject } from '../engine/graph/templates.js';
import { createOptimizer } from '../engine/train/optimizers.js';
import { defaultTrainingSettings } from '../engine/project/schema.js';
import { ReplicaPool } from '../engine/train/parallel/replicaPool.js';
import { flagValue, hasFlag, loadAverage } from './args.js';

const template = flagValue('template') ?? 'seed-cnn';
const threads = Number(flagValue('threads') ?? 2);
const steps = Number(flagValue('steps') ?? 60);
const warmup = Number(flagValue('warmup') ?? 5);
const BATCH = 64;

/** CPU ms a thread has run, from the scheduler's nanosecond count (stat's ticks are 10 ms). */
const cpuMs = (path: string) => Number(readFileSync(path, 'utf8').split(' ')[0]) / 1e6;

/** CPU ms of every thread of this process, by thread id, with the thread's name. */
function threadTimes(): Map<string, { name: string; ms: number }> {
  const times = new Map<string, { name: string; ms: number }>();
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim();
      times.set(task, { name, ms: cpuMs(`/proc/self/task/${task}/schedstat`) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return times;
}

await selectBackend('wasm');
const fashion = await readFashionMnist();
const pixels = 28 * 28;
const batch = (i: number) => {
  const start = (i * BATCH) % (fashion.train.labels.length - BATCH);
  return tf.tidy(() => ({
    x: tf.div(tf.tensor4d(fashion.train.images.subarray(start * pixels, (start + BATCH) * pixels), [BATCH, 28, 28, 1], 'int32'), 255) as tf.Tensor4D,
    y: tf.tensor1d(Float32Array.from(fashion.train.labels.subarray(start, start + BATCH)), 'float32'),
  }));
};

const graph = createProject(template).graph;
const model = buildModel(graph, { seed: 1 });
// The run's optimizer (the fused Adam); --tfjs-adam: tfjs's own, as bench/train.ts used before.
const optimizer = hasFlag('tfjs-adam') ? tf.train.adam(0.001, 0.9, 0.999, 1e-7) : createOptimizer(defaultTrainingSettings().optimizer);
model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
// The engine thread's CPU clock by default; --wall-phases: wall time (on an idle machine it also shows the waits for the worker and the wake-ups).
const phases = { now: hasFlag('wall-phases') ? () => performance.now() : () => cpuMs('/proc/thread-self/schedstat'), ms: {} as Record<string, number> };
const pool =
  threads > 1
    ? await ReplicaPool.start({ threads, graph, seed: 1, loss: 'sparse-categorical-crossentropy', backend: 'wasm', model, batchSize: BATCH, sampleShape: [28, 28, 1], phases })
    : null;
const step = async (i: number) => {
  const { x, y } = batch(i);
  if (pool) await pool.step(optimizer, x, y);
  else await model.trainOnBatch(x, y);
  tf.dispose([x, y]);
};
for (let i = 0; i < warmup; i++) await step(i);
for (const k of Object.keys(phases.ms)) delete phases.ms[k];
const load0 = loadAverage();
const before = threadTimes();
const t0 = performance.now();
for (let i = 0; i < steps; i++) await step(warmup + i);
const wall = (performance.now() - t0) / steps;
const after = threadTimes();
const load1 = loadAverage();
await pool?.close();

const engineTid = String(process.pid);
const perThread = [...after].map(([tid, t]) => ({ tid, name: t.name, ms: (t.ms - (before.get(tid)?.ms ?? 0)) / steps }));
const engine = perThread.find((t) => t.tid === engineTid)?.ms ?? NaN;
// Replica workers run tfjs: the busiest threads other than the engine's, one per worker.
const others = perThread.filter((t) => t.tid !== engineTid).sort((a, b) => b.ms - a.ms);
const workers = others.slice(0, threads - 1).map((t) => t.ms);
const helpers = others.slice(threads - 1).reduce((s, t) => s + t.ms, 0);
const result = {
  template,
  threads,
  steps,
  wallMsPerStep: wall,
  engineCpuMsPerStep: engine,
  workerCpuMsPerStep: workers,
  helperCpuMsPerStep: helpers,
  busiestCpuMsPerStep: Math.max(engine, ...workers),
  /** Every thread together: on as many cores as training threads, a step cannot take less than this over the cores. */
  totalCpuMsPerStep: perThread.reduce((s, t) => s + t.ms, 0),
  phasesMsPerStep: Object.fromEntries(Object.entries(phases.ms).map(([k, v]) => [k, v / steps])),
  load: [load0, load1],
  /** Every other thread's CPU ms/step with its name (libuv's, V8's workers): what "helpers" adds up. */
  otherThreads: others.slice(threads - 1).filter((t) => t.ms >= 0.05).map((t) => `${t.name} ${t.ms.toFixed(2)}`),
};
if (hasFlag('json')) console.log(JSON.stringify(result));
else {
  const f = (v: number) => v.toFixed(1);
  console.log(
    `${template} ${threads}thr wall ${f(wall)} ms/step | CPU ms/step engine ${f(engine)} workers ${workers.map(f).join('/') || '-'} helpers ${f(helpers)} | ` +
      `others ${result.otherThreads.join(', ')} | phases ${Object.entries(result.phasesMsPerStep).map(([k, v]) => `${k} ${f(v)}`).join(', ') || '-'} | load ${load0} → ${load1}`,
  );
}
