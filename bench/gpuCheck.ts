/**
 * The GPU check (run through bench/gpu-check.sh on a machine with a real GPU
 * and no network): which WebGPU adapter the studio finds, whether one
 * training step of every template on webgpu agrees with cpu, and how many
 * samples a second seed-cnn and resnet-small train on webgpu, wasm and (when
 * it loads) tensorflow, against the goals: webgpu ≥ 5× wasm on seed-cnn and
 * ≥ 10× on resnet-small. Uses only the tree and node_modules: the images are
 * generated, not downloaded. Prints a table and one JSON result (also under
 * bench/results/).
 *
 * Options: --batches N (timed batches per speed row, default 20), --json (the JSON only),
 * --software-speed (time webgpu even on a software adapter).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../engine/backend/select.js';
import { adapterLabel, probeWebgpu } from '../engine/backend/webgpu.js';
import { vulkanLoaderSearch } from '../engine/backend/vulkan.js';
import { buildModel } from '../engine/graph/tfjs/build.js';
import { createProject, listTemplates } from '../engine/graph/templates.js';
import type { BackendName, GpuAdapterInfo } from '../engine/protocol.js';
import { flagValue, hasFlag, loadAverage } from './args.js';

const BATCH = 64;
const LEARNING_RATE = 0.001;
const timedBatches = Number(flagValue('batches') ?? 20);
const jsonOnly = hasFlag('json');
const say = (line: string) => {
  if (!jsonOnly) process.stderr.write(`${line}\n`);
};

function seeded(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = state / 2147483648;
  }
  return out;
}

function inputShape(template: string): [number, number, number] {
  const input = createProject(template).graph.nodes.find((n) => n.type === 'Input')!;
  return input.params.shape as [number, number, number];
}

function images(template: string, batch: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [h, w, c] = inputShape(template);
  return {
    x: tf.tensor4d(seeded(batch * h * w * c, seed), [batch, h, w, c]),
    y: tf.tensor1d(Float32Array.from({ length: batch }, (_, i) => (i * 7 + seed) % 10)),
  };
}

/** Weights after one Adam step from the template's seeded start, on the active backend. */
async function oneStep(template: string): Promise<{ loss: number; weights: Float32Array[]; ranOn: string }> {
  const model = buildModel(createProject(template).graph, { seed: 1 });
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'sparseCategoricalCrossentropy' });
  const { x, y } = images(template, 8, 3);
  // Dropout draws from Math.random: the same stream on both backends.
  const original = Math.random;
  let state = 5;
  Math.random = () => ((state = (state * 1103515245 + 12345) % 2147483648), state / 2147483648);
  let loss: number;
  try {
    loss = (await model.trainOnBatch(x, y)) as number;
  } finally {
    Math.random = original;
  }
  const weights = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  tf.dispose([x, y]);
  model.optimizer.dispose();
  model.dispose();
  return { loss, weights, ranOn: tf.getBackend() };
}

interface Parity {
  template: string;
  lossWebgpu: number;
  lossCpu: number;
  /** Largest weight difference after the step, in units of the learning rate (Adam moves each weight by about one). */
  maxDifferenceInLearningRates: number;
  /** Share of weights that moved differently by more than 5% of a step. */
  shareDiffering: number;
  /** The backends the two steps really ran on (tf.getBackend()), so a silent fallback would show. */
  ranOn: [string, string];
  ok: boolean;
}

async function parity(template: string): Promise<Parity> {
  await selectBackend('cpu');
  const cpu = await oneStep(template);
  await selectBackend('webgpu');
  const gpu = await oneStep(template);
  let worst = 0;
  let differing = 0;
  let total = 0;
  cpu.weights.forEach((expected, i) => {
    for (let j = 0; j < expected.length; j++) {
      const d = Math.abs(gpu.weights[i]![j]! - expected[j]!);
      worst = Math.max(worst, d);
      if (d > 0.05 * LEARNING_RATE + 1e-6) differing++;
    }
    total += expected.length;
  });
  const maxDifferenceInLearningRates = worst / LEARNING_RATE;
  const shareDiffering = differing / total;
  const ok = gpu.ranOn === 'webgpu' && cpu.ranOn === 'cpu' && Math.abs(gpu.loss - cpu.loss) < 1e-3 * Math.max(1, cpu.loss) && maxDifferenceInLearningRates <= 2.01 && shareDiffering <= 0.005;
  return { template, lossWebgpu: gpu.loss, lossCpu: cpu.loss, maxDifferenceInLearningRates, shareDiffering, ranOn: [gpu.ranOn, cpu.ranOn], ok };
}

async function samplesPerSecond(template: string): Promise<number> {
  const model = buildModel(createProject(template).graph, { seed: 1 });
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'sparseCategoricalCrossentropy' });
  const step = async (i: number) => {
    const { x, y } = images(template, BATCH, i);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  };
  for (let i = 0; i < 3; i++) await step(i);
  const start = performance.now();
  for (let i = 0; i < timedBatches; i++) await step(10 + i);
  const seconds = (performance.now() - start) / 1000;
  model.optimizer.dispose();
  model.dispose();
  return (timedBatches * BATCH) / seconds;
}

