/**
 * Every layer type in several parameter combinations: the validator's output
 * shape and parameter counts must equal what tfjs builds (and what a forward
 * pass produces); multiply-adds are checked by hand for the weighted layers.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel } from './tfjs/build.js';
import { chain, edge, node, type LayerStep } from '../testing/graphs.js';
import { ACTIVATIONS, layerTypes } from './layers/index.js';
import type { Graph, ParamValue } from './schema.js';
import { tfjsFactsByNode } from './tfjs/tfjs-compare.js';
import { validateGraph } from './validate.js';

before(async () => {
  await tf.setBackend('cpu');
});

/** Validates and builds `graph`, asserting agreement on every node; returns the report. */
function assertAgrees(graph: Graph) {
  const report = validateGraph(graph);
  assert.deepEqual(report.problems, [], 'the case should be valid');
  const model = buildModel(graph, { seed: 1 });
  const facts = tfjsFactsByNode(graph, model);
  for (const n of graph.nodes) {
    if (n.type === 'Output') continue;
    const mine = report.nodes[n.id]!;
    const theirs = facts.get(n.id);
    assert.ok(theirs, `tfjs built no layer for ${n.id}`);
    assert.deepEqual(mine.shape, theirs.shape, `${n.id} (${n.type}) shape`);
    assert.equal(mine.params, theirs.params, `${n.id} (${n.type}) params`);
    assert.equal(mine.trainableParams, theirs.trainableParams, `${n.id} (${n.type}) trainable params`);
  }
  const inputShape = report.inputShape!;
  const result = tf.tidy(() => (model.predict(tf.zeros([2, ...inputShape])) as tf.Tensor).shape);
  assert.deepEqual(result, [2, ...report.outputShape!], 'a forward pass gives the inferred shape');
  model.dispose();
  return report;
}

interface Case {
  input: number[];
  steps: LayerStep[];
}

const image = [9, 11, 3];
const single = (type: string, params: Record<string, ParamValue>, input = image): Case => ({
  input,
  steps: [{ type, params, id: 'layer' }],
});

/** Branches a and b from the input (convs with `aParams`/`bParams`) merged by `merge`. */
function merged(type: string, params: Record<string, ParamValue>, branches: Record<string, ParamValue>[]): Graph {
  const nodes = [node('input', 'Input', { shape: image })];
  const edges = [];
  branches.forEach((conv, i) => {
    nodes.push(node(`b${i}`, 'Conv2D', conv, 1));
    edges.push(edge('input', `b${i}`));
    edges.push(edge(`b${i}`, 'merge', i));
  });
  nodes.push(node('merge', type, params, 2), node('output', 'Output', {}, 3));
  edges.push(edge('merge', 'output'));
  return { nodes, edges };
}

