/**
 * `npm run bench`: training and inference throughput of every template
 * (batch 64, Adam, Fashion-MNIST) on every backend that loads, side by side
 * with the same networks in PyTorch (bench/torch_templates.py) at 1 and 2
 * threads, in one run. Prints the table with each backend's ratio to PyTorch
 * single-threaded and writes it as JSON under bench/results/. Not part of
 * `npm test`: speed is measured here, never asserted in tests.
 *
 * The machine's load average is recorded with every row: other work on the
 * same cores lowers every figure, so compare rows of one run. Studio rows also
 * give the busiest thread's CPU time per step (Linux): on idle cores a step
 * takes about that long, so "CPU-time ×1thr" is the thread scaling with the
 * other work on the machine left out.
 *
 * Options: --templates seed-cnn,lenet5 (default all), --backends wasm,cpu
 * (default tensorflow,webgpu,wasm,cpu), --batches N (timed batches per row,
 * default 40; the pure-JS cpu backend and a software WebGPU adapter get 1
 * and 3), --threads 1,2 (default 1: the studio's thread counts to measure on
 * wasm and cpu, data-parallel replicas past 1, engine/train/parallel/), --no-torch. webgpu rows name their adapter; where there is no GPU,
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json gives software
 * rows (correct, slow). bench/gpu-check.sh is the check for a GPU machine.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../engine/graph/tfjs/build.js';
import { createProject, listTemplates } from '../engine/graph/templates.js';
import { selectBackend } from '../engine/backend/select.js';
import { adapterLabel } from '../engine/backend/webgpu.js';
import { readFashionMnist } from '../engine/data/fashionMnist.js';
import type { BackendName } from '../engine/protocol.js';
import { busiestThreadMs, flagValue, hasFlag, loadAverage, threadCpuMs } from './args.js';
import { defaultTrainingSettings } from '../engine/project/schema.js';
import { createOptimizer } from '../engine/train/optimizers.js';
import { ReplicaPool } from '../engine/train/parallel/replicaPool.js';
import { checkThreads, trainsOnReplicas } from '../engine/train/parallel/threads.js';

interface Row {
  template: string;
  runtime: string;
  threads: number;
  trainSamplesPerSecond: number;
  inferSamplesPerSecond: number;
  batches: number;
  /** CPU ms per training step of the busiest thread (studio rows on Linux): about a step's time on idle cores. */
  busiestThreadMsPerStep?: number;
  /** Load averages (1, 5, 15 min) when the row started and ended. */
  load: [string, string];
}

const BATCH = 64;
const templates = (flagValue('templates') ?? listTemplates().map((t) => t.name).join(',')).split(',');
const backends = (flagValue('backends') ?? 'tensorflow,webgpu,wasm,cpu').split(',') as BackendName[];
const timedBatches = Number(flagValue('batches') ?? 40);
const threadCounts = (flagValue('threads') ?? '1').split(',').map((t) => checkThreads(t, '--threads'));

const rows: Row[] = [];
const notes: string[] = [];
const fashion = await readFashionMnist();
const pixels = 28 * 28;

function batch(i: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const start = (i * BATCH) % (fashion.train.labels.length - BATCH);
  return tf.tidy(() => ({
    x: tf.div(tf.tensor4d(fashion.train.images.subarray(start * pixels, (start + BATCH) * pixels), [BATCH, 28, 28, 1], 'int32'), 255) as tf.Tensor4D,
    y: tf.tensor1d(Float32Array.from(fashion.train.labels.subarray(start, start + BATCH)), 'float32'),
  }));
}

async function measureStudio(template: string, backend: BackendName, runtime: string, software: boolean, threads: number): Promise<Row> {
  // The pure-JS backend is two to three orders of magnitude slower: one batch tells its speed; a software GPU, three.
  const n = backend === 'cpu' ? 1 : software ? 3 : timedBatches;
  const warmup = backend === 'cpu' || software ? 1 : 5;
  const startLoad = loadAverage();
  const model = buildModel(createProject(template).graph, { seed: 1 });
  // The optimizer a run creates (the fused Adam on wasm), not tfjs's own: the bench measures what a run does.
  const optimizer = createOptimizer(defaultTrainingSettings().optimizer);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  // Past one thread, the run's own data-parallel path: worker replicas share each batch.
  const replicas =
    threads > 1
      ? await ReplicaPool.start({
          threads,
          graph: createProject(template).graph,
          seed: 1,
          loss: 'sparse-categorical-crossentropy',
          backend: backend as 'wasm' | 'cpu',
          model,
          batchSize: BATCH,
          sampleShape: [28, 28, 1],
        })
      : null;
  const step = async (i: number) => {
    const { x, y } = batch(i);
    if (replicas) await replicas.step(optimizer, x, y);
    else await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  };
  const infer = async (i: number) => {
    const { x, y } = batch(i);
    const p = model.predict(x) as tf.Tensor;
    await p.data();
    tf.dispose([x, y, p]);
  };
  for (let i = 0; i < warmup; i++) await step(i);
  const cpu0 = threadCpuMs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await step(warmup + i);
  const trainSeconds = (performance.now() - t0) / 1000;
  const busiest = busiestThreadMs(cpu0, threadCpuMs(), n);
  await infer(0);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) await infer(i);
  const inferSeconds = (performance.now() - t1) / 1000;
  await replicas?.close();
  model.dispose();
  optimizer.dispose();
  return {
    template,
    runtime,
    threads,
    trainSamplesPerSecond: (n * BATCH) / trainSeconds,
    // Inference runs on the engine's thread alone: a row per thread count would repeat it.
    inferSamplesPerSecond: threads > 1 ? NaN : (n * BATCH) / inferSeconds,
    batches: n,
    busiestThreadMsPerStep: busiest,
    load: [startLoad, loadAverage()],
  };
}

