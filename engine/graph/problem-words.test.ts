// The exact words of graph problems (graph/validate.ts, graph/params-check.ts).
// A person fixes a graph from the message and the hint alone, so each kind of
// fault is checked word for word: mutation testing showed that other tests
// only check the code, the node and that some text is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, edge, node } from './graph-fixtures.js';
import type { Graph, ParamValue } from './schema.js';
import { validateGraph, type ValidateOptions } from './validate.js';

type Words = { nodeId: string | null; param?: string; code: string; message: string; hint: string };

function problems(graph: Graph, options?: ValidateOptions): Words[] {
  return validateGraph(graph, options).problems.map(({ nodeId, param, code, message, hint }) => ({ nodeId, ...(param === undefined ? {} : { param }), code, message, hint }));
}

/** Input [4] → the node under test (id "x") → Output. */
function one(type: string, params: Record<string, ParamValue>, shape = [4]): Words[] {
  return problems(chain(shape, [{ id: 'x', type, params }]));
}

test('parameter values of the wrong kind, each with the way to write it', () => {
  assert.deepEqual(one('Dense', { units: 'ten' }), [
    { nodeId: 'x', param: 'units', code: 'invalid-param', message: 'Dense "x": units must be a whole number, not "ten".', hint: 'Set units to a number such as 10.' },
  ]);
  assert.deepEqual(one('Dense', { units: 2.5 }), [
    { nodeId: 'x', param: 'units', code: 'invalid-param', message: 'Dense "x": units must hold whole numbers, not 2.5.', hint: 'Round units to whole numbers, e.g. 10.' },
  ]);
  assert.deepEqual(one('Dense', { units: 0 }), [
    { nodeId: 'x', param: 'units', code: 'non-positive-size', message: 'Dense "x": units is 0, but sizes must be at least 1.', hint: 'Set units to 1 or more, e.g. 10.' },
  ]);
  assert.deepEqual(one('Dense', { units: 3, use_bias: 'yes' }), [
    { nodeId: 'x', param: 'use_bias', code: 'invalid-param', message: 'Dense "x": use_bias must be true or false, not "yes".', hint: 'Set use_bias to true or false.' },
  ]);
  assert.deepEqual(one('Dense', { units: 3, activation: null }), [
    { nodeId: 'x', param: 'activation', code: 'invalid-param', message: 'Dense "x": activation is null.', hint: 'Give activation a value, e.g. "linear".' },
  ]);
  assert.deepEqual(one('Dense', { units: 3, activation: 'softmaks' }).map((p) => p.hint), ['Did you mean "softmax"?']);
  const noGuess = one('Dense', { units: 3, activation: 7 })[0]!;
  assert.match(noGuess.message, /^Dense "x": activation is 7, which is not one of linear, relu, .*softmax/);
  assert.match(noGuess.hint, /^Choose one of linear, relu, .*softmax.*\.$/);
  assert.deepEqual(one('Dense', { units: 3, kernel_regularizer: { l3: 0.1 } }), [
    {
      nodeId: 'x', param: 'kernel_regularizer', code: 'invalid-param',
      message: 'Dense "x": kernel_regularizer must be null or {"l1": …, "l2": …} with non-negative numbers, not {"l3":0.1}.',
      hint: 'Write kernel_regularizer as {"l2": 0.0001}, or null for no penalty.',
    },
  ]);
  for (const bad of [{ l2: -1 }, [0.1], 'l2', { l1: '1' }]) {
    assert.deepEqual(one('Dense', { units: 3, kernel_regularizer: bad as ParamValue }).map((p) => p.code), ['invalid-param'], JSON.stringify(bad));
  }
  assert.deepEqual(one('Dense', { units: 3, kernel_regularizer: { l1: 0, l2: 0.01 } }), []);
  assert.deepEqual(one('Dense', { units: 3, kernel_regularizer: null }), []);
});

