/**
 * The exported networks compute what the studio computes: ONNX (run with
 * onnxruntime-node) and the generated PyTorch module (run with Debian's
 * python3-torch) against TensorFlow.js, for every template on real
 * Fashion-MNIST images and for graphs that together use every layer type.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { readTorchOutput, RUN_TORCH_MODEL_PY, writeTorchModel } from '../testing/torchModels.js';
import { buildModel } from '../graph/tfjs/build.js';
import { layerTypes } from '../graph/layers/index.js';
import { createProject, listTemplates } from '../graph/templates.js';
import type { Graph } from '../graph/schema.js';
import { maxDifference } from './exportModel.js';
import { describeModel } from '../model/modelDescription.js';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, toOnnx } from './onnx/toOnnx.js';
import { toPytorch } from './python/toPytorch.js';
import { everyLayerGraphs, fashionMnist, randomiseWeights, runPython } from '../testing/exportFixtures.js';

const TOLERANCE = 1e-4;

interface Case {
  name: string;
  graph: Graph;
  /** NHWC input and the TensorFlow.js output. */
  x: tf.Tensor;
  expected: Float32Array;
  description: ReturnType<typeof describeModel>;
}

const cases: Case[] = [];
let temp: { dir: string; remove: () => Promise<void> };

/** Eight real test images of different classes, as the studio feeds them: [0, 1] floats. */
async function realImages(): Promise<tf.Tensor4D> {
  const { test } = await fashionMnist();
  const picked: number[] = [];
  for (let i = 0; picked.length < 8; i++) if (!picked.some((j) => test.labels[j] === test.labels[i])) picked.push(i);
  const pixels = new Float32Array(8 * 28 * 28);
  picked.forEach((index, j) => {
    for (let p = 0; p < 784; p++) pixels[j * 784 + p] = test.images[index * 784 + p]! / 255;
  });
  return tf.tensor4d(pixels, [8, 28, 28, 1]);
}

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('parity-');
  const images = await realImages();
  const graphs = [
    ...listTemplates().map((t) => ({ name: `template ${t.name}`, graph: createProject(t.name).graph })),
    ...everyLayerGraphs().map((g) => ({ name: `layers: ${g.name}`, graph: g.graph })),
  ];
  for (const [i, { name, graph }] of graphs.entries()) {
    const model = buildModel(graph, { seed: 7 + i });
    randomiseWeights(model, 100 * i);
    const inputShape = (model.inputs[0]!.shape as number[]).slice(1);
    // Templates for 28×28 grey images see real ones; the RGB ImageNet template is checked on real images in pretrained/.
    const real = name.startsWith('template') && inputShape.join() === '28,28,1';
    const x = real ? images.clone() : tf.randomUniform([3, ...inputShape], 0, 1, 'float32', i);
    const expected = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
    cases.push({ name, graph, x, expected, description: describeModel(model) });
    model.dispose();
  }
  images.dispose();
});

after(async () => {
  for (const c of cases) c.x.dispose();
  await temp.remove();
});

describe('export parity', () => {
  test('the parity graphs use every layer type of the catalogue', () => {
    const used = new Set(everyLayerGraphs().flatMap((g) => g.graph.nodes.map((n) => n.type)));
    assert.deepEqual(layerTypes().filter((t) => !used.has(t)), []);
  });

  test('ONNX outputs equal TensorFlow.js outputs within 1e-4 (onnxruntime-node)', async () => {
    const figures: string[] = [];
    for (const c of cases) {
      const session = await ort.InferenceSession.create(toOnnx(c.description));
      const input = new ort.Tensor('float32', (await c.x.data()) as Float32Array, c.x.shape);
      const output = (await session.run({ [ONNX_INPUT_NAME]: input }))[ONNX_OUTPUT_NAME]!;
      await session.release();
      assert.deepEqual(output.dims.slice(1), c.description.outputShape, `${c.name}: output shape`);
      const difference = maxDifference(c.expected, output.data as Float32Array);
      figures.push(`${c.name}: ${difference.toExponential(2)}`);
      assert.ok(difference <= TOLERANCE, `${c.name}: ONNX differs from tfjs by ${difference}`);
    }
    console.log(`ONNX max |Δ| per model: ${figures.join('; ')}`);
  });

  test('the PyTorch module outputs equal TensorFlow.js outputs within 1e-4 (python3-torch)', async () => {
    for (const [i, c] of cases.entries()) {
      await writeTorchModel(join(temp.dir, `model${i}`), toPytorch(c.description, { description: c.name }), c.description, c.x);
    }
    // One Python process for every model: torch takes seconds to import.
    await runPython(`
import importlib.util, os, sys, torch
${RUN_TORCH_MODEL_PY}
for i in range(${cases.length}):
    run_model(os.path.join(${JSON.stringify(temp.dir)}, f"model{i}"), f"model{i}")
`);
    const figures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const y = await readTorchOutput(join(temp.dir, `model${i}`));
      const difference = maxDifference(c.expected, y);
      figures.push(`${c.name}: ${difference.toExponential(2)}`);
      assert.ok(difference <= TOLERANCE, `${c.name}: PyTorch differs from tfjs by ${difference}`);
    }
    console.log(`PyTorch max |Δ| per model: ${figures.join('; ')}`);
  });
});
