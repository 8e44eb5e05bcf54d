// The training-memory rule (graph/memory.ts) where no test reached it: the
// optimizer state of RMSprop with and without momentum, and a network whose
// whole cost is its input batch (no layer to blame, so the verdict names no
// node and the hint no layer). Numbers worked out by hand from the rule in
// memory.ts' header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OptimizerSettings } from '../protocol.js';
import { chain } from '../testing/graphs.js';
import { estimateTrainingMemory, markerIds, memoryProblems, optimizerSlots } from './memory.js';
import { validateGraph } from './validate.js';

const rmsprop = (momentum: number): OptimizerSettings => ({ type: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum, epsilon: 1e-7 });
const sgd = (momentum: number): OptimizerSettings => ({ type: 'sgd', learningRate: 0.01, momentum, nesterov: false });

test('optimizer slots per trainable weight: RMSprop 1, or 2 with momentum; SGD 0, or 1 with momentum; Adam 2; Adagrad 1', () => {
  assert.equal(optimizerSlots(rmsprop(0)), 1);
  assert.equal(optimizerSlots(rmsprop(0.9)), 2);
  assert.equal(optimizerSlots(sgd(0)), 0);
  assert.equal(optimizerSlots(sgd(0.9)), 1);
  assert.equal(optimizerSlots({ type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }), 2);
  assert.equal(optimizerSlots({ type: 'adagrad', learningRate: 0.01, initialAccumulatorValue: 0.1 }), 1);

  // Dense(5) on 10 features: 55 weights, 4 bytes each per slot; 5 activations + their gradients per sample.
  const graph = chain([10], [{ id: 'dense', type: 'Dense', params: { units: 5 } }]);
  const report = validateGraph(graph);
  assert.deepEqual(estimateTrainingMemory(report, rmsprop(0.9), 2, markerIds(graph)), {
    weights: 220, gradients: 220, optimizer: 440, activations: 5 * 2 * 4 * 2, input: 10 * 2 * 4, replicas: 0, total: 220 + 220 + 440 + 80 + 80, slots: 2, // one thread: no worker replicas
  });
  assert.equal(estimateTrainingMemory(report, rmsprop(0), 2, markerIds(graph)).optimizer, 220);
});

test('a network that is only its input: the verdict and the hint name no layer, as a problem over the limit and a warning over half', () => {
  // 1000 × 1000 × 3 floats × batch 10 = 120,000,000 bytes, about 114 MiB; no layer holds weights or activations.
  const graph = chain([1000, 1000, 3], []);
  const report = validateGraph(graph);
  const settings = { optimizer: rmsprop(0), batchSize: 10 };
  const parts = 'weights 0 bytes, gradients and optimizer state 0 bytes, activations 0 bytes at batch size 10';
  const hint = 'Use a smaller batch size, or fewer units or filters.';
  assert.deepEqual(memoryProblems(graph, report, { ...settings, limit: { bytes: 100 * 1024 ** 2, label: 'a 100 MiB test limit' } }), {
    problems: [
      {
        nodeId: null,
        code: 'too-much-memory',
        message: `Training this network needs about 114 MiB (${parts}), more than a 100 MiB test limit (100 MiB).`,
        hint,
      },
    ],
    warnings: [],
  });
  assert.deepEqual(memoryProblems(graph, report, { ...settings, limit: { bytes: 200 * 1024 ** 2, label: 'a 200 MiB test limit' } }), {
    problems: [],
    warnings: [
      {
        nodeId: null,
        code: 'too-much-memory',
        message: `Training this network needs about 114 MiB (${parts}), over half of a 200 MiB test limit (200 MiB); it may run out of memory.`,
        hint,
      },
    ],
  });
  // Without a known limit only the per-tensor check runs, and one image of 3 million values fits a tensor.
  assert.deepEqual(memoryProblems(graph, report, settings), { problems: [], warnings: [] });
});
