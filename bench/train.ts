/**
 * `npm run bench:train`: training throughput of the seed CNN on Fashion-MNIST
 * (batch 64) on every backend that loads, side by side with the same network
 * in PyTorch on the same CPU, in one run. Not part of `npm test`: speed is
 * measured here, never asserted in tests.
 *
 * Options: --batches N (timed batches per backend, default 60; the pure-JS
 * cpu backend gets a few only), --backends wasm,cpu, --no-torch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createProject } from '../engine/graph/templates.js';
import { buildModel } from '../engine/graph/build.js';
import { selectBackend } from '../engine/backend/select.js';
import { readFashionMnist } from '../engine/data/fashionMnist.js';
import type { BackendName } from '../engine/protocol.js';

interface Row {
  name: string;
  threads: string;
  trainSamplesPerSecond: number;
  inferSamplesPerSecond: number;
  batches: number;
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const BATCH = 64;
const timedBatches = Number(flag('batches') ?? 60);
const backends = (flag('backends') ?? 'tensorflow,wasm,cpu').split(',') as BackendName[];

const fashion = await readFashionMnist();
const images = fashion.train.images;
const labels = fashion.train.labels;
const pixels = 28 * 28;

function batch(i: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const start = (i * BATCH) % (labels.length - BATCH);
  return tf.tidy(() => ({
    x: tf.div(tf.tensor4d(images.subarray(start * pixels, (start + BATCH) * pixels), [BATCH, 28, 28, 1], 'int32'), 255) as tf.Tensor4D,
    y: tf.tensor1d(Float32Array.from(labels.subarray(start, start + BATCH)), 'float32'),
  }));
}

async function measure(backend: BackendName): Promise<Row | string> {
  let selected;
  try {
    selected = await selectBackend(backend);
  } catch (e) {
    return `${backend}: ${(e as Error).message}`;
  }
  // The pure-JS backend is two to three orders of magnitude slower: a few batches tell its speed.
  const n = backend === 'cpu' ? Math.min(3, timedBatches) : timedBatches;
  const warmup = backend === 'cpu' ? 1 : 5;
  const model = buildModel(createProject('seed-cnn').graph, { seed: 1 });
  const optimizer = tf.train.adam(0.001);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

  const run = async (i: number) => {
    const { x, y } = batch(i);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  };
  for (let i = 0; i < warmup; i++) await run(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await run(warmup + i);
  const trainSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const { x, y } = batch(i);
    const p = model.predict(x) as tf.Tensor;
    await p.data();
    tf.dispose([x, y, p]);
  }
  const inferSeconds = (performance.now() - t1) / 1000;
  model.dispose();
  optimizer.dispose();
  return {
    name: `studio ${selected.name} (${selected.device})`,
    threads: selected.name === 'tensorflow' ? 'tf default' : '1',
    trainSamplesPerSecond: (n * BATCH) / trainSeconds,
    inferSamplesPerSecond: (n * BATCH) / inferSeconds,
    batches: n,
  };
}

function torch(threads: number): Row | string {
  const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'torch_seed_cnn.py'), '--threads', String(threads), '--batches', String(Math.max(timedBatches, 50))], { encoding: 'utf8' });
  if (r.status !== 0) return `pytorch (${threads} thread): ${(r.stderr || r.error?.message || 'failed').trim().split('\n').at(-1)}`;
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return { name: j.framework, threads: String(threads), trainSamplesPerSecond: j.trainSamplesPerSecond, inferSamplesPerSecond: j.inferSamplesPerSecond, batches: j.batches };
}

const rows: Row[] = [];
const notes: string[] = [];
for (const b of backends) {
  process.stderr.write(`measuring ${b}…\n`);
  const r = await measure(b);
  if (typeof r === 'string') notes.push(r);
  else rows.push(r);
}
if (!args.includes('--no-torch')) {
  for (const t of [1, 2]) {
    process.stderr.write(`measuring pytorch, ${t} thread(s)…\n`);
    const r = torch(t);
    if (typeof r === 'string') notes.push(r);
    else rows.push(r);
  }
}

const anchor = rows.find((r) => r.name.startsWith('pytorch') && r.threads === '1');
const table = [
  ['network: seed-cnn (93,322 params), Fashion-MNIST 28×28×1, batch 64, Adam'],
  [],
  ['runtime', 'threads', 'train samples/s', 'vs PyTorch 1 thr', 'infer samples/s', 'batches'],
  ...rows.map((r) => [
    r.name,
    r.threads,
    r.trainSamplesPerSecond.toFixed(1),
    anchor ? (r.trainSamplesPerSecond / anchor.trainSamplesPerSecond).toFixed(4) : '-',
    r.inferSamplesPerSecond.toFixed(1),
    String(r.batches),
  ]),
];
const widths = table[2].map((_, i) => Math.max(...table.slice(2).map((row) => row[i].length)));
for (const row of table) console.log(row.length < 2 ? row.join('') : row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
for (const n of notes) console.log(`not measured: ${n}`);

const outDir = join(import.meta.dirname, 'results');
await mkdir(outDir, { recursive: true });
const out = join(outDir, `train-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), cpu: (await import('node:os')).cpus()[0]?.model, rows, notes }, null, 2));
console.log(`\nwritten: ${out}`);