const CASES: Record<string, Case[]> = {
  Input: [single('Flatten', {}, [28, 28, 1]), single('Dense', { units: 2 }, [17]), single('Flatten', {}, [4, 6])],
  Conv2D: [
    single('Conv2D', { filters: 4, kernel_size: 3 }),
    single('Conv2D', { filters: 5, kernel_size: [3, 2], strides: 2, padding: 'same', use_bias: false }),
    single('Conv2D', { filters: 3, kernel_size: 3, dilation_rate: 2, activation: 'relu' }),
    single('Conv2D', { filters: 2, kernel_size: [1, 5], strides: [2, 1], activation: 'leaky_relu' }),
    single('Conv2D', { filters: 6, kernel_size: 9, kernel_regularizer: { l2: 0.01 }, kernel_initializer: 'he_normal' }),
  ],
  DepthwiseConv2D: [
    single('DepthwiseConv2D', { kernel_size: 3 }),
    single('DepthwiseConv2D', { kernel_size: 3, depth_multiplier: 2, strides: 2, padding: 'same' }),
    single('DepthwiseConv2D', { kernel_size: [2, 3], use_bias: false, activation: 'relu6' }),
  ],
  SeparableConv2D: [
    single('SeparableConv2D', { filters: 4, kernel_size: 3 }),
    single('SeparableConv2D', { filters: 6, kernel_size: 3, depth_multiplier: 2, padding: 'same', strides: 2 }),
    single('SeparableConv2D', { filters: 3, kernel_size: [3, 1], use_bias: false, activation: 'silu' }),
    single('SeparableConv2D', { filters: 2, kernel_size: 3, dilation_rate: [2, 3], activation: 'leaky_relu' }),
  ],
  Conv2DTranspose: [
    single('Conv2DTranspose', { filters: 4, kernel_size: 3 }),
    single('Conv2DTranspose', { filters: 2, kernel_size: 3, strides: 2, padding: 'same' }),
    single('Conv2DTranspose', { filters: 3, kernel_size: [2, 4], strides: [3, 2] }),
    single('Conv2DTranspose', { filters: 2, kernel_size: 5, strides: 2, use_bias: false, activation: 'leaky_relu' }),
  ],
  MaxPooling2D: [
    single('MaxPooling2D', {}),
    single('MaxPooling2D', { pool_size: 3, strides: 1 }),
    single('MaxPooling2D', { pool_size: [2, 3], padding: 'same' }),
    single('MaxPooling2D', { pool_size: 3, strides: [2, 3], padding: 'same' }),
  ],
  AveragePooling2D: [
    single('AveragePooling2D', {}),
    single('AveragePooling2D', { pool_size: 3, strides: 1 }),
    single('AveragePooling2D', { pool_size: [2, 3], padding: 'same', strides: null }),
  ],
  GlobalAveragePooling2D: [single('GlobalAveragePooling2D', {}), single('GlobalAveragePooling2D', {}, [1, 1, 7])],
  GlobalMaxPooling2D: [single('GlobalMaxPooling2D', {}), single('GlobalMaxPooling2D', {}, [5, 2, 4])],
  BatchNormalization: [
    single('BatchNormalization', {}),
    single('BatchNormalization', { center: false }, [12]),
    single('BatchNormalization', { scale: false, momentum: 0.9, epsilon: 0.01 }),
    single('BatchNormalization', { axis: 1 }),
  ],
  LayerNormalization: [
    single('LayerNormalization', {}),
    single('LayerNormalization', { center: false }, [12]),
    single('LayerNormalization', { scale: false, epsilon: 0.0001 }),
  ],
  Rescaling: [single('Rescaling', {}), single('Rescaling', { scale: 2, offset: -1 }, [5])],
  Dropout: [single('Dropout', { rate: 0.3 }), single('Dropout', {}, [10])],
  SpatialDropout2D: [single('SpatialDropout2D', { rate: 0.2 }), single('SpatialDropout2D', {})],
  Activation: [
    ...ACTIVATIONS.map((activation) => single('Activation', { activation })),
    single('Activation', { activation: 'leaky_relu', negative_slope: 0.1 }, [6]),
  ],
  Flatten: [single('Flatten', {}), single('Flatten', {}, [8, 2])],
  Reshape: [
    single('Reshape', { target_shape: [3, 33, 3] }),
    single('Reshape', { target_shape: [-1, 3] }),
    single('Reshape', { target_shape: [297] }),
    {
      input: image,
      steps: [
        { type: 'Reshape', params: { target_shape: [11, -1] } },
        { type: 'Dense', params: { units: 4 } },
      ],
    },
  ],
  Dense: [
    single('Dense', { units: 7 }, [20]),
    single('Dense', { units: 3, use_bias: false }),
    single('Dense', { units: 4, activation: 'leaky_relu', kernel_regularizer: { l1: 0.001, l2: 0.001 } }, [5]),
    single('Dense', { units: 10, activation: 'softmax', kernel_initializer: 'lecun_normal', bias_initializer: 'ones' }, [16]),
  ],
  ZeroPadding2D: [
    single('ZeroPadding2D', {}),
    single('ZeroPadding2D', { padding: [1, 2] }),
    single('ZeroPadding2D', { padding: [1, 0, 2, 3] }),
  ],
  Cropping2D: [
    single('Cropping2D', { cropping: 1 }),
    single('Cropping2D', { cropping: [2, 1] }),
    single('Cropping2D', { cropping: [0, 1, 2, 3] }),
  ],
  UpSampling2D: [single('UpSampling2D', {}), single('UpSampling2D', { size: [2, 3], interpolation: 'bilinear' })],
};