test('numbers out of their range: floats and exclusive maxima say so', () => {
  assert.deepEqual(one('Dropout', { rate: 1 }), [
    { nodeId: 'x', param: 'rate', code: 'invalid-param', message: 'Dropout "x": rate is 1, but it must be below 1.', hint: 'Set rate to a value below 1, e.g. 0.5.' },
  ]);
  assert.deepEqual(one('Dropout', { rate: 0.999 }), []);
  assert.deepEqual(one('Dropout', { rate: 0 }), []);
  assert.deepEqual(one('Dropout', { rate: -0.1 }), [
    { nodeId: 'x', param: 'rate', code: 'invalid-param', message: 'Dropout "x": rate is -0.1, but the smallest allowed value is 0.', hint: 'Set rate to 0 or more, e.g. 0.5.' },
  ]);
  assert.deepEqual(one('Dropout', { rate: 'half' }), [
    { nodeId: 'x', param: 'rate', code: 'invalid-param', message: 'Dropout "x": rate must be a number, not "half".', hint: 'Set rate to a number such as 0.5.' },
  ]);
  const image = [8, 8, 2];
  assert.deepEqual(one('BatchNormalization', { momentum: 1.5 }, image), [
    { nodeId: 'x', param: 'momentum', code: 'invalid-param', message: 'BatchNormalization "x": momentum is 1.5, but it must be at most 1.', hint: 'Set momentum to a value up to 1, e.g. 0.99.' },
  ]);
  assert.deepEqual(one('BatchNormalization', { momentum: 1 }, image), []);
});

test('sizes given as pairs, paddings and shapes: the form they must have', () => {
  const image = [8, 8, 2];
  assert.deepEqual(one('Conv2D', { filters: 4, kernel_size: [3, 3, 3] }, image), [
    {
      nodeId: 'x', param: 'kernel_size', code: 'invalid-param',
      message: 'Conv2D "x": kernel_size must be a whole number or [height, width], not [3,3,3].',
      hint: 'Set kernel_size to a whole number or [height, width], e.g. 3 or [3, 3].',
    },
  ]);
  assert.deepEqual(one('Conv2D', { filters: 4, kernel_size: [] }, image).map((p) => p.code), ['invalid-param']);
  assert.deepEqual(one('Conv2D', { filters: 4, kernel_size: ['3', 3] as unknown as ParamValue }, image).map((p) => p.code), ['invalid-param']);
  assert.deepEqual(one('Conv2D', { filters: 4, kernel_size: [3, 0] }, image), [
    { nodeId: 'x', param: 'kernel_size', code: 'non-positive-size', message: 'Conv2D "x": kernel_size is [3,0], but sizes must be at least 1.', hint: 'Set kernel_size to 1 or more, e.g. 3 or [3, 3].' },
  ]);
  assert.deepEqual(one('Conv2D', { filters: 'many', kernel_size: 3 }, image).map((p) => p.hint), ['Set filters to a number such as 32.']);
  assert.deepEqual(one('ZeroPadding2D', { padding: [1, 2, 3] }, image), [
    {
      nodeId: 'x', param: 'padding', code: 'invalid-param',
      message: 'ZeroPadding2D "x": padding must be a whole number, [h, w] or [top, bottom, left, right], not [1,2,3].',
      hint: 'Set padding to a whole number, [h, w] or [top, bottom, left, right], e.g. 1.',
    },
  ]);
  assert.deepEqual(one('ZeroPadding2D', { padding: [1, 2, 3, 4] }, image), []);
  assert.deepEqual(one('Reshape', { target_shape: [-1, -1] }), [
    { nodeId: 'x', param: 'target_shape', code: 'invalid-param', message: 'Reshape "x": target_shape has more than one -1 in [-1,-1].', hint: 'Only one size of target_shape can be inferred; write out the others.' },
  ]);
  assert.deepEqual(one('Reshape', { target_shape: [-1, 2] }).map((p) => p.code), [], 'one -1 is inferred');
  assert.deepEqual(one('Reshape', { target_shape: [-2, 2] }).map((p) => p.code), ['non-positive-size']);
  assert.deepEqual(one('Reshape', { target_shape: 4 }), [
    { nodeId: 'x', param: 'target_shape', code: 'invalid-param', message: 'Reshape "x": target_shape must be a list of sizes, not 4.', hint: 'Set target_shape to a list of sizes, e.g. [7, 7, 16].' },
  ]);
});

