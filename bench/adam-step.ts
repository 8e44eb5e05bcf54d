/**
 * `node --import tsx bench/adam-step.ts [--template seed-cnn] [--reps 41]`: one
 * optimizer step over a template's trainable variables on wasm, tfjs's Adam
 * against the fused one (train/fusedAdam.ts), interleaved call by call;
 * median ms per step. The whole training step (bench/kernel-ab.ts --change
 * adam) hides a few milliseconds under a loaded machine's noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createProject } from '../engine/graph/templates.js';
import { buildModel } from '../engine/graph/tfjs/build.js';
import { selectBackend } from '../engine/backend/select.js';
import { FusedAdamOptimizer } from '../engine/train/fusedAdam.js';
import { flagValue, loadAverage } from './args.js';

const template = flagValue('template') ?? 'seed-cnn';
const reps = Number(flagValue('reps') ?? 41);
await selectBackend('wasm');

const model = buildModel(createProject(template).graph, { seed: 1 });
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const gradients = variables.map((v) => tf.randomNormal(v.shape, 0, 0.01));
const named = variables.map((v, i) => ({ name: v.name, tensor: gradients[i]! }));
const optimizers = { tfjs: tf.train.adam(0.001, 0.9, 0.999, 1e-7), fused: new FusedAdamOptimizer(0.001, 0.9, 0.999, 1e-7) };
const times = { tfjs: [] as number[], fused: [] as number[] };
const load = loadAverage();
for (let r = 0; r < reps; r++) {
  for (const which of ['tfjs', 'fused'] as const) {
    const t0 = performance.now();
    optimizers[which].applyGradients(named);
    variables[0]!.dataSync();
    times[which].push(performance.now() - t0);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const [a, b] = [median(times.tfjs), median(times.fused)];
const parameters = variables.reduce((n, v) => n + v.size, 0);
console.log(
  `${template}: Adam step over ${variables.length} variables (${parameters} parameters): tfjs ${a.toFixed(2)} ms, fused ${b.toFixed(2)} ms, ×${(a / b).toFixed(2)} ` +
    `(median of ${reps}, interleaved); load ${load} → ${loadAverage()}`,
);