const MERGE_CASES: Record<string, Graph[]> = {
  Add: [
    merged('Add', {}, [{ filters: 4, kernel_size: 3 }, { filters: 4, kernel_size: 3, activation: 'relu' }]),
    merged('Add', {}, [
      { filters: 2, kernel_size: 1 },
      { filters: 2, kernel_size: 3, padding: 'same' },
      { filters: 2, kernel_size: 5, padding: 'same' },
    ]),
  ],
  Multiply: [
    merged('Multiply', {}, [{ filters: 3, kernel_size: 1 }, { filters: 3, kernel_size: 1, activation: 'sigmoid' }]),
  ],
  Concatenate: [
    merged('Concatenate', {}, [{ filters: 2, kernel_size: 3 }, { filters: 5, kernel_size: 3 }]),
    merged('Concatenate', { axis: 1 }, [{ filters: 3, kernel_size: [3, 1] }, { filters: 3, kernel_size: [5, 1] }]),
    merged('Concatenate', { axis: -2 }, [{ filters: 4, kernel_size: [1, 2] }, { filters: 4, kernel_size: 1, strides: [1, 2] }]),
  ],
};

describe('every layer type agrees with tfjs', () => {
  test('the cases cover the whole catalogue', () => {
    const covered = new Set([...Object.keys(CASES), ...Object.keys(MERGE_CASES), 'Output']);
    assert.deepEqual(layerTypes().filter((type) => !covered.has(type)), []);
  });
  for (const [type, cases] of Object.entries(CASES)) {
    test(type, () => {
      for (const { input, steps } of cases) assertAgrees(chain(input, steps));
    });
  }
  for (const [type, graphs] of Object.entries(MERGE_CASES)) {
    test(type, () => {
      for (const graph of graphs) assertAgrees(graph);
    });
  }
});

describe('multiply-adds, counted by hand', () => {
  const macsOf = (input: number[], type: string, params: Record<string, ParamValue>) =>
    validateGraph(chain(input, [{ type, params, id: 'layer' }])).nodes['layer']!.macs;

  test('Conv2D: output positions × filters × kernel taps × input channels', () => {
    // 26×26 outputs, 32 filters, 3×3 taps over 1 channel.
    assert.equal(macsOf([28, 28, 1], 'Conv2D', { filters: 32, kernel_size: 3 }), 26 * 26 * 32 * 9);
    // 'same' with stride 2 on 9×11: 5×6 outputs; a 3×2 kernel over 3 channels.
    assert.equal(macsOf(image, 'Conv2D', { filters: 5, kernel_size: [3, 2], strides: 2, padding: 'same' }), 5 * 6 * 5 * 6 * 3);
  });
  test('Dense: inputs × units (per leading position)', () => {
    assert.equal(macsOf([576], 'Dense', { units: 64 }), 576 * 64);
    assert.equal(macsOf([4, 4, 8], 'Dense', { units: 3 }), 4 * 4 * 8 * 3);
  });
  test('DepthwiseConv2D: output positions × channels × multiplier × kernel taps', () => {
    assert.equal(macsOf([10, 10, 4], 'DepthwiseConv2D', { kernel_size: 3, depth_multiplier: 2, padding: 'same' }), 10 * 10 * 8 * 9);
    assert.equal(macsOf([10, 10, 4], 'DepthwiseConv2D', { kernel_size: 3, strides: 2 }), 4 * 4 * 4 * 9);
  });
  test('SeparableConv2D: the depthwise step plus the 1×1 step', () => {
    assert.equal(macsOf([8, 8, 4], 'SeparableConv2D', { filters: 16, kernel_size: 3 }), 6 * 6 * 4 * 9 + 6 * 6 * 4 * 16);
  });
  test('layers that only compare or move values count none', () => {
    assert.equal(macsOf(image, 'MaxPooling2D', {}), 0);
    assert.equal(macsOf(image, 'Flatten', {}), 0);
    assert.equal(macsOf(image, 'Activation', { activation: 'relu' }), 0);
  });
  test('the seed CNN totals its layers', () => {
    const report = validateGraph(
      chain([28, 28, 1], [
        { type: 'Conv2D', params: { filters: 32, kernel_size: 3, activation: 'relu' } },
        { type: 'MaxPooling2D', params: { pool_size: 2 } },
        { type: 'Flatten' },
        { type: 'Dense', params: { units: 10 } },
      ]),
    );
    assert.equal(report.totals.macs, 26 * 26 * 32 * 9 + 13 * 13 * 32 * 10);
  });
});