test('missing and unknown parameters', () => {
  assert.deepEqual(one('Dense', {}), [
    { nodeId: 'x', param: 'units', code: 'missing-param', message: 'Dense "x" needs units: Number of outputs; on the last layer, one per class.', hint: 'Set units, e.g. 10.' },
  ]);
  assert.deepEqual(one('Flatten', { zzz: 1 }, [2, 2, 1]), [
    { nodeId: 'x', param: 'zzz', code: 'unknown-param', message: 'Flatten "x" has no parameter "zzz".', hint: 'Remove it; Flatten takes no parameters.' },
  ]);
  assert.deepEqual(one('Dropout', { rat: 0.2 }), [
    { nodeId: 'x', param: 'rat', code: 'unknown-param', message: 'Dropout "x" has no parameter "rat".', hint: 'Did you mean rate? Dropout takes: rate.' },
  ]);
  assert.deepEqual(one('Dropout', { colour: 'red' }).map((p) => p.hint), ['Remove it; Dropout takes: rate.']);
  // An unknown name is ignored for the shape: the layer still gets one.
  const report = validateGraph(chain([4], [{ id: 'x', type: 'Dropout', params: { colour: 'red' } }]));
  assert.deepEqual(report.nodes['x']!.shape, [4]);
  assert.deepEqual(report.outputShape, [4]);
});

test('unknown layer types, with or without a guess', () => {
  assert.deepEqual(one('Dens', { units: 2 }).map((p) => [p.code, p.message, p.hint]), [
    ['unknown-layer-type', 'Node "x" has layer type "Dens", which the studio does not know.', 'Did you mean Dense?'],
  ]);
  const far = one('Transformer', {})[0]!;
  assert.equal(far.message, 'Node "x" has layer type "Transformer", which the studio does not know.');
  assert.match(far.hint, /^Use one of: .*Conv2D, .*Dense, .*\.$/);
});

test('edges into a layer: too few, too many, or into an Input', () => {
  const g: Graph = {
    nodes: [node('input', 'Input', { shape: [4] }), node('a', 'Dense', { units: 4 }), node('b', 'Dense', { units: 4 }), node('sum', 'Add'), node('d', 'Dense', { units: 2 }), node('output', 'Output')],
    edges: [edge('input', 'a'), edge('input', 'b'), edge('a', 'sum'), edge('a', 'd'), edge('b', 'd'), edge('d', 'output'), edge('sum', 'output', 1)],
  };
  const found = problems(g).filter((p) => p.code === 'wrong-input-count');
  assert.deepEqual(found, [
    { nodeId: 'sum', code: 'wrong-input-count', message: 'Add "sum" takes at least 2 inputs but has 1 (from "a").', hint: 'Connect another branch into "sum", or delete the Add if there is nothing to merge.' },
    { nodeId: 'd', code: 'wrong-input-count', message: 'Dense "d" takes exactly 1 input but has 2 (from "a", "b").', hint: 'Merge the branches first with an Add or Concatenate node, or delete the extra edges into "d".' },
    { nodeId: 'output', code: 'wrong-input-count', message: 'Output "output" takes exactly 1 input but has 2 (from "d", "sum").', hint: 'Merge the branches first with an Add or Concatenate node, or delete the extra edges into "output".' },
  ]);
  const intoInput = chain([4], [{ id: 'x', type: 'Dense', params: { units: 2 } }]);
  intoInput.nodes.push(node('lone', 'Dense', { units: 2 }));
  intoInput.edges.push(edge('x', 'input'));
  const words = problems(intoInput);
  assert.deepEqual(words.find((p) => p.code === 'wrong-input-count'), {
    nodeId: 'input', code: 'wrong-input-count', message: 'Input "input" takes exactly 0 inputs but has 1 (from "x").', hint: 'An Input takes no edges in; delete the edges into "input".',
  });
  assert.deepEqual(words.find((p) => p.code === 'wrong-input-count' && p.nodeId === 'lone'), {
    nodeId: 'lone', code: 'wrong-input-count', message: 'Dense "lone" takes exactly 1 input but has 0.', hint: 'Connect the layer before it to "lone".',
  });
  assert.deepEqual(words.filter((p) => p.nodeId === 'lone' && p.code !== 'wrong-input-count'), [
    { nodeId: 'lone', code: 'unreachable-from-input', message: 'Dense "lone" is not connected to the Input, so no data reaches it.', hint: 'Connect an edge into "lone" from a layer on the Input\'s path, or delete it.' },
    { nodeId: 'lone', code: 'does-not-reach-output', message: 'Dense "lone" does not lead to the Output, so its result is never used.', hint: 'Connect "lone" onward toward the Output, or delete it.' },
  ]);
});

