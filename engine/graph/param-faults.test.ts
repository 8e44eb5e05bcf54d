// Parameter values graph/params-check.ts must refuse, and the words it refuses
// them with: values that only look like the right kind ("33" for a kernel, an
// empty shape, [3, "3"], [3, 2.5], a number or an unknown key for a
// regularizer, a misspelt initializer), sizes below a minimum of 0, and the
// example a hint gives when the default is null. Found by mutation testing of
// params-check.ts: each of these loosened checks or hints left every older
// test green.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain } from '../testing/graphs.js';
import type { Graph, ParamValue } from './schema.js';
import { validateGraph } from './validate.js';

function problemsOf(type: string, params: Record<string, ParamValue>, inputShape = [8, 8, 1]) {
  return validateGraph(chain(inputShape, [{ id: 'x', type, params }])).problems.map(({ param, code, message, hint }) => ({ param, code, message, hint }));
}

const INITIALIZERS = 'glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, random_uniform, random_normal, truncated_normal, zeros, ones';

test('a size list that is a string, holds a string, or holds a fraction is refused, each with its reason', () => {
  const kernelForm = {
    param: 'kernel_size',
    code: 'invalid-param',
    hint: 'Set kernel_size to a whole number or [height, width], e.g. 3 or [3, 3].',
  };
  // A two-character string has the length of a pair, but is not one.
  assert.deepEqual(problemsOf('Conv2D', { filters: 2, kernel_size: '33' }), [
    { ...kernelForm, message: 'Conv2D "x": kernel_size must be a whole number or [height, width], not "33".' },
  ]);
  // A mixed list: the schema's type does not allow it, a hand-edited file can hold it.
  assert.deepEqual(problemsOf('Conv2D', { filters: 2, kernel_size: [3, '3'] as unknown as ParamValue }), [
    { ...kernelForm, message: 'Conv2D "x": kernel_size must be a whole number or [height, width], not [3,"3"].' },
  ]);
  assert.deepEqual(problemsOf('Conv2D', { filters: 2, kernel_size: [3, 2.5] }), [
    {
      param: 'kernel_size',
      code: 'invalid-param',
      message: 'Conv2D "x": kernel_size must hold whole numbers, not [3,2.5].',
      hint: 'Round kernel_size to whole numbers, e.g. 3 or [3, 3].',
    },
  ]);
  assert.deepEqual(problemsOf('Reshape', { target_shape: [] }), [
    {
      param: 'target_shape',
      code: 'invalid-param',
      message: 'Reshape "x": target_shape must be a list of sizes, not [].',
      hint: 'Set target_shape to a list of sizes, e.g. [7, 7, 16].',
    },
  ]);
});

test('below a minimum of 0 is an invalid value, not a non-positive size; a null default gives the kind\'s example', () => {
  assert.deepEqual(problemsOf('ZeroPadding2D', { padding: -1 }), [
    {
      param: 'padding',
      code: 'invalid-param',
      message: 'ZeroPadding2D "x": padding is -1, but the smallest allowed value is 0.',
      hint: 'Set padding to 0 or more, e.g. 1.',
    },
  ]);
  // Pooling strides default to null (= the pool size): the hint shows a pair, not "null".
  assert.deepEqual(problemsOf('MaxPooling2D', { strides: 0 }), [
    {
      param: 'strides',
      code: 'non-positive-size',
      message: 'MaxPooling2D "x": strides is 0, but sizes must be at least 1.',
      hint: 'Set strides to 1 or more, e.g. 3 or [3, 3].',
    },
  ]);
});

test('a number that is not finite is not a rate', () => {
  for (const rate of [Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.deepEqual(problemsOf('Dropout', { rate }), [
      { param: 'rate', code: 'invalid-param', message: `Dropout "x": rate must be a number, not ${rate}.`, hint: 'Set rate to a number such as 0.5.' },
    ]);
  }
});

test('initializers: a misspelling gets the nearest name, a non-string the whole list', () => {
  const message = (shown: string) => `Dense "x": kernel_initializer is ${shown}, which is not one of ${INITIALIZERS}.`;
  assert.deepEqual(problemsOf('Dense', { units: 2, kernel_initializer: 'he_unifrom' }, [4]), [
    { param: 'kernel_initializer', code: 'invalid-param', message: message('"he_unifrom"'), hint: 'Did you mean "he_uniform"?' },
  ]);
  assert.deepEqual(problemsOf('Dense', { units: 2, kernel_initializer: 7 }, [4]), [
    { param: 'kernel_initializer', code: 'invalid-param', message: message('7'), hint: `Choose one of ${INITIALIZERS}.` },
  ]);
});

test('a regularizer must be an object of l1 and l2 only: a number, a string or an extra key is refused', () => {
  for (const [value, shown] of [
    [5, '5'],
    ['l2', '"l2"'],
    [{ l2: 0.001, l3: 1 }, '{"l2":0.001,"l3":1}'],
    [[0.1, 0.2], '[0.1,0.2]'],
  ] as [ParamValue, string][]) {
    assert.deepEqual(problemsOf('Dense', { units: 2, kernel_regularizer: value }, [4]), [
      {
        param: 'kernel_regularizer',
        code: 'invalid-param',
        message: `Dense "x": kernel_regularizer must be null or {"l1": …, "l2": …} with non-negative numbers, not ${shown}.`,
        hint: 'Write kernel_regularizer as {"l2": 0.0001}, or null for no penalty.',
      },
    ], shown);
  }
  assert.deepEqual(problemsOf('Dense', { units: 2, kernel_regularizer: { l1: 0.01, l2: 0.001 } }, [4]), []);
});

test('an unknown parameter: the hint lists every parameter the layer takes, comma-separated', () => {
  const takes = 'Dense takes: units, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer.';
  assert.deepEqual(problemsOf('Dense', { units: 2, unitz: 3 }, [4]), [
    { param: 'unitz', code: 'unknown-param', message: 'Dense "x" has no parameter "unitz".', hint: `Did you mean units? ${takes}` },
  ]);
  assert.deepEqual(problemsOf('Dense', { units: 2, colour: 3 }, [4]), [
    { param: 'colour', code: 'unknown-param', message: 'Dense "x" has no parameter "colour".', hint: `Remove it; ${takes}` },
  ]);
});

test('a node whose params is null (a hand-edited file) is read as a node without parameters', () => {
  const graph = chain([4, 4, 1], [{ id: 'f', type: 'Flatten' }]);
  const nulled: Graph = { ...graph, nodes: graph.nodes.map((n) => (n.id === 'f' ? { ...n, params: null as unknown as Record<string, ParamValue> } : n)) };
  const report = validateGraph(nulled);
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.nodes['f']!.shape, [16]);
});
