// Inputs each layer refuses, through validateGraph as the editor and the engine
// run it (graph/layers/*.ts): an image layer fed a flat vector, an axis that
// names no dimension, a Concatenate of a flat and an image branch, a Reshape
// whose -1 cannot divide the values. Each refusal names the node, what it got
// and from where, and leaves the node without a shape. Found by coverage: no
// test fed these layers such inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, edge, node } from '../testing/graphs.js';
import type { Graph, ParamValue } from './schema.js';
import { validateGraph } from './validate.js';

function refusals(graph: Graph, id: string) {
  const report = validateGraph(graph);
  assert.equal(report.nodes[id]!.shape, null, `${id} must have no shape once refused`);
  return report.problems.map(({ nodeId, param, code, message, hint }) => ({ nodeId, ...(param === undefined ? {} : { param }), code, message, hint }));
}

test('every image layer refuses a flattened input, naming its type, the vector and where it came from', () => {
  const cases: [string, Record<string, ParamValue>][] = [
    ['ZeroPadding2D', {}],
    ['Cropping2D', {}],
    ['UpSampling2D', {}],
    ['Conv2DTranspose', { filters: 2, kernel_size: 3 }],
    ['GlobalAveragePooling2D', {}],
    ['GlobalMaxPooling2D', {}],
    ['SpatialDropout2D', {}],
  ];
  for (const [type, params] of cases) {
    const graph = chain([8, 8, 1], [{ id: 'f', type: 'Flatten' }, { id: 'x', type, params }]);
    assert.deepEqual(refusals(graph, 'x'), [
      {
        nodeId: 'x',
        code: 'rank-mismatch',
        message: `${type} "x" works on images (height × width × channels) but gets [64] from "f".`,
        hint: 'Its input was flattened or went through a Dense layer; move the Flatten/Dense after "x", or add a Reshape to [height, width, channels] before it.',
      },
    ], type);
  }
});

test('the same layers on an image give the shape Keras gives', () => {
  const shapeOf = (type: string, params: Record<string, ParamValue>) => validateGraph(chain([8, 6, 3], [{ id: 'x', type, params }])).nodes['x']!.shape;
  assert.deepEqual(shapeOf('ZeroPadding2D', { padding: [1, 2, 3, 4] }), [11, 13, 3]);
  assert.deepEqual(shapeOf('Cropping2D', { cropping: [1, 2] }), [6, 2, 3]);
  assert.deepEqual(shapeOf('UpSampling2D', { size: [2, 3] }), [16, 18, 3]);
  assert.deepEqual(shapeOf('Conv2DTranspose', { filters: 5, kernel_size: 3, strides: 2 }), [17, 13, 5]);
  assert.deepEqual(shapeOf('GlobalMaxPooling2D', {}), [3]);
  assert.deepEqual(shapeOf('SpatialDropout2D', { rate: 0.5 }), [8, 6, 3]);
});

test('a normalisation axis that names no dimension: the axis, the input, and the range that would do', () => {
  assert.deepEqual(refusals(chain([8, 8, 1], [{ id: 'bn', type: 'BatchNormalization', params: { axis: 4 } }]), 'bn'), [
    {
      nodeId: 'bn',
      param: 'axis',
      code: 'invalid-param',
      message: 'BatchNormalization "bn" has axis 4, which names no dimension of its [8, 8, 1] input (axis 0 is the batch).',
      hint: 'Use -1 for the last (channel) dimension, or a value from 1 to 3.',
    },
  ]);
  assert.deepEqual(refusals(chain([10], [{ id: 'ln', type: 'LayerNormalization', params: { axis: 0 } }]), 'ln'), [
    {
      nodeId: 'ln',
      param: 'axis',
      code: 'invalid-param',
      message: 'LayerNormalization "ln" has axis 0, which names no dimension of its [10] input (axis 0 is the batch).',
      hint: 'Use -1 for the last (channel) dimension, or a value from 1 to 1.',
    },
  ]);
  // The edges of the range pass: axis 3 and -3 on an image, 1 on a vector.
  assert.deepEqual(validateGraph(chain([8, 8, 1], [{ id: 'bn', type: 'BatchNormalization', params: { axis: 3 } }])).nodes['bn']!.shape, [8, 8, 1]);
  assert.deepEqual(validateGraph(chain([8, 8, 1], [{ id: 'bn', type: 'BatchNormalization', params: { axis: -3 } }])).nodes['bn']!.shape, [8, 8, 1]);
  assert.deepEqual(validateGraph(chain([10], [{ id: 'ln', type: 'LayerNormalization', params: { axis: 1 } }])).nodes['ln']!.shape, [10]);
});

