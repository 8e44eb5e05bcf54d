/**
 * WebGPU computes what the cpu backend computes: a network holding every
 * layer type of the catalogue gives the same output and the same gradients
 * (for the input and every weight), and one Adam step of every template
 * leaves the same weights. Runs on whatever adapter WebGPU finds; here that
 * is SwiftShader (software Vulkan, see engine/testing/swiftshader.ts), so the
 * shapes are small. Skips, saying why, where no adapter exists.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { webgpuSkipReason } from '../testing/swiftshader.js';
import { buildModel } from '../graph/tfjs/build.js';
import { edge, node } from '../testing/graphs.js';
import { layerTypes } from '../graph/layers/index.js';
import type { Graph } from '../graph/schema.js';
import { createProject, listTemplates } from '../graph/templates.js';
import { selectBackend } from './select.js';
import { seededValues } from '../testing/seededValues.js';

const skip = await webgpuSkipReason();

/** Every catalogue layer on one path or another from the input to the output, on a 6×6×2 input. */
function everyLayerGraph(): Graph {
  const nodes = [
    node('input', 'Input', { shape: [6, 6, 2] }),
    node('rescale', 'Rescaling', { scale: 0.5, offset: 0.1 }),
    node('conv', 'Conv2D', { filters: 4, kernel_size: 3, padding: 'same', activation: 'relu' }),
    node('dw', 'DepthwiseConv2D', { kernel_size: 3, padding: 'same', activation: 'elu' }),
    node('sep', 'SeparableConv2D', { filters: 4, kernel_size: 3, padding: 'same' }),
    node('maxpool', 'MaxPooling2D', { pool_size: 2 }),
    node('deconv', 'Conv2DTranspose', { filters: 4, kernel_size: 3, strides: 2, padding: 'same', activation: 'sigmoid' }),
    node('bn', 'BatchNormalization', {}),
    node('avgpool', 'AveragePooling2D', { pool_size: 2 }),
    node('up', 'UpSampling2D', { size: 2 }),
    node('pad', 'ZeroPadding2D', { padding: 1 }),
    node('crop', 'Cropping2D', { cropping: 1 }),
    node('add', 'Add', {}),
    node('mul', 'Multiply', {}),
    node('cat', 'Concatenate', {}),
    node('ln', 'LayerNormalization', {}),
    node('sdrop', 'SpatialDropout2D', { rate: 0.25 }),
    node('act', 'Activation', { activation: 'tanh' }),
    node('gap', 'GlobalAveragePooling2D', {}),
    node('gmp', 'GlobalMaxPooling2D', {}),
    node('flat', 'Flatten', {}),
    node('dense1', 'Dense', { units: 8, activation: 'relu' }),
    node('cat2', 'Concatenate', {}),
    node('reshape', 'Reshape', { target_shape: [2, 12] }),
    node('flat2', 'Flatten', {}),
    node('drop', 'Dropout', { rate: 0.25 }),
    node('dense2', 'Dense', { units: 3, activation: 'softmax' }),
    node('output', 'Output', {}),
  ];
  const links: Array<[string, string, number?]> = [
    ['input', 'rescale'], ['rescale', 'conv'],
    ['conv', 'dw'], ['dw', 'sep'], ['sep', 'maxpool'], ['maxpool', 'deconv'],
    ['conv', 'bn'], ['bn', 'avgpool'], ['avgpool', 'up'], ['up', 'pad'], ['pad', 'crop'],
    ['deconv', 'add', 0], ['crop', 'add', 1],
    ['add', 'mul', 0], ['conv', 'mul', 1],
    ['mul', 'cat', 0], ['conv', 'cat', 1],
    ['cat', 'ln'], ['ln', 'sdrop'], ['sdrop', 'act'],
    ['act', 'gap'], ['act', 'gmp'], ['act', 'flat'], ['flat', 'dense1'],
    ['gap', 'cat2', 0], ['gmp', 'cat2', 1], ['dense1', 'cat2', 2],
    ['cat2', 'reshape'], ['reshape', 'flat2'], ['flat2', 'drop'], ['drop', 'dense2'], ['dense2', 'output'],
  ];
  return { nodes, edges: links.map(([s, t, port]) => edge(s, t, port)) };
}

/**
 * Runs body with a repeatable Math.random until it settles: tfjs draws
 * unseeded dropout masks from it, so both backends get the same masks.
 */
async function withRandomSeed<T>(seed: number, body: () => T | Promise<T>): Promise<T> {
  const original = Math.random;
  let state = seed;
  Math.random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  try {
    return await body();
  } finally {
    Math.random = original;
  }
}

interface Pass {
  output: Float32Array;
  gradients: Map<string, Float32Array>;
}

/**
 * Output and gradients (for the input and each trainable weight, by layer
 * name) of one training-mode pass. Read with data(), never dataSync():
 * tfjs-backend-webgpu reads synchronously only through a canvas, which Node lacks.
 */
