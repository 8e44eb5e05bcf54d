/**
 * `node --import tsx bench/conv-gradients.ts [--reps 15]`: the project's
 * convolution-gradient paths on wasm against what they replaced, interleaved
 * call by call (median ms per call): filter gradients by the XNNPACK rewrite
 * and by the direct SIMD kernel (conv2d-backprop-filter-direct.ts) on the
 * templates' shapes, then strided input gradients by spreading dy and phase
 * by phase (conv2d-backprop-input-phases.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend/select.js';
import { filterGradientThroughXnnpack } from '../engine/backend/kernels/conv2d-backprop-filter.js';
import { directFilterGradient } from '../engine/backend/kernels/conv2d-backprop-filter-direct.js';
import { inputGradientBySpreading } from '../engine/backend/kernels/conv2d-backprop-input.js';
import { inputGradientByPhases } from '../engine/backend/kernels/conv2d-backprop-input-phases.js';
import { flagValue, loadAverage } from './args.js';

const reps = Number(flagValue('reps') ?? 15);
await selectBackend('wasm');

interface Shape {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'valid' | 'same';
}
const shapes: Shape[] = [
  { name: 'seed-cnn conv1', x: [64, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { name: 'lenet5 c1', x: [64, 28, 28, 1], filter: [5, 5, 1, 6], strides: 1, pad: 'same' },
  { name: 'vgg/resnet stem', x: [64, 28, 28, 1], filter: [3, 3, 1, 16], strides: 1, pad: 'same' },
  { name: 'mobilenet stem', x: [64, 28, 28, 1], filter: [3, 3, 1, 16], strides: 2, pad: 'same' },
  { name: 'rgb 3×3', x: [64, 32, 32, 3], filter: [3, 3, 3, 32], strides: 1, pad: 'same' },
  { name: '5×5, 1 channel, 32 out', x: [64, 28, 28, 1], filter: [5, 5, 1, 32], strides: 1, pad: 'valid' },
  { name: '3×3, 4 channels', x: [64, 26, 26, 4], filter: [3, 3, 4, 32], strides: 1, pad: 'valid' },
  { name: '3×3, 8 channels', x: [64, 26, 26, 8], filter: [3, 3, 8, 32], strides: 1, pad: 'valid' },
  { name: 'seed-cnn conv2', x: [64, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
  { name: 'seed-cnn conv3', x: [64, 5, 5, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'valid' },
  { name: 'lenet5 c3', x: [64, 14, 14, 6], filter: [5, 5, 6, 16], strides: 1, pad: 'valid' },
  { name: 'vgg block1 conv2', x: [64, 28, 28, 16], filter: [3, 3, 16, 16], strides: 1, pad: 'same' },
  { name: 'vgg block2 conv2', x: [64, 14, 14, 32], filter: [3, 3, 32, 32], strides: 1, pad: 'same' },
  { name: 'resnet block2a (s2)', x: [64, 28, 28, 16], filter: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { name: 'resnet shortcut 1×1 s2', x: [64, 28, 28, 16], filter: [1, 1, 16, 32], strides: 2, pad: 'same' },
  { name: 'mobilenet pw 1×1', x: [64, 14, 14, 16], filter: [1, 1, 16, 32], strides: 1, pad: 'same' },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`filter gradient, median of ${reps} calls each, interleaved; load ${loadAverage()}`);
for (const shape of shapes) {
  const info = tf.backend_util.computeConv2DInfo(shape.x, shape.filter, shape.strides, 1, shape.pad);
  const x = tf.randomNormal(shape.x) as tf.Tensor4D;
  const dy = tf.randomNormal(info.outShape) as tf.Tensor4D;
  const times = { xnnpack: [] as number[], direct: [] as number[] };
  let maxDiff = 0;
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    const a = filterGradientThroughXnnpack(x, dy, info);
    a.dataSync();
    times.xnnpack.push(performance.now() - t0);
    t0 = performance.now();
    const b = tf.engine().makeTensorFromTensorInfo(directFilterGradient(tf.backend(), info, x, dy));
    b.dataSync();
    times.direct.push(performance.now() - t0);
    if (r === 0) maxDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    tf.dispose([a, b]);
  }
  const [xn, di] = [median(times.xnnpack), median(times.direct)];
  console.log(
    `${shape.name.padEnd(24)} taps×in ${String(shape.filter[0] * shape.filter[1] * shape.filter[2]).padStart(3)}  xnnpack ${xn.toFixed(2).padStart(6)} ms  direct ${di.toFixed(2).padStart(6)} ms  ×${(xn / di).toFixed(2)}  max |diff| ${maxDiff.toExponential(1)}`,
  );
  tf.dispose([x, dy]);
}
const strided: Shape[] = [
  { name: 'resnet block2a 3×3 s2', x: [64, 28, 28, 16], filter: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { name: 'resnet shortcut 1×1 s2', x: [64, 28, 28, 16], filter: [1, 1, 16, 32], strides: 2, pad: 'same' },
  { name: '3×3 s2 valid, 32 → 64', x: [64, 27, 27, 32], filter: [3, 3, 32, 64], strides: 2, pad: 'valid' },
];
console.log(`strided input gradient, median of ${reps} calls each, interleaved; load ${loadAverage()}`);
for (const shape of strided) {
  const info = tf.backend_util.computeConv2DInfo(shape.x, shape.filter, shape.strides, 1, shape.pad);
  const filter = tf.randomNormal(shape.filter) as tf.Tensor4D;
  const dy = tf.randomNormal(info.outShape) as tf.Tensor4D;
  const times = { spread: [] as number[], phases: [] as number[] };
  let maxDiff = 0;
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    const a = inputGradientBySpreading(dy, filter, info);
    a.dataSync();
    times.spread.push(performance.now() - t0);
    t0 = performance.now();
    const b = tf.tidy(() => inputGradientByPhases(tf.backend(), dy, filter, info));
    b.dataSync();
    times.phases.push(performance.now() - t0);
    if (r === 0) maxDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    tf.dispose([a, b]);
  }
  const [sp, ph] = [median(times.spread), median(times.phases)];
  console.log(
    `${shape.name.padEnd(24)} spread ${sp.toFixed(2).padStart(6)} ms  phases ${ph.toFixed(2).padStart(6)} ms  ×${(sp / ph).toFixed(2)}  max |diff| ${maxDiff.toExponential(1)}`,
  );
  tf.dispose([filter, dy]);
}
console.log(`load ${loadAverage()}`);
