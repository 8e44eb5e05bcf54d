/**
 * Test graphs for the layer options that change which ONNX operators a layer
 * becomes: normalisation along each axis, values of rank 2 and 3 (after
 * Dense and Reshape), merges of flat values, every activation fused into a
 * convolution and a Dense layer, and transposed convolutions whose cropping
 * is uneven. The export tests' every-layer graphs use each layer type once;
 * these make sure the forms chosen for one option hold for the others, in
 * every ONNX consumer the tests run.
 *
 * Normalisation appears on every axis: BatchNormalization off the last axis
 * becomes a BatchNormalization op between transposes, and must give the
 * studio's numbers like the channels' case.
 */
import { ACTIVATIONS } from '../graph/layers/index.js';
import { chain, edge, node } from './graphs.js';
import type { Graph } from '../graph/schema.js';

export function layerOptionGraphs(): { name: string; graph: Graph }[] {
  const normalisationAxes = chain([6, 5, 4], [
    { type: 'BatchNormalization', params: { axis: 1 } },
    { type: 'BatchNormalization', params: { axis: 2, momentum: 0.9, epsilon: 0.01 } },
    { type: 'LayerNormalization', params: { axis: 1 } },
    { type: 'LayerNormalization', params: { axis: 2, scale: false } },
    { type: 'LayerNormalization', params: { axis: 3, center: false, scale: false, epsilon: 0.01 } },
    { type: 'Conv2D', params: { filters: 3, kernel_size: 3, activation: 'relu6' } },
    { type: 'Activation', params: { activation: 'softmax' } },
    { type: 'Flatten' },
    { type: 'Dense', params: { units: 5 } },
    { type: 'BatchNormalization', params: {} },
    { type: 'LayerNormalization', params: {} },
    { type: 'Rescaling', params: { scale: 0.5, offset: 0.25 } },
    { type: 'Dense', params: { units: 3, activation: 'softmax' } },
  ]);
  const sequences = chain([4, 6, 2], [
    { type: 'Reshape', params: { target_shape: [8, 6] } },
    { type: 'Dense', params: { units: 5, activation: 'relu6' } },
    { type: 'BatchNormalization', params: { axis: 1, scale: false } },
    { type: 'LayerNormalization', params: { axis: -1 } },
    { type: 'BatchNormalization', params: { axis: -1, center: false } },
    { type: 'Activation', params: { activation: 'gelu' } },
    { type: 'Reshape', params: { target_shape: [4, 2, 5] } },
    { type: 'Conv2D', params: { filters: 2, kernel_size: 1 } },
    { type: 'Flatten' },
    { type: 'Dense', params: { units: 3 } },
  ]);
  const transposed = chain([5, 4, 2], [
    { type: 'Conv2DTranspose', params: { filters: 3, kernel_size: [3, 4], strides: [2, 2], padding: 'same' } },
    { type: 'Conv2DTranspose', params: { filters: 2, kernel_size: [5, 2], strides: [3, 1], padding: 'same', activation: 'relu6' } },
    { type: 'Conv2DTranspose', params: { filters: 2, kernel_size: [1, 3], strides: [2, 2], padding: 'valid' } },
    { type: 'DepthwiseConv2D', params: { kernel_size: 3, strides: 2, padding: 'same' } },
    { type: 'GlobalAveragePooling2D' },
  ]);
  // Same padding that falls unevenly (the extra pixel after), valid windows that skip pixels.
  const windows = chain([15, 17, 2], [
    { type: 'Conv2D', params: { filters: 3, kernel_size: 4, padding: 'same' } },
    { type: 'AveragePooling2D', params: { pool_size: 2, strides: 2, padding: 'same' } },
    { type: 'MaxPooling2D', params: { pool_size: [2, 3], strides: [1, 2], padding: 'same' } },
    { type: 'Conv2D', params: { filters: 3, kernel_size: 2, strides: 2, padding: 'same' } },
    { type: 'SeparableConv2D', params: { filters: 3, kernel_size: 2, padding: 'same' } },
    { type: 'DepthwiseConv2D', params: { kernel_size: 2, padding: 'same' } },
    { type: 'Conv2D', params: { filters: 3, kernel_size: 2, dilation_rate: 2 } },
    { type: 'MaxPooling2D', params: { pool_size: 1, strides: 2 } },
    { type: 'Flatten' },
  ]);
  // Inputs that are not images: flat features, [height, width] without channels, and rank 4.
  const inputRanks = [[6], [4, 6], [2, 3, 4, 2]].map((shape) => ({
    name: `input rank ${shape.length}`,
    graph: chain(shape, [
      { type: 'Dense', params: { units: 4, activation: 'relu6' } },
      // TensorFlow.js normalises values of rank 4 at most.
      ...(shape.length < 4 ? [{ type: 'LayerNormalization', params: {} }] : []),
      ...(shape.length > 1 ? [{ type: 'Flatten' }] : []),
      { type: 'Dense', params: { units: 3, activation: 'softmax' } },
    ]),
  }));
  // Add, Multiply and Concatenate of flat values; Concatenate along width.
  const flatMerges: Graph = {
    nodes: [
      node('input', 'Input', { shape: [4, 4, 2] }, 0),
      node('left', 'Conv2D', { filters: 2, kernel_size: 1 }, 1),
      node('right', 'Conv2D', { filters: 2, kernel_size: 3, padding: 'same' }, 1),
      node('columns', 'Concatenate', { axis: 2 }, 2),
      node('flat', 'Flatten', {}, 3),
      node('a', 'Dense', { units: 4, activation: 'tanh' }, 4),
      node('b', 'Dense', { units: 4, activation: 'sigmoid' }, 4),
      node('sum', 'Add', {}, 5),
      node('product', 'Multiply', {}, 5),
      node('joined', 'Concatenate', { axis: -1 }, 6),
      node('head', 'Dense', { units: 3, activation: 'softmax' }, 7),
      node('output', 'Output', {}, 8),
    ],
    edges: [
      edge('input', 'left'),
      edge('input', 'right'),
      edge('left', 'columns', 0),
      edge('right', 'columns', 1),
      edge('columns', 'flat'),
      edge('flat', 'a'),
      edge('flat', 'b'),
      edge('a', 'sum', 0),
      edge('b', 'sum', 1),
      edge('a', 'product', 0),
      edge('b', 'product', 1),
      edge('sum', 'joined', 0),
      edge('product', 'joined', 1),
      edge('joined', 'head'),
      edge('head', 'output'),
    ],
  };
  // Every activation fused into a convolution and into a Dense layer.
  const activations = ACTIVATIONS.map((activation) => ({
    name: `activation ${activation}`,
    graph: chain([5, 5, 2], [
      { type: 'Conv2D', params: { filters: 3, kernel_size: 3, activation } },
      { type: 'Flatten' },
      { type: 'Dense', params: { units: 4, activation } },
    ]),
  }));
  return [
    { name: 'normalisation axes', graph: normalisationAxes },
    { name: 'sequences', graph: sequences },
    { name: 'transposed', graph: transposed },
    { name: 'windows', graph: windows },
    { name: 'flat merges', graph: flatMerges },
    ...inputRanks,
    ...activations,
  ];
}