async function forwardBackward(model: tfl.LayersModel, x: tf.Tensor, labels: tf.Tensor): Promise<Pass> {
  const weights = model.trainableWeights;
  const variables = weights.map((w) => w.read() as tf.Variable);
  const lossOf = (input: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, tf.log(tf.add(model.apply(input, { training: true }) as tf.Tensor, 1e-7)));
  const { output, grads, inputGrad } = await withRandomSeed(5, () =>
    tf.tidy(() => ({
      output: model.apply(x, { training: true }) as tf.Tensor,
      grads: tf.variableGrads(() => lossOf(x) as tf.Scalar, variables).grads,
      inputGrad: tf.grad((input: tf.Tensor) => lossOf(input))(x),
    })),
  );
  const gradients = new Map<string, Float32Array>();
  for (const [i, w] of weights.entries()) gradients.set(w.originalName, (await grads[variables[i]!.name]!.data()) as Float32Array);
  gradients.set('input', (await inputGrad.data()) as Float32Array);
  const pass = { output: (await output.data()) as Float32Array, gradients };
  tf.dispose([output, inputGrad, ...Object.values(grads)]);
  return pass;
}

/** The largest difference relative to the largest value: tolerant of summation order, strict about wrong kernels. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 1e-6;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / scale;
}

async function passOn(backend: 'cpu' | 'webgpu', graph: Graph, weights: tf.Tensor[] | null): Promise<{ pass: Pass; weights: tf.Tensor[] }> {
  await selectBackend(backend);
  const model = buildModel(graph, { seed: 3 });
  if (weights) model.setWeights(weights);
  const x = tf.tensor(seededValues(4 * 6 * 6 * 2, 9), [4, 6, 6, 2]);
  const labels = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3);
  const pass = await forwardBackward(model, x, labels);
  // Weights travel between backends as plain values.
  const kept = await Promise.all(model.getWeights().map(async (w) => tf.tensor(await w.data(), w.shape)));
  tf.dispose([x, labels]);
  model.dispose();
  return { pass, weights: kept };
}

test('every catalogue layer: forward and backward on webgpu match cpu', { skip }, async () => {
  const graph = everyLayerGraph();
  const covered = new Set(graph.nodes.map((n) => n.type));
  assert.deepEqual(layerTypes().filter((type) => !covered.has(type)), [], 'a catalogue layer type is missing from this test');

  const cpu = await passOn('cpu', graph, null);
  const values = await Promise.all(cpu.weights.map(async (w) => ({ shape: w.shape, data: await w.data() })));
  tf.dispose(cpu.weights);
  await selectBackend('webgpu');
  const start = values.map((w) => tf.tensor(w.data, w.shape));
  const gpu = await passOn('webgpu', graph, start);
  tf.dispose([...start, ...gpu.weights]);

  assert.ok(relativeError(gpu.pass.output, cpu.pass.output) < 1e-3, `outputs differ by ${relativeError(gpu.pass.output, cpu.pass.output)}`);
  assert.equal(gpu.pass.gradients.size, cpu.pass.gradients.size);
  const differences = [...cpu.pass.gradients].map(([name, expected]) => [name, relativeError(gpu.pass.gradients.get(name)!, expected)] as const);
  const wrong = differences.filter(([, e]) => !(e < 2e-3));
  assert.deepEqual(wrong, [], `gradients that differ: ${wrong.map(([n, e]) => `${n} ${e.toExponential(2)}`).join(', ')}`);
});

const LEARNING_RATE = 0.001;

/** Weights after one Adam step from the same start, images and labels. */
async function adamStep(backend: 'cpu' | 'webgpu', template: string, start: { shape: number[]; data: Float32Array }[] | null) {
  await selectBackend(backend);
  const graph = createProject(template).graph;
  const model = buildModel(graph, { seed: 1 });
  if (start) {
    const tensors = start.map((w) => tf.tensor(w.data, w.shape));
    model.setWeights(tensors);
    tf.dispose(tensors);
  }
  const initial = await Promise.all(model.getWeights().map(async (w) => ({ shape: w.shape, data: (await w.data()) as Float32Array })));
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'sparseCategoricalCrossentropy' });
  const [height, width, channels] = (graph.nodes.find((n) => n.type === 'Input')!.params.shape as number[]);
  const x = tf.tensor(seededValues(2 * height! * width! * channels!, 4), [2, height!, width!, channels!]);
  const y = tf.tensor1d([3, 7], 'float32');
  const lossValue = (await withRandomSeed(2, () => model.trainOnBatch(x, y))) as number;
  const after = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  tf.dispose([x, y]);
  model.optimizer.dispose();
  model.dispose();
  return { initial, after, loss: lossValue };
}

for (const { name } of listTemplates()) {
  test(`one Adam step of ${name} on webgpu matches cpu`, { skip }, async () => {
    const cpu = await adamStep('cpu', name, null);
    const gpu = await adamStep('webgpu', name, cpu.initial);
    assert.ok(Math.abs(gpu.loss - cpu.loss) < 1e-3 * Math.max(1, cpu.loss), `loss: webgpu ${gpu.loss}, cpu ${cpu.loss}`);
    // Adam's first step moves each weight by about ±learning rate whatever the gradient's size,
    // so a gradient within rounding of zero may move either way: allow that for a few weights only.
    let far = 0;
    let total = 0;
    cpu.after.forEach((expected, i) => {
      const actual = gpu.after[i]!;
      for (let j = 0; j < expected.length; j++) {
        const d = Math.abs(actual[j]! - expected[j]!);
        assert.ok(d <= 2 * LEARNING_RATE + 1e-5, `weight ${i}[${j}]: webgpu ${actual[j]}, cpu ${expected[j]}`);
        if (d > 0.05 * LEARNING_RATE + 1e-6) far++;
      }
      total += expected.length;
    });
    assert.ok(far <= 0.005 * total, `${far} of ${total} weights moved differently`);
  });
}
