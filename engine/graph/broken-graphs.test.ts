/**
 * A catalogue of broken graphs: each must be reported with exactly these
 * problems (code, node, parameter, edge), every one with a hint, and a graph
 * with several independent faults must report all of them at once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, edge, node } from '../testing/graphs.js';
import type { Problem } from './report.js';
import type { Graph, ParamValue } from './schema.js';
import { createProject } from './templates.js';
import { validateGraph, type ValidateOptions } from './validate.js';

interface Expected {
  code: Problem['code'];
  nodeId: string | null;
  param?: string;
  edgeId?: string;
}

interface BrokenCase {
  name: string;
  graph: Graph;
  options?: ValidateOptions;
  expected: Expected[];
  /** Words the hint of the first problem must contain. */
  hintMentions?: string;
}

const key = (p: Expected) => `${p.code} ${p.nodeId} ${p.param ?? '-'} ${p.edgeId ?? '-'}`;
const seedCnn = () => createProject('seed-cnn').graph;
const categorical: ValidateOptions = { classCount: 10, loss: 'sparse-categorical-crossentropy' };

/** The seed CNN with one node's params replaced (merged over the originals). */
function seedCnnWith(id: string, params: Record<string, ParamValue>, replace = false): Graph {
  const graph = seedCnn();
  const target = graph.nodes.find((n) => n.id === id)!;
  target.params = replace ? params : { ...target.params, ...params };
  return graph;
}

/** Input → two conv branches (a, b) → merge → Flatten → Dense → Output. */
function twoBranches(mergeType: string, a: Record<string, ParamValue>, b: Record<string, ParamValue>): Graph {
  return {
    nodes: [
      node('input', 'Input', { shape: [12, 12, 3] }),
      node('a', 'Conv2D', a),
      node('b', 'Conv2D', b),
      node('merge', mergeType),
      node('flatten', 'Flatten'),
      node('dense', 'Dense', { units: 10, activation: 'softmax' }),
      node('output', 'Output'),
    ],
    edges: [
      edge('input', 'a'),
      edge('input', 'b'),
      edge('a', 'merge', 0),
      edge('b', 'merge', 1),
      edge('merge', 'flatten'),
      edge('flatten', 'dense'),
      edge('dense', 'output'),
    ],
  };
}