test('Concatenate of an image and a flat branch: both inputs and their sources, and why they differ', () => {
  const graph: Graph = {
    nodes: [node('input', 'Input', { shape: [4, 4, 2] }), node('f', 'Flatten'), node('cat', 'Concatenate'), node('output', 'Output')],
    edges: [edge('input', 'f'), edge('input', 'cat', 0), edge('f', 'cat', 1), edge('cat', 'output')],
  };
  assert.deepEqual(refusals(graph, 'cat'), [
    {
      nodeId: 'cat',
      code: 'shape-mismatch',
      message: 'Concatenate "cat" needs inputs with the same number of dimensions but gets [4, 4, 2] from "input", [32] from "f".',
      hint: 'One branch was flattened or pooled globally and the other was not; give both branches the same kind of output.',
    },
  ]);
});

test('Reshape with -1 where the known sizes do not divide the values: "a multiple of" the known product', () => {
  assert.deepEqual(refusals(chain([7, 5, 1], [{ id: 'r', type: 'Reshape', params: { target_shape: [-1, 4] } }]), 'r'), [
    {
      nodeId: 'r',
      param: 'target_shape',
      code: 'shape-mismatch',
      message: 'Reshape "r" cannot turn [7, 5, 1] (35 values) into [-1, 4] (a multiple of 4 values).',
      hint: 'Choose a target_shape whose sizes multiply to 35, or put -1 in one place to have it inferred.',
    },
  ]);
  // When they do divide, the -1 becomes the quotient.
  assert.deepEqual(validateGraph(chain([7, 4, 1], [{ id: 'r', type: 'Reshape', params: { target_shape: [-1, 4] } }])).nodes['r']!.shape, [7, 4]);
});

