/**
 * Test helpers of the insight module: a template network trained briefly on
 * real Fashion-MNIST images (Debian's dataset-fashion-mnist) and saved as a
 * model folder the way a run saves it, and real test images as PNG files.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FASHION_MNIST_CLASS_NAMES } from '../data/fashionMnist.js';
import { encodePng } from '../insight/images.js';
import { fashionMnist } from './exportFixtures.js';
import { buildModel } from '../graph/tfjs/build.js';
import { createProject } from '../graph/templates.js';
import { saveModelFolder } from '../model/modelFiles.js';

/** What a run records for Fashion-MNIST-shaped models: predict and explain read it back. */
export const FASHION_METADATA = {
  classNames: [...FASHION_MNIST_CLASS_NAMES],
  inputShape: [28, 28, 1],
  preprocessing: { resize: 'stretch', channels: 1, scale: '[0,1]' },
};

/** Trains template `name` for one pass over `count` real training images (batch 32, Adam) and saves it under dir. */
export async function trainedTemplate(name: string, dir: string, count = 512, seed = 3): Promise<{ model: tfl.LayersModel; modelDir: string }> {
  const { train } = await fashionMnist();
  const model = buildModel(createProject(name).graph, { seed });
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });
  const pixels = Float32Array.from(train.images.subarray(0, count * 784), (v) => v / 255);
  const x = tf.tensor4d(pixels, [count, 28, 28, 1]);
  const y = tf.tensor1d(Array.from(train.labels.subarray(0, count)), 'float32');
  await model.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  const modelDir = join(dir, `${name}-model`);
  await saveModelFolder(model, modelDir, FASHION_METADATA);
  return { model, modelDir };
}

/** The first `count` real test images, a mix of classes, as PNG files under dir; with their labels. */
export async function testImagePngs(dir: string, count: number, skip = 0): Promise<{ paths: string[]; labels: number[] }> {
  const { test } = await fashionMnist();
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const labels: number[] = [];
  for (let i = skip; i < skip + count; i++) {
    const path = join(dir, `test-${i}-${FASHION_MNIST_CLASS_NAMES[test.labels[i]!]}.png`);
    await writeFile(path, await encodePng(test.images.subarray(i * 784, (i + 1) * 784), 28, 28, 1));
    paths.push(path);
    labels.push(test.labels[i]!);
  }
  return { paths, labels };
}
