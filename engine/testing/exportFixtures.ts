/**
 * Test helpers of the export module: graphs that together use every layer
 * type of the catalogue, trained-looking weights for untrained models, real
 * Fashion-MNIST images as PNG folders, and running Debian's Python.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FASHION_MNIST_CLASS_NAMES, readFashionMnist, type FashionMnist } from '../data/fashionMnist.js';
import { writeImageFolders } from '../data/writeImageFolders.js';
import { chain, edge, node } from './graphs.js';
import type { Graph } from '../graph/schema.js';

export const PYTHON = '/usr/bin/python3';

export async function runPython(script: string, cwd?: string): Promise<string> {
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], { cwd, maxBuffer: 64 * 2 ** 20 });
  return stdout;
}

/**
 * Moves every weight away from its initial value (biases are zeros, moving
 * variances ones at first) so a layout or ordering mistake cannot hide
 * behind a symmetric value; BatchNormalization statistics stay plausible.
 */
export function randomiseWeights(model: tfl.LayersModel, seed = 1): void {
  let n = seed;
  for (const layer of model.layers) {
    const values = layer.weights.map((w) => {
      const name = w.originalName.split('/').at(-1)!;
      const shape = w.shape as number[];
      const random = (low: number, high: number) => tf.randomUniform(shape, low, high, 'float32', n++);
      if (name === 'moving_variance') return random(0.5, 1.5);
      if (name === 'moving_mean' || name === 'beta' || name === 'bias') return random(-0.2, 0.2);
      if (name === 'gamma') return random(0.8, 1.2);
      return tf.tidy(() => tf.add(w.read(), random(-0.05, 0.05)));
    });
    if (values.length) layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Graphs that between them use every layer type and the options that change how layers compute. */
export function everyLayerGraphs(): { name: string; graph: Graph }[] {
  const convolutions = chain([12, 12, 3], [
    { type: 'Conv2D', params: { filters: 4, kernel_size: 3, strides: 2, padding: 'same', activation: 'leaky_relu' } },
    { type: 'DepthwiseConv2D', params: { kernel_size: 3, depth_multiplier: 2, padding: 'same', activation: 'swish' } },
    { type: 'SeparableConv2D', params: { filters: 5, kernel_size: 3, dilation_rate: 2, padding: 'same', activation: 'gelu' } },
    { type: 'BatchNormalization', params: {} },
    { type: 'Conv2DTranspose', params: { filters: 3, kernel_size: 3, strides: 2, padding: 'same', activation: 'selu' } },
    { type: 'Conv2DTranspose', params: { filters: 2, kernel_size: 2, strides: 3, use_bias: false } },
    { type: 'Conv2D', params: { filters: 3, kernel_size: [2, 3], strides: [2, 1], dilation_rate: 1, activation: 'silu' } },
    { type: 'Activation', params: { activation: 'relu6' } },
    { type: 'GlobalMaxPooling2D' },
    { type: 'Dense', params: { units: 4, activation: 'softmax' } },
  ]);
  const reshaping = chain([10, 9, 2], [
    { type: 'ZeroPadding2D', params: { padding: [1, 2, 0, 1] } },
    { type: 'Cropping2D', params: { cropping: [1, 0, 2, 1] } },
    { type: 'UpSampling2D', params: { size: [2, 1], interpolation: 'nearest' } },
    { type: 'MaxPooling2D', params: { pool_size: 3, strides: 2, padding: 'same' } },
    { type: 'AveragePooling2D', params: { pool_size: 3, strides: 2, padding: 'same' } },
    { type: 'LayerNormalization', params: {} },
    { type: 'Rescaling', params: { scale: 2, offset: -0.5 } },
    { type: 'SpatialDropout2D', params: { rate: 0.3 } },
    { type: 'Activation', params: { activation: 'elu' } },
    { type: 'AveragePooling2D', params: { pool_size: 2 } },
    { type: 'Activation', params: { activation: 'leaky_relu', negative_slope: 0.1 } },
    { type: 'Reshape', params: { target_shape: [-1, 2] } },
    { type: 'Flatten' },
    { type: 'Dense', params: { units: 6, activation: 'tanh' } },
    { type: 'Dropout', params: { rate: 0.5 } },
    { type: 'Activation', params: { activation: 'sigmoid' } },
    { type: 'Dense', params: { units: 3, activation: 'selu' } },
    { type: 'Activation', params: { activation: 'linear' } },
  ]);
  const bilinear = chain([6, 5, 2], [
    { type: 'UpSampling2D', params: { size: [2, 3], interpolation: 'bilinear' } },
    { type: 'Conv2D', params: { filters: 2, kernel_size: 3, activation: 'relu' } },
    { type: 'Flatten' },
    { type: 'Dense', params: { units: 3, activation: 'softmax' } },
  ]);
  // Branches: Add, Multiply, Concatenate on channels and on height; Dense on an image (per pixel).
  const merges: Graph = {
    nodes: [
      node('input', 'Input', { shape: [8, 8, 3] }, 0),
      node('a', 'Conv2D', { filters: 4, kernel_size: 3, padding: 'same', activation: 'relu' }, 1),
      node('b', 'Conv2D', { filters: 4, kernel_size: 1 }, 1),
      node('sum', 'Add', {}, 2),
      node('gate', 'Activation', { activation: 'sigmoid' }, 2),
      node('gated', 'Multiply', {}, 3),
      node('channels', 'Concatenate', { axis: -1 }, 4),
      node('rows', 'Concatenate', { axis: 1 }, 5),
      node('pixels', 'Dense', { units: 3, activation: 'relu' }, 6),
      node('pool', 'GlobalAveragePooling2D', {}, 7),
      node('head', 'Dense', { units: 3, activation: 'softmax' }, 8),
      node('output', 'Output', {}, 9),
    ],
    edges: [
      edge('input', 'a'),
      edge('input', 'b'),
      edge('a', 'sum', 0),
      edge('b', 'sum', 1),
      edge('b', 'gate'),
      edge('sum', 'gated', 0),
      edge('gate', 'gated', 1),
      edge('gated', 'channels', 0),
      edge('a', 'channels', 1),
      edge('channels', 'rows', 0),
      edge('channels', 'rows', 1),
      edge('rows', 'pixels'),
      edge('pixels', 'pool'),
      edge('pool', 'head'),
      edge('head', 'output'),
    ],
  };
  return [
    { name: 'convolutions', graph: convolutions },
    { name: 'reshaping', graph: reshaping },
    { name: 'bilinear', graph: bilinear },
    { name: 'merges', graph: merges },
  ];
}

let fashion: Promise<FashionMnist> | null = null;

/** The real Fashion-MNIST files (Debian's dataset-fashion-mnist), read once per test process. */
export function fashionMnist(): Promise<FashionMnist> {
  return (fashion ??= readFashionMnist());
}

/**
 * Real Fashion-MNIST images as PNG class folders: `perClass` images of each
 * chosen class (by index), from the train or test split, starting `skip`
 * images into each class.
 */
export async function writeFashionFolder(
  outDir: string,
  options: { classes: number[]; perClass: number; split: 'train' | 'test'; skip?: number },
): Promise<string> {
  const data = (await fashionMnist())[options.split];
  const per = data.height * data.width;
  const taken = new Map<number, number>();
  const picked: number[] = [];
  for (let i = 0; i < data.count; i++) {
    const label = data.labels[i]!;
    if (!options.classes.includes(label)) continue;
    const seen = taken.get(label) ?? 0;
    taken.set(label, seen + 1);
    if (seen >= (options.skip ?? 0) && seen < (options.skip ?? 0) + options.perClass) picked.push(i);
  }
  const images = new Uint8Array(picked.length * per);
  const labels = new Int32Array(picked.length);
  picked.forEach((index, j) => {
    images.set(data.images.subarray(index * per, (index + 1) * per), j * per);
    labels[j] = data.labels[index]!;
  });
  await writeImageFolders({
    outDir,
    classNames: FASHION_MNIST_CLASS_NAMES,
    splits: { [options.split]: { count: picked.length, height: data.height, width: data.width, channels: 1, images, labels } },
    source: { what: 'fashion-mnist subset', classes: options.classes.join(','), perClass: options.perClass, skip: options.skip ?? 0 },
  });
  return `${outDir}/${options.split}`;
}