// Found by mutation testing of the layers: MACs no test read (the window's summary shows
// them), a Reshape without -1 whose size only divides the values, an Add of [4, 2] and [4]
// (the shorter shape is a prefix of the longer), and Flatten of a vector.
test('multiply-accumulates per layer: pooling averages and Multiply count theirs, the layers that only move values count 0', () => {
  const macsOf = (type: string, params: Record<string, ParamValue> = {}) => {
    const report = validateGraph(chain([4, 6, 2], [{ id: 'x', type, params }]));
    assert.deepEqual(report.problems, [], type);
    assert.equal(report.totals.macs, report.nodes['x']!.macs, type);
    return report.nodes['x']!.macs;
  };
  assert.equal(macsOf('AveragePooling2D'), 2 * 3 * 2 * 2 * 2, 'output 2×3×2, a 2×2 window each');
  assert.equal(macsOf('GlobalAveragePooling2D'), 4 * 6 * 2);
  for (const type of ['MaxPooling2D', 'GlobalMaxPooling2D', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Flatten']) assert.equal(macsOf(type), 0, type);
  assert.equal(macsOf('Reshape', { target_shape: [48] }), 0);
  const merged = (type: string) => {
    const graph: Graph = {
      nodes: [node('input', 'Input', { shape: [4, 6, 2] }), node('a', 'Activation', { activation: 'relu' }), node('b', 'Activation', { activation: 'sigmoid' }), node('m', type), node('output', 'Output')],
      edges: [edge('input', 'a'), edge('input', 'b'), edge('input', 'm', 0), edge('a', 'm', 1), edge('b', 'm', 2), edge('m', 'output')],
    };
    const report = validateGraph(graph);
    assert.deepEqual(report.problems, [], type);
    return { shape: report.nodes['m']!.shape, macs: report.nodes['m']!.macs, total: report.totals.macs };
  };
  assert.deepEqual(merged('Multiply'), { shape: [4, 6, 2], macs: 2 * 48, total: 2 * 48 }, 'three inputs: two multiplications per value');
  assert.deepEqual(merged('Add'), { shape: [4, 6, 2], macs: 0, total: 0 });
  assert.deepEqual(merged('Concatenate'), { shape: [4, 6, 6], macs: 0, total: 0 });
});

test('Reshape without -1 must match the count exactly; Add refuses a shape that is a prefix of the other; Flatten refuses a vector', () => {
  assert.deepEqual(refusals(chain([4, 6, 2], [{ id: 'r', type: 'Reshape', params: { target_shape: [24] } }]), 'r'), [
    {
      nodeId: 'r',
      param: 'target_shape',
      code: 'shape-mismatch',
      message: 'Reshape "r" cannot turn [4, 6, 2] (48 values) into [24] (24 values).',
      hint: 'Choose a target_shape whose sizes multiply to 48, or put -1 in one place to have it inferred.',
    },
  ]);
  const prefix: Graph = {
    nodes: [node('input', 'Input', { shape: [4, 2] }), node('d', 'Dense', { units: 1 }), node('r', 'Reshape', { target_shape: [4] }), node('add', 'Add'), node('output', 'Output')],
    edges: [edge('input', 'd'), edge('d', 'r'), edge('input', 'add', 0), edge('r', 'add', 1), edge('add', 'output')],
  };
  assert.deepEqual(refusals(prefix, 'add'), [
    {
      nodeId: 'add',
      code: 'shape-mismatch',
      message: 'Add "add" needs inputs of one shape but gets [4, 2] from "input", [4] from "r".',
      hint: 'One branch was flattened or pooled globally and the other was not; give both branches the same kind of output.',
    },
  ]);
  assert.deepEqual(refusals(chain([6], [{ id: 'f', type: 'Flatten' }]), 'f'), [
    {
      nodeId: 'f',
      code: 'rank-mismatch',
      message: 'Flatten "f" gets [6] from "input", which is already flat.',
      hint: 'Delete "f" and connect its input straight to the next layer.',
    },
  ]);
});

test('Concatenate: an axis its inputs do not have names the axis parameter; disagreeing other dimensions name the axis joined along', () => {
  const graph: Graph = {
    nodes: [node('input', 'Input', { shape: [4, 4, 2] }), node('a', 'Activation', { activation: 'relu' }), node('cat', 'Concatenate', { axis: 5 }), node('output', 'Output')],
    edges: [edge('input', 'a'), edge('input', 'cat', 0), edge('a', 'cat', 1), edge('cat', 'output')],
  };
  assert.deepEqual(refusals(graph, 'cat'), [
    {
      nodeId: 'cat',
      param: 'axis',
      code: 'invalid-param',
      message: 'Concatenate "cat" has axis 5, which names no dimension of its [4, 4, 2] input (axis 0 is the batch).',
      hint: 'Use -1 for the last (channel) dimension, or a value from 1 to 3.',
    },
  ]);
  const pooled: Graph = {
    nodes: [node('input', 'Input', { shape: [4, 4, 2] }), node('p', 'MaxPooling2D'), node('cat', 'Concatenate'), node('output', 'Output')],
    edges: [edge('input', 'p'), edge('input', 'cat', 0), edge('p', 'cat', 1), edge('cat', 'output')],
  };
  assert.deepEqual(refusals(pooled, 'cat'), [
    {
      nodeId: 'cat',
      code: 'shape-mismatch',
      message: 'Concatenate "cat" joins along axis -1, so every other dimension must agree, but it gets [4, 4, 2] from "input", [2, 2, 2] from "p".',
      hint: 'Make the branches agree outside the joined axis (same strides and padding), or join along another axis.',
    },
  ]);
});
