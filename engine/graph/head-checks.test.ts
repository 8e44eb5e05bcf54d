/**
 * The class-count check of a classifier's head names the layer that sets the
 * output width, looking back past Activation and Dropout nodes (issue 19: a
 * mutant that stopped at the Activation survived every other test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain } from '../testing/graphs.js';
import { validateGraph } from './validate.js';

const categorical = { classCount: 3, loss: 'sparse-categorical-crossentropy' } as const;

test('Dense(5) → Activation(softmax) for 3 classes: the problem names the Dense and its units, not the Activation', () => {
  const graph = chain([8], [
    { id: 'hidden', type: 'Dense', params: { units: 16, activation: 'relu' } },
    { id: 'logits', type: 'Dense', params: { units: 5, activation: 'linear' } },
    { id: 'act', type: 'Activation', params: { activation: 'softmax' } },
  ]);
  const report = validateGraph(graph, categorical);
  assert.deepEqual(report.problems, [
    {
      nodeId: 'logits',
      param: 'units',
      code: 'class-count-mismatch',
      message: 'The model outputs 5 values but the data has 3 classes.',
      hint: 'Set units of "logits" to 3.',
    },
  ]);
});

test('past Dropout and a chain of Activations the width is still the Dense, and the activation the last Activation', () => {
  const graph = chain([8], [
    { id: 'logits', type: 'Dense', params: { units: 4 } },
    { id: 'drop', type: 'Dropout', params: { rate: 0.2 } },
    { id: 'act1', type: 'Activation', params: { activation: 'relu' } },
    { id: 'act2', type: 'Activation', params: { activation: 'sigmoid' } },
    { id: 'drop2', type: 'Dropout', params: { rate: 0.1 } },
  ]);
  const report = validateGraph(graph, categorical);
  assert.deepEqual(
    report.problems.map((p) => [p.nodeId, p.param, p.code, p.hint]),
    [
      ['logits', 'units', 'class-count-mismatch', 'Set units of "logits" to 3.'],
      ['act2', 'activation', 'output-activation', 'Set activation of "act2" to softmax.'],
    ],
  );
});

test('the right width behind an Activation is accepted', () => {
  const graph = chain([8], [
    { id: 'logits', type: 'Dense', params: { units: 3 } },
    { id: 'act', type: 'Activation', params: { activation: 'softmax' } },
  ]);
  assert.deepEqual(validateGraph(graph, categorical).problems, []);
});
