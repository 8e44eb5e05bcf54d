// The inspector's worked formulas (graph/explain.ts) for every kind of layer it
// explains, with and without an input, with and without a bias, and with a
// parameter that does not validate: the numbers are worked out by hand here
// from Keras' formulas. Found by coverage: explain.test.ts checks only the
// usual Conv2D, pooling and Dense cases against validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { node } from '../testing/graphs.js';
import { explainNode } from './explain.js';

test('Conv2D without a bias counts no +1 per filter', () => {
  assert.deepEqual(explainNode(node('c', 'Conv2D', { filters: 4, kernel_size: 3, use_bias: false }), [10, 10, 2], [8, 8, 4]), {
    rule: 'out = ⌊(in + 2·pad − kernel) / stride⌋ + 1',
    worked: ['height = width: ⌊(10 + 2·0 − 3) / 1⌋ + 1 = 8'],
    params: 'params = (3·3·2) · 4 = 72',
  });
  // Without an output shape there is no count to show.
  assert.equal(explainNode(node('c', 'Conv2D', { filters: 4, kernel_size: 3 }), [10, 10, 2], null)!.params, undefined);
});

test('Conv2DTranspose: in · stride with same padding, (in − 1) · stride + kernel with valid, per axis', () => {
  assert.deepEqual(explainNode(node('t', 'Conv2DTranspose', { filters: 4, kernel_size: 3, strides: 2, padding: 'same' }), [5, 7, 2], [10, 14, 4]), {
    rule: 'out = in · stride',
    worked: ['height: 5 · 2 = 10', 'width: 7 · 2 = 14'],
  });
  assert.deepEqual(explainNode(node('t', 'Conv2DTranspose', { filters: 4, kernel_size: [3, 2], strides: [2, 1] }), [5, 7, 2], [11, 8, 4]), {
    rule: 'out = (in − 1) · stride + kernel (when kernel ≥ stride)',
    worked: ['height: (5 − 1) · 2 + 3 = 11', 'width: (7 − 1) · 1 + 2 = 8'],
  });
  assert.deepEqual(explainNode(node('t', 'Conv2DTranspose', { filters: 4, kernel_size: 3, strides: 2 }), null, null), {
    rule: 'out = (in − 1) · stride + kernel (when kernel ≥ stride)',
    worked: ['Connect an image input to see the numbers.'],
  });
  assert.deepEqual(explainNode(node('t', 'Conv2DTranspose', { filters: 4, kernel_size: 3 }), [64], null)!.worked, ['Connect an image input to see the numbers.']);
  // A kernel_size of 0 does not validate: nothing is explained (the field shows why).
  assert.equal(explainNode(node('t', 'Conv2DTranspose', { filters: 4, kernel_size: 0 }), [5, 5, 1], null), null);
});

test('Dense: the matrix product and the count, with and without a bias; nothing while units is invalid', () => {
  assert.deepEqual(explainNode(node('d', 'Dense', { units: 3, use_bias: false }), [4], [3]), {
    rule: 'out = activation(in · W + b)',
    worked: ['[4] · W[4 × 3] → [3]'],
    params: 'params = 4 · 3 = 12',
  });
  // On an image Dense acts on the last axis only.
  assert.deepEqual(explainNode(node('d', 'Dense', { units: 3 }), [2, 2, 5], [2, 2, 3])!.worked, ['[2, 2, 5] · W[5 × 3] → [2, 2, 3]']);
  assert.equal(explainNode(node('d', 'Dense', { units: 3 }), [2, 2, 5], [2, 2, 3])!.params, 'params = 5 · 3 + 3 = 18');
  assert.deepEqual(explainNode(node('d', 'Dense', { units: 3 }), null, null), { rule: 'out = activation(in · W + b)', worked: ['Connect an input to see the numbers.'] });
  assert.equal(explainNode(node('d', 'Dense', { units: -3 }), [4], null), null);
});

test('Flatten and global pooling: the product and the channels; nothing without a usable input; other layers are not explained', () => {
  assert.deepEqual(explainNode(node('f', 'Flatten'), [2, 3, 4], [24]), { rule: 'out = h · w · c', worked: ['2 · 3 · 4 = 24'] });
  assert.deepEqual(explainNode(node('f', 'Flatten'), [40, 40, 40], [64000])!.worked, ['40 · 40 · 40 = 64,000']);
  assert.equal(explainNode(node('f', 'Flatten'), null, null), null);
  for (const type of ['GlobalAveragePooling2D', 'GlobalMaxPooling2D']) {
    assert.deepEqual(explainNode(node('g', type), [5, 5, 7], [7]), { rule: 'out = channels (one number per feature map)', worked: ['[5, 5, 7] → [7]'] }, type);
    assert.equal(explainNode(node('g', type), [5], null), null, type);
    assert.equal(explainNode(node('g', type), null, null), null, type);
  }
  for (const type of ['Activation', 'Add', 'BatchNormalization', 'Input']) assert.equal(explainNode(node('a', type), [5], [5]), null, type);
});
