/**
 * ONNX export where the layout matters: ops the writer computes in NCHW, or
 * over an axis other than the channels, must give back what TensorFlow.js
 * computes in NHWC. Run in onnxruntime-node against tfjs on random inputs
 * whose height, width and channels all differ, so a missing transpose shows.
 * (Issue 19: softmax over a feature map without the transpose back to NHWC,
 * and BatchNormalization on a non-channel axis, were not reached by any test.)
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { buildModel } from '../graph/tfjs/build.js';
import { chain, type LayerStep } from '../testing/graphs.js';
import { validateGraph } from '../graph/validate.js';
import { describeModel } from '../model/modelDescription.js';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, toOnnx } from './onnx/toOnnx.js';
import { randomiseWeights } from '../testing/exportFixtures.js';

const TOLERANCE = 1e-5;

before(async () => {
  await tf.setBackend('cpu');
});

/** What onnxruntime computes for the model exported from `model`. */
async function runOnnx(model: tfl.LayersModel, x: tf.Tensor): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(toOnnx(describeModel(model)));
  try {
    const result = await session.run({ [ONNX_INPUT_NAME]: new ort.Tensor('float32', (await x.data()) as Float32Array, x.shape) });
    return { dims: result[ONNX_OUTPUT_NAME]!.dims, data: result[ONNX_OUTPUT_NAME]!.data as Float32Array };
  } finally {
    await session.release();
  }
}

function built(inputShape: number[], steps: LayerStep[]): { model: tfl.LayersModel; x: tf.Tensor } {
  const graph = chain(inputShape, steps);
  assert.deepEqual(validateGraph(graph).problems, []);
  const model = buildModel(graph, { seed: 3 });
  randomiseWeights(model, 5);
  return { model, x: tf.randomUniform([3, ...inputShape], -1, 1, 'float32', 9) };
}

const largestDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

/** Largest |tfjs − onnxruntime| over a batch of 3 random inputs. */
async function onnxVersusTfjs(inputShape: number[], steps: LayerStep[]): Promise<number> {
  const { model, x } = built(inputShape, steps);
  const y = model.predict(x) as tf.Tensor;
  try {
    const onnx = await runOnnx(model, x);
    assert.deepEqual(onnx.dims, y.shape, 'same output shape');
    return largestDifference((await y.data()) as Float32Array, onnx.data);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/**
 * Largest |formula − onnxruntime| for one BatchNormalization over `axis`, the
 * formula written out with broadcasting tf ops. Not against the tfjs layer:
 * tfjs 4.22's cpu and wasm BatchNorm kernels take the statistics along the
 * last axis whatever the layer's axis (the report of issue 19 has the figures).
 */
async function batchNormVersusFormula(inputShape: number[], axis: number, afterConvolution = false): Promise<number> {
  const convolution: LayerStep[] = afterConvolution ? [{ id: 'conv', type: 'Conv2D', params: { filters: inputShape.at(-1)!, kernel_size: 1 } }] : [];
  const { model, x: input } = built(inputShape, [...convolution, { id: 'bn', type: 'BatchNormalization', params: { axis } }]);
  // What reaches the normalisation: the input, or the convolution's output (which the ONNX graph holds as NCHW).
  const x = afterConvolution ? (tfl.model({ inputs: model.inputs, outputs: model.getLayer('conv').output as tfl.SymbolicTensor }).predict(input) as tf.Tensor) : input;
  const [gamma, beta, mean, variance] = model.getLayer('bn').getWeights();
  const epsilon = Number(model.getLayer('bn').getConfig()['epsilon']);
  const along = inputShape.map((d, i) => (i + 1 === axis ? d : 1));
  const expected = tf.tidy(() => {
    const r = (t: tf.Tensor) => tf.reshape(t, [1, ...along]);
    return tf.add(tf.mul(tf.div(tf.sub(x, r(mean!)), tf.sqrt(tf.add(r(variance!), epsilon))), r(gamma!)), r(beta!));
  });
  try {
    const onnx = await runOnnx(model, input);
    assert.deepEqual(onnx.dims, expected.shape);
    return largestDifference((await expected.data()) as Float32Array, onnx.data);
  } finally {
    tf.dispose([input, x, expected]);
    model.dispose();
  }
}

test('softmax over a feature map (after a convolution, an NCHW op) is taken over the channels and comes back NHWC', async () => {
  const difference = await onnxVersusTfjs([5, 4, 2], [
    { type: 'Conv2D', params: { filters: 3, kernel_size: 1 } },
    { type: 'Activation', params: { activation: 'softmax' } },
  ]);
  assert.ok(difference <= TOLERANCE, `ONNX differs from tfjs by ${difference}`);
});

test('softmax over a feature map, then flattened and classified', async () => {
  const difference = await onnxVersusTfjs([5, 4, 2], [
    { type: 'Conv2D', params: { filters: 3, kernel_size: 3, padding: 'same' } },
    { type: 'Activation', params: { activation: 'softmax' } },
    { type: 'Flatten' },
    { type: 'Dense', params: { units: 4, activation: 'softmax' } },
  ]);
  assert.ok(difference <= TOLERANCE, `ONNX differs from tfjs by ${difference}`);
});

for (const axis of [1, 2]) {
  test(`BatchNormalization over axis ${axis} (not the channels) of a feature map`, async () => {
    const difference = Math.max(await batchNormVersusFormula([5, 4, 2], axis), await batchNormVersusFormula([5, 4, 2], axis, true));
    assert.ok(difference <= TOLERANCE, `ONNX differs from the formula by ${difference}`);
  });
}

test('BatchNormalization over the rows of a [rows, features] value, and over the features (the ONNX operator itself)', async () => {
  assert.ok((await batchNormVersusFormula([3, 4], 1)) <= TOLERANCE);
  assert.ok((await onnxVersusTfjs([6], [{ type: 'BatchNormalization', params: {} }])) <= TOLERANCE);
  assert.ok((await onnxVersusTfjs([5, 4, 2], [{ type: 'BatchNormalization', params: {} }])) <= TOLERANCE);
});