test('the ends of a graph: none, or a second one', () => {
  assert.deepEqual(problems({ nodes: [node('d', 'Dense', { units: 2 })], edges: [] }).filter((p) => p.nodeId === null), [
    { nodeId: null, code: 'no-input', message: 'The graph has no Input node, so nothing says what a sample looks like.', hint: 'Add an Input node with the image shape, e.g. [28, 28, 1], and connect it to the first layer.' },
    { nodeId: null, code: 'no-output', message: 'The graph has no Output node, so nothing says which layer makes the prediction.', hint: 'Add an Output node and connect the last layer (usually a Dense with one unit per class) to it.' },
  ]);
  const two = chain([4], [{ id: 'x', type: 'Dense', params: { units: 2 } }]);
  two.nodes.push(node('input2', 'Input', { shape: [4] }), node('output2', 'Output'));
  two.edges.push(edge('input2', 'x'), edge('x', 'output2'));
  const ends = problems(two).filter((p) => p.code.startsWith('several'));
  assert.deepEqual(ends, [
    { nodeId: 'input2', code: 'several-inputs', message: '"input2" is a second Input; the studio trains models with one image input (the first is "input").', hint: 'Delete "input2" and feed its layers from "input".' },
    { nodeId: 'output2', code: 'several-outputs', message: '"output2" is a second Output; the studio trains models with one output (the first is "output").', hint: 'Delete "output2", or merge the branches with Add or Concatenate before a single Output.' },
  ]);
});

test('cycles: a layer that feeds itself, and a loop of several', () => {
  const self = chain([4], [{ id: 'x', type: 'Add' }]);
  self.edges.push(edge('x', 'x', 1));
  assert.deepEqual(problems(self).filter((p) => p.code === 'cycle'), [
    { nodeId: 'x', code: 'cycle', message: 'Layers "x" feeds itself ("x" → "x"); a network must flow one way.', hint: 'Delete the edge that leads back (into "x"); use an Add node to join a skip connection instead.' },
  ]);
  const loop: Graph = {
    nodes: [node('input', 'Input', { shape: [4] }), node('a', 'Add'), node('b', 'Dense', { units: 4 }), node('output', 'Output')],
    edges: [edge('input', 'a', 0), edge('b', 'a', 1), edge('a', 'b'), edge('b', 'output')],
  };
  const cycle = problems(loop).filter((p) => p.code === 'cycle');
  assert.equal(cycle.length, 1);
  assert.match(cycle[0]!.message, /^Layers "(a|b)", "(a|b)" form a cycle \("(a|b)" → "(a|b)" → "(a|b)"\); a network must flow one way\.$/);
  // The layers of a loop get no shape: nothing downstream is inferred from a guess.
  assert.equal(validateGraph(loop).nodes['b']!.shape, null);
});

test('a graph deeper than the studio builds is named at its deepest layer', () => {
  const steps = Array.from({ length: 2000 }, (_, i) => ({ id: `r${i + 1}`, type: 'Activation', params: { activation: 'relu' } }));
  const deep = problems(chain([2], steps)).filter((p) => p.code === 'graph-too-deep');
  // Input + 2,000 layers + Output: 2,002 in a row.
  assert.deepEqual(deep, [
    { nodeId: 'output', code: 'graph-too-deep', message: 'The graph is 2,002 layers deep (at "output"); the studio builds networks of at most 2,000 layers in a row.', hint: 'Use fewer, wider layers, or repeat a block fewer times.' },
  ]);
  assert.deepEqual(problems(chain([2], steps.slice(2))).filter((p) => p.code === 'graph-too-deep'), [], '2,000 in a row are built');
});