const result: {
  date: string;
  platform: string;
  cpu: string | undefined;
  load: string;
  vulkanLoader?: { found: string | null; searched: string[] };
  adapter: GpuAdapterInfo | null;
  adapterProblem?: string;
  parity: Parity[];
  speed: Array<{ template: string; backend: BackendName; device?: string; samplesPerSecond: number }>;
  notMeasured: string[];
  goals: Array<{ goal: string; ratio: number | null; met: boolean | null }>;
} = { date: new Date().toISOString(), platform: `${process.platform}-${process.arch}`, cpu: cpus()[0]?.model, load: loadAverage(), adapter: null, parity: [], speed: [], notMeasured: [], goals: [] };

if (process.platform === 'linux') {
  result.vulkanLoader = vulkanLoaderSearch();
  say(result.vulkanLoader.found ? `Vulkan loader: ${result.vulkanLoader.found}` : `Vulkan loader libvulkan.so.1 NOT FOUND; looked in: ${result.vulkanLoader.searched.join(', ')}`);
}
const probe = await probeWebgpu();
if (probe.loaded) {
  result.adapter = probe.adapter;
  say(`WebGPU adapter: ${adapterLabel(probe.adapter)}${probe.adapter.software ? '  ← software: this is not a GPU; the speed goals do not apply' : ''}`);
} else {
  result.adapterProblem = `${probe.reason}. ${probe.hint}`;
  say(`No WebGPU adapter: ${result.adapterProblem}`);
}

if (probe.loaded) {
  for (const { name } of listTemplates()) {
    say(`parity: one Adam step of ${name}, webgpu vs cpu…`);
    try {
      result.parity.push(await parity(name));
    } catch (e) {
      result.notMeasured.push(`parity of ${name}: ${(e as Error).message}`);
    }
  }
}

for (const backend of ['webgpu', 'wasm', 'tensorflow'] as BackendName[]) {
  if (backend === 'webgpu' && result.adapter?.software && !hasFlag('software-speed')) {
    // SwiftShader takes minutes a batch for resnet-small and says nothing about a GPU.
    result.notMeasured.push('webgpu speed: the adapter is software (--software-speed measures it anyway)');
    continue;
  }
  let device: string;
  try {
    const selected = await selectBackend(backend);
    device = selected.adapter ? adapterLabel(selected.adapter) : selected.device;
  } catch (e) {
    result.notMeasured.push(`${backend}: ${(e as Error).message}`);
    continue;
  }
  for (const template of ['seed-cnn', 'resnet-small']) {
    say(`speed: ${template} on ${backend}…`);
    result.speed.push({ template, backend, device, samplesPerSecond: await samplesPerSecond(template) });
  }
}

const speed = (template: string, backend: BackendName) => result.speed.find((s) => s.template === template && s.backend === backend)?.samplesPerSecond;
for (const [template, factor] of [['seed-cnn', 5], ['resnet-small', 10]] as const) {
  const gpu = speed(template, 'webgpu');
  const wasm = speed(template, 'wasm');
  const ratio = gpu !== undefined && wasm !== undefined ? gpu / wasm : null;
  result.goals.push({ goal: `${template}: webgpu ≥ ${factor}× wasm`, ratio, met: ratio === null || result.adapter?.software ? null : ratio >= factor });
}

say('');
for (const p of result.parity) say(`parity ${p.template.padEnd(16)} ${p.ok ? 'ok ' : 'BAD'}  loss ${p.lossWebgpu.toFixed(5)} (${p.ranOn[0]}) vs ${p.lossCpu.toFixed(5)} (${p.ranOn[1]}), max Δw ${p.maxDifferenceInLearningRates.toExponential(1)} lr, ${(p.shareDiffering * 100).toFixed(3)}% differ`);
for (const s of result.speed) say(`speed  ${s.template.padEnd(13)} ${s.backend.padEnd(11)} ${s.samplesPerSecond.toFixed(1).padStart(9)} samples/s  (${s.device})`);
for (const g of result.goals) say(`goal   ${g.goal}: ${g.ratio === null ? 'not measured' : `${g.ratio.toFixed(2)}×`} ${g.met === null ? '' : g.met ? 'met' : 'NOT met'}`);
for (const n of result.notMeasured) say(`not measured: ${n}`);

const outDir = join(import.meta.dirname, 'results');
await mkdir(outDir, { recursive: true });
const out = join(outDir, `gpu-check-${result.date.replace(/[:.]/g, '-')}.json`);
await writeFile(out, JSON.stringify(result, null, 2));
say(`written: ${out}`);
console.log(JSON.stringify(result));
process.exitCode = result.parity.some((p) => !p.ok) ? 1 : 0;
