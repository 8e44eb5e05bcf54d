/**
 * The training-memory estimate counts the worker replicas of a multi-thread
 * run (train/parallel): each holds the model, its gradients and a shared
 * gradient buffer, and the engine a shared copy of the weights. They count
 * against the machine's memory, not against the WebAssembly heap, of which
 * every replica has its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { chain } from '../testing/graphs.js';
import { defaultTrainingSettings } from '../project/schema.js';
import { workersSharingLimit } from './memoryLimit.js';
import { estimateTrainingMemory, markerIds, memoryProblems } from '../graph/memory.js';
import { validateGraph } from '../graph/validate.js';

const MiB = 1024 ** 2;
// 12,288 × 2,048 + 2,048 weights ≈ 96 MiB, then 2,048 × 10 + 10.
const graph = chain([64, 64, 3], [{ type: 'Flatten' }, { id: 'wide', type: 'Dense', params: { units: 2048 } }, { type: 'Dense', params: { units: 10, activation: 'softmax' } }]);
const report = validateGraph(graph);
const optimizer = defaultTrainingSettings().optimizer;

test('each worker replica adds the model, its gradients and its shared gradient buffer; the engine one shared copy of the weights', () => {
  const one = estimateTrainingMemory(report, optimizer, 32, markerIds(graph));
  const weights = report.totals.params * 4;
  assert.equal(one.replicas, 0);
  assert.deepEqual(estimateTrainingMemory(report, optimizer, 32, markerIds(graph), 0), one);
  for (const workers of [1, 3]) {
    const many = estimateTrainingMemory(report, optimizer, 32, markerIds(graph), workers);
    assert.equal(many.replicas, workers * (2 * weights + report.totals.trainableParams * 4) + weights);
    assert.equal(many.total, one.total + many.replicas);
    // The activations are split between the replicas, not repeated.
    assert.equal(many.activations, one.activations);
  }
});

test('a run that fits on one thread is refused on four when the replicas share the limit, and the hint says fewer threads', () => {
  const limit = { bytes: 512 * MiB, label: 'a 512 MiB test limit' };
  const settings = { optimizer, batchSize: 32, limit };
  assert.deepEqual(memoryProblems(graph, report, settings).problems, []);
  const four = memoryProblems(graph, report, { ...settings, workers: 3 });
  assert.equal(four.problems.length, 1);
  assert.match(four.problems[0]!.message, /at batch size 32, 3 worker replicas of the model 96\d MiB\), more than a 512 MiB test limit/);
  assert.match(four.problems[0]!.hint ?? '', /or fewer threads\.$/);
});

test("replicas count against the machine's memory, not against the WebAssembly heap each of them has", () => {
  assert.equal(workersSharingLimit('cpu', 4), 3);
  assert.equal(workersSharingLimit('cpu', 1), 0);
  // The wasm backend is held to its 4 GiB heap only on a machine with more memory than that.
  assert.equal(workersSharingLimit('wasm', 4), totalmem() > 4 * 1024 ** 3 ? 0 : 3);
});