const CASES: BrokenCase[] = [
  {
    name: 'a cycle through an Add',
    graph: {
      nodes: [
        node('input', 'Input', { shape: [8, 8, 1] }),
        node('c1', 'Conv2D', { filters: 2, kernel_size: 3, padding: 'same' }),
        node('add', 'Add'),
        node('c2', 'Conv2D', { filters: 2, kernel_size: 3, padding: 'same' }),
        node('flatten', 'Flatten'),
        node('output', 'Output'),
      ],
      edges: [edge('input', 'c1'), edge('c1', 'add', 0), edge('c2', 'add', 1), edge('add', 'c2'), edge('add', 'flatten'), edge('flatten', 'output')],
    },
    expected: [{ code: 'cycle', nodeId: 'add' }],
    hintMentions: 'edge that leads back',
  },
  {
    name: 'a layer feeding itself',
    graph: (() => {
      const g = chain([4], [{ type: 'Dense', params: { units: 4 }, id: 'd' }]);
      g.nodes.push(node('m', 'Multiply'));
      g.edges.push(edge('input', 'm', 0), edge('m', 'm', 1), edge('m', 'd'));
      g.edges.splice(0, 1);
      return g;
    })(),
    expected: [{ code: 'cycle', nodeId: 'm' }],
  },
  {
    name: 'no Input',
    graph: { nodes: [node('dense', 'Dense', { units: 10 }), node('output', 'Output')], edges: [edge('dense', 'output')] },
    expected: [
      { code: 'no-input', nodeId: null },
      { code: 'wrong-input-count', nodeId: 'dense' },
    ],
  },
  {
    name: 'two Inputs',
    graph: {
      nodes: [
        node('in1', 'Input', { shape: [5] }),
        node('in2', 'Input', { shape: [5] }),
        node('add', 'Add'),
        node('output', 'Output'),
      ],
      edges: [edge('in1', 'add', 0), edge('in2', 'add', 1), edge('add', 'output')],
    },
    expected: [{ code: 'several-inputs', nodeId: 'in2' }],
  },
  {
    name: 'no Output',
    graph: { nodes: [node('input', 'Input', { shape: [5] }), node('dense', 'Dense', { units: 2 })], edges: [edge('input', 'dense')] },
    expected: [{ code: 'no-output', nodeId: null }],
  },
  {
    name: 'two Outputs',
    graph: (() => {
      const g = seedCnn();
      g.nodes.push(node('output2', 'Output'));
      g.edges.push(edge('dense1', 'output2'));
      return g;
    })(),
    expected: [{ code: 'several-outputs', nodeId: 'output2' }],
  },
  {
    name: 'a stray layer and a dead-end branch',
    graph: (() => {
      const g = seedCnn();
      g.nodes.push(node('stray', 'Dense', { units: 3 }), node('dead_end', 'Conv2D', { filters: 4, kernel_size: 1 }));
      g.edges.push(edge('conv1', 'dead_end'));
      return g;
    })(),
    expected: [
      { code: 'wrong-input-count', nodeId: 'stray' },
      { code: 'unreachable-from-input', nodeId: 'stray' },
      { code: 'does-not-reach-output', nodeId: 'stray' },
      { code: 'does-not-reach-output', nodeId: 'dead_end' },
    ],
  },
  {
    name: 'an edge to a node that is not there',
    graph: (() => {
      const g = seedCnn();
      g.edges.push({ id: 'to-ghost', source: 'dense1', target: 'ghost' });
      return g;
    })(),
    expected: [{ code: 'dangling-edge', nodeId: 'dense1', edgeId: 'to-ghost' }],
  },
  {
    name: 'two nodes with one id, two edges with one id',
    graph: (() => {
      const g = seedCnn();
      g.nodes.push(node('conv1', 'Dropout'));
      g.edges.push({ ...g.edges[0]! });
      return g;
    })(),
    expected: [
      { code: 'duplicate-id', nodeId: 'conv1' },
      { code: 'duplicate-id', nodeId: 'conv1', edgeId: 'input->conv1' },
      // The repeated edge is a second input into conv1.
      { code: 'wrong-input-count', nodeId: 'conv1' },
    ],
  },
  {
    name: 'an edge out of the Output',
    graph: (() => {
      const g = seedCnn();
      g.nodes.push(node('after', 'Dense', { units: 2 }));
      g.edges.push({ id: 'from-output', source: 'output', target: 'after' });
      return g;
    })(),
    expected: [
      { code: 'invalid-edge', nodeId: 'output', edgeId: 'from-output' },
      { code: 'wrong-input-count', nodeId: 'after' },
      { code: 'unreachable-from-input', nodeId: 'after' },
      { code: 'does-not-reach-output', nodeId: 'after' },
    ],
  },
  {
    name: 'a conv with two inputs and an Add with one',
    graph: {
      nodes: [
        node('input', 'Input', { shape: [8, 8, 1] }),
        node('a', 'Conv2D', { filters: 2, kernel_size: 3 }),
        node('b', 'Conv2D', { filters: 2, kernel_size: 3 }),
        node('c', 'Conv2D', { filters: 2, kernel_size: 3 }),
        node('add', 'Add'),
        node('output', 'Output'),
      ],
      edges: [edge('input', 'a'), edge('input', 'b'), edge('a', 'c'), edge('b', 'c'), edge('c', 'add'), edge('add', 'output')],
    },
    expected: [
      { code: 'wrong-input-count', nodeId: 'c' },
      { code: 'wrong-input-count', nodeId: 'add' },
    ],
  },
  {
    name: 'Add of different channel counts',
    graph: twoBranches('Add', { filters: 4, kernel_size: 3 }, { filters: 8, kernel_size: 3 }),
    expected: [{ code: 'shape-mismatch', nodeId: 'merge' }],
    hintMentions: '1×1 Conv2D',
  },
  {
    name: 'Multiply of different spatial sizes',
    graph: twoBranches('Multiply', { filters: 4, kernel_size: 3 }, { filters: 4, kernel_size: 3, padding: 'same' }),
    expected: [{ code: 'shape-mismatch', nodeId: 'merge' }],
  },
  {
    name: 'Concatenate along channels of different spatial sizes',
    graph: twoBranches('Concatenate', { filters: 4, kernel_size: 3 }, { filters: 2, kernel_size: 3, strides: 2 }),
    expected: [{ code: 'shape-mismatch', nodeId: 'merge' }],
  },
  {
    name: 'Concatenate on the batch axis',
    graph: (() => {
      const g = twoBranches('Concatenate', { filters: 4, kernel_size: 3 }, { filters: 2, kernel_size: 3 });
      g.nodes.find((n) => n.id === 'merge')!.params = { axis: 0 };
      return g;
    })(),
    expected: [{ code: 'invalid-param', nodeId: 'merge', param: 'axis' }],
  },
  {
    name: 'Conv2D after Flatten',
    graph: chain([28, 28, 1], [
      { type: 'Flatten', id: 'flatten' },
      { type: 'Conv2D', params: { filters: 8, kernel_size: 3 }, id: 'conv' },
    ]),
    expected: [{ code: 'rank-mismatch', nodeId: 'conv' }],
    hintMentions: 'Flatten',
  },
  {
    name: 'a kernel and a pool larger than their input',
    graph: (() => {
      const g = seedCnnWith('conv3', { kernel_size: 7 });
      return g;
    })(),
    expected: [{ code: 'kernel-too-large', nodeId: 'conv3', param: 'kernel_size' }],
    hintMentions: "padding to 'same'",
  },
  {
    name: 'a pool larger than its input',
    graph: chain([3, 3, 1], [{ type: 'MaxPooling2D', params: { pool_size: 4 }, id: 'pool' }, { type: 'Flatten' }]),
    expected: [{ code: 'kernel-too-large', nodeId: 'pool', param: 'pool_size' }],
  },
  {
    name: 'zero, negative and fractional sizes',
    graph: (() => {
      const g = seedCnnWith('conv1', { filters: 0 });
      g.nodes.find((n) => n.id === 'conv2')!.params['kernel_size'] = [3, -1];
      g.nodes.find((n) => n.id === 'dense1')!.params['units'] = 2.5;
      g.nodes.find((n) => n.id === 'input')!.params['shape'] = [28, 0, 1];
      return g;
    })(),
    expected: [
      { code: 'non-positive-size', nodeId: 'input', param: 'shape' },
      { code: 'non-positive-size', nodeId: 'conv1', param: 'filters' },
      { code: 'non-positive-size', nodeId: 'conv2', param: 'kernel_size' },
      { code: 'invalid-param', nodeId: 'dense1', param: 'units' },
    ],
  },
  {
    name: 'cropping away the whole image',
    graph: chain([6, 6, 1], [{ type: 'Cropping2D', params: { cropping: [3, 0] }, id: 'crop' }, { type: 'Flatten' }]),
    expected: [{ code: 'non-positive-size', nodeId: 'crop', param: 'cropping' }],
  },
  {
    name: 'values of the wrong type',
    graph: (() => {
      const g = seedCnnWith('conv1', { filters: 'ten', use_bias: 'yes', padding: 'sam' });
      g.nodes.find((n) => n.id === 'dense1')!.params['kernel_regularizer'] = { l3: 1 };
      g.nodes.find((n) => n.id === 'pool1')!.params['pool_size'] = [2];
      return g;
    })(),
    expected: [
      { code: 'invalid-param', nodeId: 'conv1', param: 'filters' },
      { code: 'invalid-param', nodeId: 'conv1', param: 'padding' },
      { code: 'invalid-param', nodeId: 'conv1', param: 'use_bias' },
      { code: 'invalid-param', nodeId: 'pool1', param: 'pool_size' },
      { code: 'invalid-param', nodeId: 'dense1', param: 'kernel_regularizer' },
    ],
  },
  {
    name: 'an unknown layer type',
    graph: (() => {
      const g = seedCnn();
      g.nodes.find((n) => n.id === 'conv2')!.type = 'Conv2d';
      return g;
    })(),
    expected: [{ code: 'unknown-layer-type', nodeId: 'conv2' }],
    hintMentions: 'Did you mean Conv2D?',
  },
  {
    name: 'a misspelt parameter',
    graph: seedCnnWith('conv2', { filters: 64, kernal_size: 3 }, true),
    expected: [
      { code: 'unknown-param', nodeId: 'conv2', param: 'kernal_size' },
      { code: 'missing-param', nodeId: 'conv2', param: 'kernel_size' },
    ],
    hintMentions: 'Did you mean kernel_size?',
  },
  {
    name: 'dilation together with strides',
    graph: seedCnnWith('conv1', { dilation_rate: 2, strides: 2 }),
    expected: [{ code: 'invalid-param', nodeId: 'conv1', param: 'dilation_rate' }],
  },
  {
    name: 'a Reshape that does not fit',
    graph: chain([4, 4, 2], [{ type: 'Reshape', params: { target_shape: [5, -1] }, id: 'reshape' }]),
    expected: [{ code: 'shape-mismatch', nodeId: 'reshape', param: 'target_shape' }],
  },
  {
    name: 'a dropout rate of 1',
    graph: chain([4], [{ type: 'Dropout', params: { rate: 1 }, id: 'drop' }]),
    expected: [{ code: 'invalid-param', nodeId: 'drop', param: 'rate' }],
  },
  {
    name: 'five output units for ten classes',
    graph: seedCnnWith('dense2', { units: 5 }),
    options: categorical,
    expected: [{ code: 'class-count-mismatch', nodeId: 'dense2', param: 'units' }],
    hintMentions: 'to 10',
  },
  {
    name: 'binary-crossentropy with two softmax units',
    graph: seedCnnWith('dense2', { units: 2 }),
    options: { classCount: 2, loss: 'binary-crossentropy' },
    expected: [
      { code: 'class-count-mismatch', nodeId: 'dense2', param: 'units' },
      { code: 'output-activation', nodeId: 'dense2', param: 'activation' },
    ],
    hintMentions: 'to 1',
  },
  {
    name: 'binary-crossentropy with ten classes',
    graph: seedCnnWith('dense2', { units: 1, activation: 'sigmoid' }),
    options: { classCount: 10, loss: 'binary-crossentropy' },
    expected: [{ code: 'class-count-mismatch', nodeId: 'dense2', param: 'units' }],
  },
  {
    name: 'logits into a probability loss',
    graph: seedCnnWith('dense2', { activation: 'linear' }),
    options: categorical,
    expected: [{ code: 'output-activation', nodeId: 'dense2', param: 'activation' }],
    hintMentions: 'softmax',
  },
  {
    name: 'an Activation node before the Output that is not softmax, behind a Dropout',
    graph: (() => {
      const g = chain([28, 28, 1], [
        { type: 'Flatten' },
        { type: 'Dense', params: { units: 10 }, id: 'logits' },
        { type: 'Activation', params: { activation: 'sigmoid' }, id: 'act' },
        { type: 'Dropout', params: { rate: 0.1 } },
      ]);
      return g;
    })(),
    options: categorical,
    expected: [{ code: 'output-activation', nodeId: 'act', param: 'activation' }],
  },
  {
    name: 'pooled features straight into the Output',
    graph: chain([8, 8, 3], [{ type: 'Conv2D', params: { filters: 10, kernel_size: 3 } }, { type: 'GlobalAveragePooling2D', id: 'gap' }]),
    options: { classCount: 5, loss: 'sparse-categorical-crossentropy' },
    expected: [
      { code: 'class-count-mismatch', nodeId: 'gap' },
      { code: 'output-activation', nodeId: 'gap' },
    ],
    hintMentions: 'units',
  },
  {
    name: 'an image-shaped output for a classifier',
    graph: chain([8, 8, 3], [{ type: 'Conv2D', params: { filters: 10, kernel_size: 3, activation: 'softmax' } }]),
    options: categorical,
    expected: [{ code: 'rank-mismatch', nodeId: 'output' }],
  },
];

