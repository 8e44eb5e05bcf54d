/**
 * Small graphs for the ONNX and PyTorch writer tests (onnxWriter.test.ts,
 * pytorchWriter.test.ts): one graph per way a layer can compute, each small
 * enough that building it, running it in TensorFlow.js and in the exported
 * form costs milliseconds. Inputs have height, width and channels that all
 * differ (5 × 4 × 2), so a missing transpose or a swapped axis shows; 'same'
 * windows are chosen so TensorFlow pads one side more than the other.
 *
 * `exportsTo` names the writers that must reproduce tfjs; a graph a writer
 * refuses is listed in the writer's own test with the error it gives.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isStudioError } from '../errors.js';
import { buildModel } from '../graph/tfjs/build.js';
import type { Graph } from '../graph/schema.js';
import { validateGraph } from '../graph/validate.js';
import { describeModel, type ModelDescription } from '../model/modelDescription.js';
import { chain, edge, node, type LayerStep } from './graphs.js';
import { randomiseWeights } from './exportFixtures.js';

export interface WriterCase {
  name: string;
  graph: Graph;
  exportsTo: ('onnx' | 'pytorch')[];
}

const BOTH: WriterCase['exportsTo'] = ['onnx', 'pytorch'];
const IMAGE = [5, 4, 2];

function steps(name: string, inputShape: number[], layerSteps: LayerStep[], exportsTo = BOTH): WriterCase {
  return { name, graph: chain(inputShape, layerSteps), exportsTo };
}

/** Every layer type, option and activation the writers translate differently. */
export function writerCases(): WriterCase[] {
  const activations = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'swish', 'silu', 'gelu', 'leaky_relu'];
  return [
    // Convolutions: valid, 'same' with the odd pixel after, symmetric 'same', strides and dilations per axis.
    steps('Conv2D valid, relu', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 3, activation: 'relu' } }]),
    steps('Conv2D same, stride 2 (one more pixel right than left)', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 3, strides: 2, padding: 'same', activation: 'elu' } }]),
    steps('Conv2D same, stride 2 (one more pixel below than above)', [4, 5, 2], [{ type: 'Conv2D', params: { filters: 2, kernel_size: 3, strides: 2, padding: 'same' } }]),
    steps('Conv2D same, kernel [2, 3], dilation 2 (symmetric padding 1 and 2), no bias', IMAGE, [
      { type: 'Conv2D', params: { filters: 3, kernel_size: [2, 3], dilation_rate: 2, padding: 'same', use_bias: false, activation: 'selu' } },
    ]),
    steps('Conv2D same, kernel 2 (padding after only)', IMAGE, [{ type: 'Conv2D', params: { filters: 2, kernel_size: 2, padding: 'same', activation: 'sigmoid' } }]),
    steps('Conv2D valid, kernel [2, 3], strides [2, 1]', [7, 6, 2], [{ type: 'Conv2D', params: { filters: 3, kernel_size: [2, 3], strides: [2, 1], activation: 'tanh' } }]),
    steps('Conv2D valid, dilation [1, 2]', [6, 7, 2], [{ type: 'Conv2D', params: { filters: 2, kernel_size: 3, dilation_rate: [1, 2] } }]),
    steps('DepthwiseConv2D same, stride 2, multiplier 2', IMAGE, [{ type: 'DepthwiseConv2D', params: { kernel_size: 3, strides: 2, depth_multiplier: 2, padding: 'same', activation: 'swish' } }]),
    steps('DepthwiseConv2D valid, kernel [3, 2], no bias', IMAGE, [{ type: 'DepthwiseConv2D', params: { kernel_size: [3, 2], use_bias: false, activation: 'relu6' } }]),
    steps('SeparableConv2D same, dilation 2', IMAGE, [{ type: 'SeparableConv2D', params: { filters: 3, kernel_size: 3, dilation_rate: 2, padding: 'same', activation: 'gelu' } }]),
    steps('SeparableConv2D valid, stride 2, multiplier 2, no bias', [6, 5, 2], [
      { type: 'SeparableConv2D', params: { filters: 4, kernel_size: 2, strides: 2, depth_multiplier: 2, use_bias: false, activation: 'relu' } },
    ]),
    steps('SeparableConv2D same, kernel 2 (padding after only)', IMAGE, [{ type: 'SeparableConv2D', params: { filters: 2, kernel_size: 2, padding: 'same' } }]),
    // Transposed convolutions: TensorFlow crops the odd pixel from the end.
    steps('Conv2DTranspose same, kernel 3, stride 2 (crop the last row and column)', IMAGE, [
      { type: 'Conv2DTranspose', params: { filters: 3, kernel_size: 3, strides: 2, padding: 'same', activation: 'relu' } },
    ]),
    steps('Conv2DTranspose same, kernel 4, stride 2 (crop one each side)', IMAGE, [{ type: 'Conv2DTranspose', params: { filters: 2, kernel_size: 4, strides: 2, padding: 'same' } }]),
    steps('Conv2DTranspose same, kernel [2, 4], strides [2, 1] (crop only the width)', IMAGE, [
      { type: 'Conv2DTranspose', params: { filters: 2, kernel_size: [2, 4], strides: [2, 1], padding: 'same', use_bias: false } },
    ]),
    steps('Conv2DTranspose same, kernel [4, 2], strides [1, 2] (crop only the height)', IMAGE, [
      { type: 'Conv2DTranspose', params: { filters: 2, kernel_size: [4, 2], strides: [1, 2], padding: 'same' } },
    ]),
    steps('Conv2DTranspose valid, kernel 2, stride 3 (extra rows), no bias', IMAGE, [{ type: 'Conv2DTranspose', params: { filters: 2, kernel_size: 2, strides: 3, use_bias: false } }]),
    steps('Conv2DTranspose valid, kernel 3, stride 1', IMAGE, [{ type: 'Conv2DTranspose', params: { filters: 2, kernel_size: 3, activation: 'tanh' } }]),
    // Pooling.
    steps('MaxPooling2D 2 (valid)', IMAGE, [{ type: 'MaxPooling2D', params: { pool_size: 2 } }]),
    steps('MaxPooling2D 3, stride 2, same', IMAGE, [{ type: 'MaxPooling2D', params: { pool_size: 3, strides: 2, padding: 'same' } }]),
    steps('MaxPooling2D [2, 3], stride 1, same (negative inputs at the border)', IMAGE, [{ type: 'MaxPooling2D', params: { pool_size: [2, 3], strides: 1, padding: 'same' } }]),
    steps('AveragePooling2D [2, 3], stride 1, valid', IMAGE, [{ type: 'AveragePooling2D', params: { pool_size: [2, 3], strides: 1 } }]),
    steps('AveragePooling2D 3, stride 2, same (counts real pixels only)', IMAGE, [{ type: 'AveragePooling2D', params: { pool_size: 3, strides: 2, padding: 'same' } }]),
    steps('GlobalAveragePooling2D after a convolution', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 1 } }, { type: 'GlobalAveragePooling2D' }]),
    steps('GlobalMaxPooling2D on the input', IMAGE, [{ type: 'GlobalMaxPooling2D' }, { type: 'Dense', params: { units: 3, activation: 'softmax' } }]),
    // Normalisation.
    steps('BatchNormalization on the channels after a convolution', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 1 } }, { type: 'BatchNormalization', params: { epsilon: 0.01 } }]),
    steps('BatchNormalization on the input, without scale and center', IMAGE, [{ type: 'BatchNormalization', params: { scale: false, center: false, momentum: 0.9 } }]),
    steps('BatchNormalization on the input, without scale', IMAGE, [{ type: 'BatchNormalization', params: { scale: false } }]),
    steps('BatchNormalization on the input, without center', IMAGE, [{ type: 'BatchNormalization', params: { center: false } }]),
    steps('BatchNormalization of a vector', [6], [{ type: 'Dense', params: { units: 5 } }, { type: 'BatchNormalization', params: {} }]),
    steps('BatchNormalization of a vector, without scale and center', [6], [{ type: 'BatchNormalization', params: { scale: false, center: false } }]),
    steps('LayerNormalization on the channels after a convolution', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 1 } }, { type: 'LayerNormalization', params: { epsilon: 0.01 } }]),
    steps('LayerNormalization of a vector, without scale and center', [6], [{ type: 'LayerNormalization', params: { scale: false, center: false } }]),
    steps('LayerNormalization of a vector, without scale', [6], [{ type: 'LayerNormalization', params: { scale: false } }]),
    steps('LayerNormalization of a vector, without center', [6], [{ type: 'LayerNormalization', params: { center: false } }]),
    steps('LayerNormalization over the last axis of [rows, features]', [3, 4], [{ type: 'LayerNormalization', params: {} }]),
    steps('Rescaling with scale and offset', IMAGE, [{ type: 'Rescaling', params: { scale: 2, offset: -0.5 } }]),
    steps('Rescaling after a convolution (on an NCHW value)', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 1 } }, { type: 'Rescaling', params: { scale: 0.5, offset: 3 } }]),
    // Inference passes dropout through.
    steps('Dropout and SpatialDropout2D', IMAGE, [
      { type: 'SpatialDropout2D', params: { rate: 0.5 } },
      { type: 'Conv2D', params: { filters: 3, kernel_size: 1 } },
      { type: 'SpatialDropout2D', params: { rate: 0.5 } },
      { type: 'Flatten' },
      { type: 'Dropout', params: { rate: 0.5 } },
      { type: 'Dense', params: { units: 3 } },
    ]),
    // Every activation, as a layer over a feature map (softmax over the channels, then back to NHWC) and fused into a Dense.
    ...activations.map((activation) =>
      steps(`Activation ${activation} after a convolution`, IMAGE, [
        { type: 'Conv2D', params: { filters: 3, kernel_size: 1 } },
        { type: 'Activation', params: { activation, ...(activation === 'leaky_relu' ? { negative_slope: 0.1 } : {}) } },
      ]),
    ),
    ...activations.map((activation) => steps(`Dense with ${activation}`, [6], [{ type: 'Dense', params: { units: 4, activation } }])),
    // Inputs × 10 reach past 6, where relu and relu6 part.
    steps('Activation relu beyond 6', IMAGE, [{ type: 'Rescaling', params: { scale: 10, offset: 0 } }, { type: 'Activation', params: { activation: 'relu' } }]),
    steps('Activation relu6 beyond 6', IMAGE, [{ type: 'Rescaling', params: { scale: 10, offset: 0 } }, { type: 'Activation', params: { activation: 'relu6' } }]),
    steps('Conv2D with leaky_relu (Keras slope 0.2)', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 1, activation: 'leaky_relu' } }]),
    // Flatten, Reshape, padding, cropping, upsampling.
    steps('Flatten the input', IMAGE, [{ type: 'Flatten' }, { type: 'Dense', params: { units: 3 } }]),
    steps('Flatten after a convolution', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 2 } }, { type: 'Flatten' }]),
    steps('Reshape a feature map to rows, then Dense per row', IMAGE, [
      { type: 'Conv2D', params: { filters: 3, kernel_size: 1 } },
      { type: 'Reshape', params: { target_shape: [4, 15] } },
      { type: 'Dense', params: { units: 2, use_bias: false } },
    ]),
    steps('Reshape a vector to an image, then convolve', [12], [
      { type: 'Dense', params: { units: 24 } },
      { type: 'Reshape', params: { target_shape: [3, 4, 2] } },
      { type: 'Conv2D', params: { filters: 2, kernel_size: 2 } },
      { type: 'Flatten' },
    ]),
    steps('Reshape an image to another image', IMAGE, [{ type: 'Reshape', params: { target_shape: [2, 5, 4] } }, { type: 'MaxPooling2D', params: { pool_size: [1, 2] } }]),
    steps('ZeroPadding2D [1, 2, 0, 1]', IMAGE, [{ type: 'ZeroPadding2D', params: { padding: [1, 2, 0, 1] } }]),
    steps('ZeroPadding2D 1 after a convolution', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 1 } }, { type: 'ZeroPadding2D', params: { padding: 1 } }]),
    steps('Cropping2D [1, 0, 2, 1]', IMAGE, [{ type: 'Cropping2D', params: { cropping: [1, 0, 1, 2] } }]),
    steps('Cropping2D [1, 1]', IMAGE, [{ type: 'Cropping2D', params: { cropping: [1, 1] } }]),
    steps('UpSampling2D nearest [2, 3]', IMAGE, [{ type: 'UpSampling2D', params: { size: [2, 3], interpolation: 'nearest' } }]),
    steps('UpSampling2D bilinear [2, 3]', IMAGE, [{ type: 'UpSampling2D', params: { size: [2, 3], interpolation: 'bilinear' } }]),
    // Dense on vectors, rows and images.
    steps('Dense without bias', [6], [{ type: 'Dense', params: { units: 3, use_bias: false } }]),
    steps('Dense per pixel of an image after a convolution', IMAGE, [{ type: 'Conv2D', params: { filters: 3, kernel_size: 1 } }, { type: 'Dense', params: { units: 2, activation: 'softmax' } }]),
    steps('Dense per row of [rows, features]', [3, 4], [{ type: 'Dense', params: { units: 2, activation: 'relu' } }]),
    mergesOfThree(),
    mergesOfVectors(),
    twiceInNhwc(),
  ];
}