test('the head against the data and the loss: rank, class count, activation', () => {
  const flat = (units: number, activation?: string) => chain([6], [{ id: 'head', type: 'Dense', params: activation ? { units, activation } : { units } }]);
  assert.deepEqual(problems(chain([4, 4, 2], [{ id: 'c', type: 'Conv2D', params: { filters: 3, kernel_size: 1, activation: 'softmax' } }]), { classCount: 3 }), [
    {
      nodeId: 'output', code: 'rank-mismatch',
      message: 'The Output "output" receives [4, 4, 3] from "c", but a classifier outputs one score per class, a flat vector.',
      hint: 'Put a Flatten or GlobalAveragePooling2D before the last Dense layer.',
    },
  ]);
  assert.deepEqual(problems(flat(3, 'sigmoid'), { classCount: 3, loss: 'binary-crossentropy' }).filter((p) => p.code === 'class-count-mismatch'), [
    {
      nodeId: 'head', param: 'units', code: 'class-count-mismatch',
      message: '"head" feeds binary-crossentropy, which separates exactly 2 classes, but the data has 3.',
      hint: 'Train with sparse-categorical-crossentropy and a last Dense of 3 units with softmax.',
    },
  ]);
  assert.deepEqual(problems(flat(2, 'sigmoid'), { classCount: 2, loss: 'binary-crossentropy' }), [
    {
      nodeId: 'head', param: 'units', code: 'class-count-mismatch',
      message: 'The model outputs 2 values but the data has 2 classes, which binary-crossentropy scores with 1 unit.',
      hint: 'Set units of "head" to 1.',
    },
  ]);
  assert.deepEqual(problems(flat(1, 'softmax'), { classCount: 4 }), [
    { nodeId: 'head', param: 'units', code: 'class-count-mismatch', message: 'The model outputs 1 value but the data has 4 classes.', hint: 'Set units of "head" to 4.' },
  ]);
  assert.deepEqual(problems(flat(1, 'sigmoid'), { classCount: 2, loss: 'binary-crossentropy' }), []);
  // Without a loss, the activation is not judged; without either, nothing about the head is.
  assert.deepEqual(problems(flat(4), { classCount: 4 }), []);
  assert.deepEqual(problems(flat(9)), []);
  assert.deepEqual(problems(flat(4), { loss: 'sparse-categorical-crossentropy' }), [
    {
      nodeId: 'head', param: 'activation', code: 'output-activation',
      message: 'The last layer "head" ends in linear, but sparse-categorical-crossentropy expects class probabilities from softmax.',
      hint: 'Set activation of "head" to softmax.',
    },
  ]);
  assert.deepEqual(problems(flat(1, 'relu'), { loss: 'binary-crossentropy' }).map((p) => p.message), [
    'The last layer "head" ends in relu, but binary-crossentropy expects a probability from sigmoid.',
  ]);
  // An Activation node without its parameter is relu; a layer with no activation parameter needs an Activation node.
  const act = chain([6], [{ id: 'head', type: 'Dense', params: { units: 3 } }, { id: 'act', type: 'Activation', params: {} }]);
  assert.deepEqual(problems(act, { loss: 'sparse-categorical-crossentropy' }).map((p) => [p.nodeId, p.param, p.message]), [
    ['act', 'activation', 'The last layer "act" ends in relu, but sparse-categorical-crossentropy expects class probabilities from softmax.'],
  ]);
  const pooled = chain([4, 4, 3], [{ id: 'gap', type: 'GlobalAveragePooling2D' }]);
  assert.deepEqual(problems(pooled, { classCount: 3, loss: 'sparse-categorical-crossentropy' }), [
    {
      nodeId: 'gap', code: 'output-activation',
      message: 'The last layer "gap" ends in no activation, but sparse-categorical-crossentropy expects class probabilities from softmax.',
      hint: 'Add an Activation node with softmax before the Output.',
    },
  ]);
});
