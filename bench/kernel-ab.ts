/**
 * `node --import tsx bench/kernel-ab.ts --change filter-grad [--template seed-cnn] [--rounds 7] [--batches 5]`:
 * one of the project's wasm speed-ups against what it replaced, on the same
 * model and batches in one process, alternating round by round (before,
 * after, before, after…) so that the machine's load falls on both alike.
 * Prints the median ms per training step of each and their ratio, in wall
 * time and in this process's CPU time (process.cpuUsage): on a machine shared
 * with other work the CPU time is the steadier of the two, since time spent
 * waiting for a core is not counted.
 * Changes: filter-grad (conv2d-backprop-filter-direct.ts), adam (train/fusedAdam.ts),
 * input-grad-phases (conv2d-backprop-input-phases.ts), bn-broadcast (broadcast-binary.ts),
 * shared-identity (shared-identity.ts), direct-conv (conv2d-direct.ts), relaxed-simd
 * (the direct Conv2D and filter gradient on the plain build against the relaxed one),
 * relu-grad (relu-grad.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createProject } from '../engine/graph/templates.js';
import { buildModel } from '../engine/graph/tfjs/build.js';
import { selectBackend } from '../engine/backend/select.js';
import { readFashionMnist } from '../engine/data/fashionMnist.js';
import { createOptimizer } from '../engine/train/optimizers.js';
import { flagValue, loadAverage } from './args.js';
import { BEFORE_KERNELS } from './kernel-ab-before.js';

const template = flagValue('template') ?? 'seed-cnn';
const change = flagValue('change') ?? 'filter-grad';
const rounds = Number(flagValue('rounds') ?? 7);
const batches = Number(flagValue('batches') ?? 5);
const BATCH = 64;

await selectBackend('wasm');
const adamSettings = { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** The project's kernels as registered, and what each change replaced. */
const beforeKernels = BEFORE_KERNELS[change] ?? [];
if (change !== 'adam' && beforeKernels.length === 0) throw new Error(`unknown --change ${change}`);
const afterKernels = beforeKernels.map((k) => tf.getKernel(k.kernelName, 'wasm')!);
const swap = (configs: tf.KernelConfig[]) => {
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
};

const fashion = await readFashionMnist();
const project = createProject(template);
const [height, width, channels] = [28, 28, 1];
function compiled(fused: boolean): tfl.LayersModel {
  const model = buildModel(project.graph, { seed: 1 });
  const optimizer = fused ? createOptimizer({ ...adamSettings } as never) : tf.train.adam(0.001, 0.9, 0.999, 1e-7);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
const models = { before: compiled(change !== 'adam'), after: compiled(true) };
const pixels = height * width * channels;
const batch = (i: number) => {
  const start = (i * BATCH) % (fashion.train.labels.length - BATCH);
  return tf.tidy(() => ({
    x: tf.div(tf.tensor4d(fashion.train.images.subarray(start * pixels, (start + BATCH) * pixels), [BATCH, height, width, channels], 'int32'), 255),
    y: tf.tensor1d(Float32Array.from(fashion.train.labels.subarray(start, start + BATCH)), 'float32'),
  }));
};

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function timeSteps(which: 'before' | 'after', first: number): Promise<{ wall: number; cpu: number }> {
  swap(which === 'before' ? beforeKernels : afterKernels);
  const model = models[which];
  const warm = batch(first);
  await model.trainOnBatch(warm.x, warm.y);
  tf.dispose([warm.x, warm.y]);
  const [t0, c0] = [performance.now(), cpuMs()];
  for (let i = 1; i <= batches; i++) {
    const { x, y } = batch(first + i);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  }
  return { wall: (performance.now() - t0) / batches, cpu: (cpuMs() - c0) / batches };
}

const times = { before: [] as { wall: number; cpu: number }[], after: [] as { wall: number; cpu: number }[] };
const loadBefore = loadAverage();
for (let r = 0; r < rounds; r++) {
  times.before.push(await timeSteps('before', r * (batches + 1)));
  times.after.push(await timeSteps('after', r * (batches + 1)));
}
swap(afterKernels);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const report = (kind: 'wall' | 'cpu') => {
  const [b, a] = [median(times.before.map((t) => t[kind])), median(times.after.map((t) => t[kind]))];
  return `${kind} ${b.toFixed(1)} → ${a.toFixed(1)} ms/step ×${(b / a).toFixed(2)}`;
};
console.log(
  `${template} ${change}: ${report('cpu')}; ${report('wall')} ` +
    `(median of ${rounds} alternating rounds of ${batches} steps, batch ${BATCH}); load ${loadBefore} → ${loadAverage()}`,
);