/**
 * A convolution's output read in NHWC twice (by an Add whose first input is
 * NHWC, and by a Flatten): the writers transpose it once and reuse it.
 * The Reshape to the input's own shape holds an NHWC value in both writers
 * (the PyTorch module's input is NCHW).
 */
function twiceInNhwc(): WriterCase {
  const graph: Graph = {
    nodes: [
      node('input', 'Input', { shape: IMAGE }, 0),
      node('conv', 'Conv2D', { filters: 2, kernel_size: 1 }, 1),
      node('same_shape', 'Reshape', { target_shape: IMAGE }, 1),
      node('sum', 'Add', {}, 2),
      node('flat_sum', 'Flatten', {}, 3),
      node('flat_conv', 'Flatten', {}, 3),
      node('both', 'Concatenate', { axis: -1 }, 4),
      node('output', 'Output', {}, 5),
    ],
    edges: [
      edge('input', 'conv'),
      edge('input', 'same_shape'),
      edge('same_shape', 'sum', 0),
      edge('conv', 'sum', 1),
      edge('sum', 'flat_sum'),
      edge('conv', 'flat_conv'),
      edge('flat_sum', 'both', 0),
      edge('flat_conv', 'both', 1),
      edge('both', 'output'),
    ],
  };
  return { name: 'a feature map read in NHWC twice, merged with a reshaped input', graph, exportsTo: BOTH };
}