function measureTorch(threads: number): Row[] | string {
  const startLoad = loadAverage();
  const script = join(import.meta.dirname, 'torch_templates.py');
  const args = [script, '--threads', String(threads), '--batches', String(Math.max(timedBatches, 40)), '--templates', templates.join(',')];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  if (r.status !== 0) return `PyTorch (${threads} thread${threads > 1 ? 's' : ''}): ${(r.stderr || r.error?.message || 'failed').trim().split('\n').at(-1)}`;
  const results = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  for (const j of results.filter((j) => j.skipped && threads === 1)) notes.push(`PyTorch: ${j.skipped}`);
  return results
    .filter((j) => !j.skipped)
    .map((j) => ({
      template: j.template,
      runtime: j.framework,
      threads,
      trainSamplesPerSecond: j.trainSamplesPerSecond,
      inferSamplesPerSecond: j.inferSamplesPerSecond,
      batches: j.batches,
      load: [startLoad, loadAverage()] as [string, string],
    }));
}

for (const backend of backends) {
  let runtime: string;
  let software = false;
  try {
    const selected = await selectBackend(backend);
    runtime = `studio ${selected.name}${selected.adapter ? ` (${adapterLabel(selected.adapter)})` : ''}`;
    software = selected.adapter?.software === true;
  } catch (e) {
    notes.push(`${backend}: ${(e as Error).message}`);
    continue;
  }
  for (const template of templates) {
    for (const threads of trainsOnReplicas(backend) ? threadCounts : [1]) {
      process.stderr.write(`measuring ${template} on ${backend}, ${threads} thread(s)…\n`);
      rows.push(await measureStudio(template, backend, runtime, software, threads));
    }
  }
}
if (!hasFlag('no-torch')) {
  for (const threads of [1, 2]) {
    process.stderr.write(`measuring PyTorch, ${threads} thread(s)…\n`);
    const r = measureTorch(threads);
    if (typeof r === 'string') notes.push(r);
    else rows.push(...r);
  }
}

const anchor = (template: string) => rows.find((r) => r.template === template && r.runtime.startsWith('pytorch') && r.threads === 1);
const ratio = (r: Row, key: 'trainSamplesPerSecond' | 'inferSamplesPerSecond') => {
  const a = anchor(r.template);
  return a && Number.isFinite(r[key]) ? (r[key] / a[key]).toFixed(3) : '-';
};
/** Training speed against the same runtime on one thread, and against PyTorch on as many threads. */
const sameRuntime = (r: Row, threads: number) => rows.find((o) => o.template === r.template && o.runtime === r.runtime && o.threads === threads);
const torchAt = (r: Row) => rows.find((o) => o.template === r.template && o.runtime.startsWith('pytorch') && o.threads === r.threads);
const over = (r: Row, o: Row | undefined) => (o ? (r.trainSamplesPerSecond / o.trainSamplesPerSecond).toFixed(2) : '-');
/** On idle cores a step takes about its busiest thread's CPU time: the speed-up that leaves out the other work on the machine. */
const cpuOver = (r: Row, o: Row | undefined) => (o?.busiestThreadMsPerStep && r.busiestThreadMsPerStep ? (o.busiestThreadMsPerStep / r.busiestThreadMsPerStep).toFixed(2) : '-');
const header = ['template', 'runtime', 'thr', 'train/s', 'train ×PT1', 'train ×1thr', 'train ×PT same thr', 'busiest thread CPU ms/step', 'CPU-time ×1thr', 'infer/s', 'infer ×PT1', 'batches', 'load at start → end'];
const body = templates.flatMap((template) =>
  rows
    .filter((r) => r.template === template)
    .map((r) => [
      r.template,
      r.runtime,
      String(r.threads),
      r.trainSamplesPerSecond.toFixed(1),
      ratio(r, 'trainSamplesPerSecond'),
      over(r, sameRuntime(r, 1)),
      over(r, torchAt(r)),
      r.busiestThreadMsPerStep && Number.isFinite(r.busiestThreadMsPerStep) ? r.busiestThreadMsPerStep.toFixed(1) : '-',
      cpuOver(r, sameRuntime(r, 1)),
      Number.isFinite(r.inferSamplesPerSecond) ? r.inferSamplesPerSecond.toFixed(1) : '-',
      ratio(r, 'inferSamplesPerSecond'),
      String(r.batches),
      `${r.load[0]} → ${r.load[1]}`,
    ]),
);
const widths = header.map((_, i) => Math.max(header[i]!.length, ...body.map((row) => row[i]!.length)));
console.log(`Batch ${BATCH}, Adam, Fashion-MNIST 28×28×1; samples/s; ×PT1 = ratio to PyTorch with 1 thread. CPU: ${cpus()[0]?.model} ×${cpus().length}`);
for (const row of [header, ...body]) console.log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
for (const n of notes) console.log(`not measured: ${n}`);

const outDir = join(import.meta.dirname, 'results');
await mkdir(outDir, { recursive: true });
const out = join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, batchSize: BATCH, rows, notes }, null, 2));
console.log(`\nwritten: ${out}`);
