// What validateGraph reports besides problems (graph/validate.ts): the totals,
// the input and output shapes, frozen layers, and what the memory check adds
// to the verdict. Found by mutation testing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, edge, node } from '../testing/graphs.js';
import { defaultTrainingSettings } from '../project/schema.js';
import { validateGraph } from './validate.js';

test('totals add up every node; a frozen layer has no trainable parameters', () => {
  // Dense 4→3: 15 weights; Dense 3→2: 8 weights.
  const graph = chain([4], [{ id: 'a', type: 'Dense', params: { units: 3 } }, { id: 'b', type: 'Dense', params: { units: 2, activation: 'softmax' } }]);
  const report = validateGraph(graph);
  assert.equal(report.valid, true);
  assert.deepEqual(report.totals, { params: 23, trainableParams: 23, macs: 12 + 6 });
  assert.deepEqual(report.nodes['a'], { shape: [3], params: 15, trainableParams: 15, macs: 12 });
  assert.deepEqual(report.inputShape, [4]);
  assert.deepEqual(report.outputShape, [2]);
  graph.nodes.find((n) => n.id === 'a')!.frozen = true;
  const frozen = validateGraph(graph);
  assert.deepEqual(frozen.nodes['a'], { shape: [3], params: 15, trainableParams: 0, macs: 12 });
  assert.deepEqual(frozen.totals, { params: 23, trainableParams: 8, macs: 18 });
});

test('with two Inputs or two Outputs there is no single input or output shape', () => {
  const two = chain([4], [{ id: 'x', type: 'Dense', params: { units: 2 } }]);
  two.nodes.push(node('output2', 'Output'));
  two.edges.push(edge('x', 'output2'));
  const report = validateGraph(two);
  assert.equal(report.valid, false);
  assert.deepEqual(report.inputShape, [4]);
  assert.equal(report.outputShape, null);
  const noInput = validateGraph({ nodes: [node('output', 'Output')], edges: [] });
  assert.equal(noInput.inputShape, null);
});

test('a node after a broken one gets no shape, and nothing is reported twice for one cause', () => {
  const graph = chain([4], [{ id: 'bad', type: 'Dense', params: { units: -1 } }, { id: 'after', type: 'Dense', params: { units: 2 } }]);
  const report = validateGraph(graph);
  assert.deepEqual(report.problems.map((p) => [p.nodeId, p.code]), [['bad', 'non-positive-size']]);
  assert.equal(report.nodes['bad']!.shape, null);
  assert.equal(report.nodes['after']!.shape, null);
  assert.equal(report.outputShape, null);
  assert.deepEqual(report.totals, { params: 0, trainableParams: 0, macs: 0 });
});

test('the memory check: a problem makes the graph invalid, a warning does not, and no warning means no warnings field', () => {
  const graph = chain([64, 64, 3], [{ type: 'Flatten' }, { id: 'wide', type: 'Dense', params: { units: 2048 } }, { type: 'Dense', params: { units: 10, activation: 'softmax' } }]);
  const settings = { optimizer: defaultTrainingSettings().optimizer, batchSize: 32 };
  const tight = validateGraph(graph, { memory: { ...settings, limit: { bytes: 256 * 1024 ** 2, label: 'a test limit' } } });
  assert.equal(tight.valid, false);
  assert.deepEqual(tight.problems.map((p) => [p.nodeId, p.code]), [['wide', 'too-much-memory']]);
  const roomy = validateGraph(graph, { memory: { ...settings, limit: { bytes: 512 * 1024 ** 2, label: 'a test limit' } } });
  assert.equal(roomy.valid, true);
  assert.deepEqual(roomy.warnings?.map((w) => [w.nodeId, w.code]), [['wide', 'too-much-memory']]);
  const plenty = validateGraph(graph, { memory: { ...settings, limit: { bytes: 8 * 1024 ** 3, label: 'a test limit' } } });
  assert.equal(plenty.valid, true);
  assert.equal('warnings' in plenty, false);
  assert.equal('warnings' in validateGraph(graph), false);
});

test('the head check looks through SpatialDropout2D, copes with a node without params, and tells a layer without an activation from one with', () => {
  // Conv2D → SpatialDropout2D → Output: the shape is still an image; the message names the conv that set it.
  const image = chain([4, 4, 2], [{ id: 'c', type: 'Conv2D', params: { filters: 3, kernel_size: 1, activation: 'softmax' } }, { id: 'sd', type: 'SpatialDropout2D', params: { rate: 0.1 } }]);
  assert.deepEqual(validateGraph(image, { classCount: 3 }).problems.map((p) => p.message), [
    'The Output "output" receives [4, 4, 3] from "c", but a classifier outputs one score per class, a flat vector.',
  ]);
  // An Activation node written without params at all is relu, like one with empty params.
  const bare = chain([6], [{ id: 'd', type: 'Dense', params: { units: 3 } }, { id: 'act', type: 'Activation' }]);
  delete (bare.nodes.find((n) => n.id === 'act') as { params?: unknown }).params;
  assert.deepEqual(validateGraph(bare, { classCount: 3, loss: 'sparse-categorical-crossentropy' }).problems.map((p) => [p.nodeId, p.param, p.code]), [['act', 'activation', 'output-activation']]);
  // BatchNormalization has parameters but no activation: "no activation", and the fix is an Activation node.
  const normalised = chain([6], [{ id: 'd', type: 'Dense', params: { units: 3, activation: 'softmax' } }, { id: 'bn', type: 'BatchNormalization' }]);
  assert.deepEqual(validateGraph(normalised, { classCount: 3, loss: 'sparse-categorical-crossentropy' }).problems, [
    {
      nodeId: 'bn', code: 'output-activation',
      message: 'The last layer "bn" ends in no activation, but sparse-categorical-crossentropy expects class probabilities from softmax.',
      hint: 'Add an Activation node with softmax before the Output.',
    },
  ]);
});

test('no head check without a single Output with a shape: two Outputs, or a broken layer before it, are reported, not a crash', () => {
  const options = { classCount: 3, loss: 'sparse-categorical-crossentropy' as const };
  const two = chain([6], [{ id: 'd', type: 'Dense', params: { units: 3, activation: 'softmax' } }]);
  two.nodes.push(node('output2', 'Output'));
  two.edges.push(edge('d', 'output2'));
  assert.deepEqual(validateGraph(two, options).problems.map((p) => p.code), ['several-outputs']);
  const none = chain([6], [{ id: 'd', type: 'Dense', params: { units: 3, activation: 'softmax' } }]);
  none.nodes = none.nodes.filter((n) => n.id !== 'output');
  none.edges = none.edges.filter((e) => e.target !== 'output');
  assert.deepEqual(validateGraph(none, options).problems.map((p) => p.code), ['no-output']);
  const broken = chain([6], [{ id: 'd', type: 'Dense', params: { units: 0, activation: 'softmax' } }]);
  assert.deepEqual(validateGraph(broken, options).problems.map((p) => p.code), ['non-positive-size']);
});