/**
 * Add, Multiply and Concatenate of three inputs held in different layouts:
 * the NHWC input and two convolutions the writers hold as NCHW, each merge
 * once with an NHWC value first and once with an NCHW one.
 */
function mergesOfThree(): WriterCase {
  const graph: Graph = {
    nodes: [
      node('input', 'Input', { shape: IMAGE }, 0),
      node('a', 'Conv2D', { filters: 2, kernel_size: 3, padding: 'same', activation: 'relu' }, 1),
      node('b', 'Conv2D', { filters: 2, kernel_size: 1 }, 1),
      node('sum', 'Add', {}, 2),
      node('product', 'Multiply', {}, 2),
      node('product_nchw', 'Multiply', {}, 2),
      node('channels', 'Concatenate', { axis: -1 }, 3),
      node('rows', 'Concatenate', { axis: 1 }, 3),
      node('columns', 'Concatenate', { axis: 2 }, 3),
      node('flat_channels', 'Flatten', {}, 4),
      node('flat_rows', 'Flatten', {}, 4),
      node('flat_columns', 'Flatten', {}, 4),
      node('all', 'Concatenate', { axis: -1 }, 5),
      node('output', 'Output', {}, 6),
    ],
    edges: [
      edge('input', 'a'),
      edge('input', 'b'),
      edge('input', 'sum', 0),
      edge('a', 'sum', 1),
      edge('b', 'sum', 2),
      edge('input', 'product', 0),
      edge('a', 'product', 1),
      edge('b', 'product', 2),
      edge('a', 'product_nchw', 0),
      edge('b', 'product_nchw', 1),
      edge('input', 'product_nchw', 2),
      edge('a', 'channels', 0),
      edge('sum', 'channels', 1),
      edge('product', 'channels', 2),
      edge('sum', 'rows', 0),
      edge('product_nchw', 'rows', 1),
      edge('product_nchw', 'columns', 0),
      edge('sum', 'columns', 1),
      edge('channels', 'flat_channels'),
      edge('rows', 'flat_rows'),
      edge('columns', 'flat_columns'),
      edge('flat_channels', 'all', 0),
      edge('flat_rows', 'all', 1),
      edge('flat_columns', 'all', 2),
      edge('all', 'output'),
    ],
  };
  return { name: 'Add, Multiply and Concatenate of three inputs in mixed layouts', graph, exportsTo: BOTH };
}