describe('broken graphs report exactly their problems', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const report = validateGraph(c.graph, c.options);
      assert.equal(report.valid, false);
      assert.deepEqual(report.problems.map(key).sort(), c.expected.map(key).sort());
      for (const problem of report.problems) {
        assert.ok(problem.message.length > 0 && problem.hint.length > 0, `${problem.code} has a message and a hint`);
        if (problem.nodeId !== null && problem.code !== 'dangling-edge') {
          assert.ok(problem.message.includes(problem.nodeId) || problem.hint.includes(problem.nodeId), `${problem.code} names ${problem.nodeId}`);
        }
      }
      if (c.hintMentions) {
        assert.ok(
          report.problems.some((p) => p.hint.includes(c.hintMentions!)),
          `a hint mentions "${c.hintMentions}": ${report.problems.map((p) => p.hint).join(' | ')}`,
        );
      }
    });
  }
});

describe('reporting', () => {
  test('independent faults are all reported at once, without knock-on problems', () => {
    const graph = seedCnnWith('conv1', { filters: 'ten' });
    graph.nodes.find((n) => n.id === 'dense1')!.params['activaton'] = 'relu';
    graph.nodes.find((n) => n.id === 'dense2')!.params['units'] = 3;
    graph.nodes.push(node('orphan', 'Flatten'));
    const report = validateGraph(graph, categorical);
    assert.deepEqual(
      report.problems.map(key).sort(),
      [
        'does-not-reach-output orphan - -',
        'invalid-param conv1 filters -',
        'unreachable-from-input orphan - -',
        'unknown-param dense1 activaton -',
        'wrong-input-count orphan - -',
      ].sort(),
    );
    // conv1 is broken, so nothing below it has a shape — and nothing below it is blamed.
    assert.equal(report.nodes['conv2']!.shape, null);
    assert.deepEqual(report.nodes['input']!.shape, [28, 28, 1]);
    assert.match(report.problems.find((p) => p.code === 'unknown-param')!.hint, /Did you mean activation\?/);
  });

  test('a fault in one branch leaves the other branch inferred', () => {
    const graph = twoBranches('Add', { filters: 4, kernel_size: 3 }, { filters: -4, kernel_size: 3 });
    const report = validateGraph(graph);
    assert.deepEqual(report.nodes['a']!.shape, [10, 10, 4]);
    assert.equal(report.nodes['a']!.params, 3 * 3 * 3 * 4 + 4);
    assert.equal(report.nodes['merge']!.shape, null);
    assert.deepEqual(report.problems.map(key), ['non-positive-size b filters -']);
  });

  test('an empty graph says what is missing', () => {
    const report = validateGraph({ nodes: [], edges: [] });
    assert.deepEqual(report.problems.map((p) => p.code).sort(), ['no-input', 'no-output']);
    assert.equal(report.inputShape, null);
  });

  test('a valid graph has no problems, and totals sum the nodes', () => {
    const report = validateGraph(seedCnn(), categorical);
    assert.equal(report.valid, true);
    assert.deepEqual(report.inputShape, [28, 28, 1]);
    assert.deepEqual(report.outputShape, [10]);
    const sum = Object.values(report.nodes).reduce((s, n) => s + n.params, 0);
    assert.equal(report.totals.params, sum);
    assert.equal(report.totals.params, 93_322);
  });

  test('frozen nodes count no trainable parameters', () => {
    const graph = seedCnn();
    graph.nodes.find((n) => n.id === 'conv1')!.frozen = true;
    const report = validateGraph(graph);
    assert.equal(report.nodes['conv1']!.trainableParams, 0);
    assert.equal(report.totals.trainableParams, 93_322 - 320);
  });

  test('the report is plain JSON', () => {
    const report = validateGraph(seedCnnWith('conv1', { filters: 'ten' }));
    const read = JSON.parse(JSON.stringify(report));
    assert.deepEqual(read, report);
    // What crosses the protocol, written out: the broken node with unknown shape (null, not undefined) and no parameters.
    assert.equal(read.valid, false);
    assert.deepEqual(read.problems, [
      { nodeId: 'conv1', param: 'filters', code: 'invalid-param', message: 'Conv2D "conv1": filters must be a whole number, not "ten".', hint: 'Set filters to a number such as 32.' },
    ]);
    assert.deepEqual(read.nodes['conv1'], { shape: null, params: 0, trainableParams: 0, macs: 0 });
    assert.deepEqual(read.totals, { params: 0, trainableParams: 0, macs: 0 });
  });
});
