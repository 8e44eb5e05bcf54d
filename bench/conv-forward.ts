/**
 * `node --import tsx bench/conv-forward.ts [--reps 15]`: Conv2D on wasm by
 * XNNPACK (the package's kernel) against the project's direct kernel
 * (kernels/conv2d-direct.ts), plain-SIMD and relaxed-SIMD builds, interleaved
 * call by call; median of this process's CPU ms per call (process.cpuUsage,
 * which leaves out time spent waiting for a core on a loaded machine). Shapes:
 * the templates' forward convolutions and the stride-1 input gradients'
 * convolutions (dy with the flipped filter, padded by k − 1 − pad).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend/select.js';
import { directConv2D } from '../engine/backend/kernels/conv2d-direct.js';
import { packageKernel } from '../engine/backend/kernels/package-kernels.js';
import { relaxedSimdSupported } from '../engine/backend/simd/kernels.js';
import { flagValue, loadAverage } from './args.js';

const reps = Number(flagValue('reps') ?? 15);
await selectBackend('wasm');
const relaxed = relaxedSimdSupported();

type Pad = 'valid' | 'same' | number;
interface Shape {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: Pad;
}
const shapes: Shape[] = [
  { name: '3×3, 4 channels', x: [64, 26, 26, 4], filter: [3, 3, 4, 32], strides: 1, pad: 'valid' },
  { name: '3×3, 8 channels', x: [64, 26, 26, 8], filter: [3, 3, 8, 32], strides: 1, pad: 'valid' },
  { name: 'seed conv1', x: [64, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { name: 'seed conv2', x: [64, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
  { name: 'seed conv3', x: [64, 5, 5, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'valid' },
  { name: 'seed conv2 dx', x: [64, 11, 11, 64], filter: [3, 3, 64, 32], strides: 1, pad: 2 },
  { name: 'seed conv3 dx', x: [64, 3, 3, 64], filter: [3, 3, 64, 64], strides: 1, pad: 2 },
  { name: 'lenet5 c3', x: [64, 14, 14, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
  { name: 'lenet5 c3 dx', x: [64, 10, 10, 16], filter: [5, 5, 16, 6], strides: 1, pad: 4 },
  { name: 'vgg stem', x: [64, 28, 28, 1], filter: [3, 3, 1, 16], strides: 1, pad: 'same' },
  { name: 'vgg block1 conv2', x: [64, 28, 28, 16], filter: [3, 3, 16, 16], strides: 1, pad: 'same' },
  { name: 'vgg block2 conv1', x: [64, 14, 14, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same' },
  { name: 'vgg block2 conv2', x: [64, 14, 14, 32], filter: [3, 3, 32, 32], strides: 1, pad: 'same' },
  { name: 'resnet block2a s2', x: [64, 28, 28, 16], filter: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { name: 'resnet 1×1 s2', x: [64, 28, 28, 16], filter: [1, 1, 16, 32], strides: 2, pad: 'same' },
  { name: 'mobilenet pw 1×1', x: [64, 14, 14, 16], filter: [1, 1, 16, 32], strides: 1, pad: 'same' },
  { name: 'mobilenet pw 1×1 64', x: [64, 7, 7, 32], filter: [1, 1, 32, 64], strides: 1, pad: 'same' },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const xnnpack = packageKernel(tf.Conv2D).kernelFunc;

console.log(`Conv2D CPU ms per call, median of ${reps}, interleaved; relaxed SIMD ${relaxed ? 'on' : 'unavailable'}; load ${loadAverage()}`);
for (const shape of shapes) {
  const pad = typeof shape.pad === 'number' ? ([[0, 0], [shape.pad, shape.pad], [shape.pad, shape.pad], [0, 0]] as tf.backend_util.ExplicitPadding) : shape.pad;
  const info = tf.backend_util.computeConv2DInfo(shape.x, shape.filter, shape.strides, 1, pad as never);
  if (info.outChannels % 4 !== 0) continue; // the direct kernel's routing rule (conv2d-direct.ts)
  const x = tf.randomNormal(shape.x);
  const w = tf.randomNormal(shape.filter);
  const runs: Record<string, () => tf.TensorInfo> = {
    xnnpack: () =>
      xnnpack({ inputs: { x, filter: w }, backend: tf.backend(), attrs: { strides: shape.strides, pad, dilations: 1, dataFormat: 'NHWC' } as never }) as tf.TensorInfo,
    plain: () => directConv2D(tf.backend(), info, x, w, 'plain'),
    ...(relaxed ? { relaxed: () => directConv2D(tf.backend(), info, x, w, 'relaxed') } : {}),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  let maxDiff = 0;
  for (let r = 0; r < reps; r++) {
    const results: tf.Tensor[] = [];
    for (const [name, run] of Object.entries(runs)) {
      const c0 = cpuMs();
      const out = tf.engine().makeTensorFromTensorInfo(run());
      times[name]!.push(cpuMs() - c0);
      results.push(out);
    }
    if (r === 0) {
      const reference = results[0]!.dataSync();
      for (const other of results.slice(1)) {
        const values = other.dataSync();
        for (let i = 0; i < values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(values[i]! - reference[i]!));
      }
    }
    tf.dispose(results);
  }
  const base = median(times.xnnpack!);
  const cells = Object.keys(runs).map((k) => `${k} ${median(times[k]!).toFixed(2).padStart(6)}${k === 'xnnpack' ? '' : ` ×${(base / median(times[k]!)).toFixed(2)}`}`);
  console.log(`${shape.name.padEnd(20)} ${cells.join('  ')}  max |diff| ${maxDiff.toExponential(1)}`);
  tf.dispose([x, w]);
}
console.log(`load ${loadAverage()}`);