/** Merges of vectors (no layout to convert), and names that collide with the writers' own. */
function mergesOfVectors(): WriterCase {
  const graph: Graph = {
    nodes: [
      node('input', 'Input', { shape: [6] }, 0),
      node('a', 'Dense', { units: 4, activation: 'relu' }, 1),
      node('a_relu', 'Dense', { units: 4 }, 1),
      node('class', 'Dense', { units: 4, activation: 'tanh' }, 1),
      node('sum', 'Add', {}, 2),
      node('product', 'Multiply', {}, 2),
      node('joined', 'Concatenate', { axis: -1 }, 3),
      node('output', 'Output', {}, 4),
    ],
    edges: [
      edge('input', 'a'),
      edge('input', 'a_relu'),
      edge('input', 'class'),
      edge('a', 'sum', 0),
      edge('a_relu', 'sum', 1),
      edge('a', 'product', 0),
      edge('class', 'product', 1),
      edge('sum', 'joined', 0),
      edge('product', 'joined', 1),
      edge('joined', 'output'),
    ],
  };
  return { name: 'Add, Multiply and Concatenate of vectors; layers named a, a_relu and class', graph, exportsTo: BOTH };
}

export interface BuiltCase {
  model: tfl.LayersModel;
  description: ModelDescription;
  /** A batch of 2 inputs in [−1, 1], NHWC for images. */
  x: tf.Tensor;
  /** What TensorFlow.js computes for `x`. */
  expected: Float32Array;
  outputShape: number[];
}

/** The case built as a tfjs model with weights moved away from their initial values, run once on a random batch. */
export async function buildCase(c: WriterCase, seed: number): Promise<BuiltCase> {
  const problems = validateGraph(c.graph).problems;
  if (problems.length) throw new Error(`${c.name}: ${problems.map((p) => p.message).join('; ')}`);
  const model = buildModel(c.graph, { seed });
  randomiseWeights(model, seed * 10);
  const inputShape = (model.inputs[0]!.shape as number[]).slice(1);
  const x = tf.randomUniform([2, ...inputShape], -1, 1, 'float32', seed);
  const y = model.predict(x) as tf.Tensor;
  const expected = (await y.data()) as Float32Array;
  const outputShape = y.shape.slice();
  y.dispose();
  return { model, description: describeModel(model), x, expected, outputShape };
}

/** Largest |a − b| over two arrays of the same length. */
export function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** For assert.throws: the writer refused a layer it cannot write, with exactly this message. */
export function unsupportedLayer(message: string) {
  return (e: unknown) => {
    assert.ok(isStudioError(e), String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, 'unsupported-layer');
    return true;
  };
}
