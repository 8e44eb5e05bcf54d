/**
 * `node --import tsx bench/binary-ops.ts [--reps 21]`: the element-wise
 * kernels of broadcast-binary.ts against the package's, on the shapes the
 * BatchNormalization templates run (median ms per call, interleaved).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend/select.js';
import { packageKernel } from '../engine/backend/kernels/package-kernels.js';
import { flagValue, loadAverage } from './args.js';

const reps = Number(flagValue('reps') ?? 21);
await selectBackend('wasm');
const cases: [string, number[], number[]][] = [
  ['Multiply', [64, 28, 28, 16], [16]],
  ['Multiply', [1, 1, 1, 16], [64, 28, 28, 16]],
  ['Sub', [64, 28, 28, 16], [1, 1, 1, 16]],
  ['Multiply', [64, 14, 14, 32], []],
  ['Add', [64, 26, 26, 32], [32]],
  ['Multiply', [64, 28, 28, 16], [64, 28, 28, 16]],
  ['RealDiv', [64, 28, 28, 16], []],
];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`element-wise kernels, median of ${reps} calls each, interleaved; load ${loadAverage()}`);
for (const [name, aShape, bShape] of cases) {
  const a = tf.randomNormal(aShape);
  const b = tf.add(tf.randomUniform(bShape, 0.5, 2), 0);
  const ours = tf.getKernel(name, 'wasm')!;
  const theirs = packageKernel(name);
  const times = { package: [] as number[], project: [] as number[] };
  for (let r = 0; r < reps; r++) {
    for (const [which, config] of [['package', theirs], ['project', ours]] as const) {
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel(config);
      const t0 = performance.now();
      const out = tf.engine().runKernel(name, { a, b }) as tf.Tensor;
      out.dataSync();
      times[which].push(performance.now() - t0);
      out.dispose();
    }
  }
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel(ours);
  const [p, q] = [median(times.package), median(times.project)];
  console.log(`${`${name} [${aShape}] [${bShape}]`.padEnd(44)} package ${p.toFixed(2).padStart(6)} ms  project ${q.toFixed(2).padStart(6)} ms  ×${(p / q).toFixed(2)}`);
  tf.dispose([a, b]);
}
console.log(`load ${loadAverage()}`);
