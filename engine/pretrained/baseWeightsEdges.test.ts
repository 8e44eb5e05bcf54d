/**
 * Loading a base's weights into a real tfjs model built from the graph, at
 * the edges: a base file without a layer the group needs, a group with no
 * node in the graph; and fitting the transfer head to the data's classes
 * (units already right, a head that is missing or not Dense).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { StudioError } from '../errors.js';
import { buildModel } from '../graph/tfjs/build.js';
import { layerNamesByNode } from '../graph/naming.js';
import type { LayerWeights } from '../model/kerasH5.js';
import { shortWeightName } from '../model/kerasH5.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { applyBaseWeights } from './baseWeights.js';
import { fitHeadToClasses } from '../graph/transferHead.js';

const TRANSFER = { head: 'dense', fineTuneBlocks: 0, fineTuneEpochs: 0, fineTuneLearningRateFactor: 0.1 };

test('a base file without a layer of the group names the node and says "no such layer"; a group with no node is refused', async () => {
  await tf.setBackend('cpu');
  const graph = tinyCnnProject({ size: 8 }).graph;
  for (const node of graph.nodes) if (node.id === 'conv' || node.id === 'dense') node.group = 'base';
  const donor = buildModel(graph, { seed: 1 });
  const model = buildModel(graph, { seed: 2 });
  try {
    const names = layerNamesByNode(graph);
    const source: LayerWeights = new Map(
      donor.layers
        .filter((l) => l.weights.length > 0)
        .map((l) => [l.name, new Map(l.weights.map((w, i) => [shortWeightName(w.originalName), { shape: [...w.shape] as number[], data: l.getWeights()[i]!.dataSync() as Float32Array }]))]),
    );
    assert.deepEqual(applyBaseWeights(model, graph, 'base', source, 'donor.h5'), ['conv', 'dense']);

    source.delete(names.get('dense')!);
    assert.throws(
      () => applyBaseWeights(model, graph, 'base', source, 'donor.h5'),
      (e: StudioError) => e.code === 'weights-mismatch' && /^Node "dense" of base base needs kernel \[\d+,3\], but donor\.h5 has no such layer\.$/.test(e.message),
    );
    assert.throws(
      () => applyBaseWeights(model, graph, 'mobilenetv2-0.35-224', source, 'donor.h5'),
      (e: StudioError) => e.message === 'No node of the graph belongs to base mobilenetv2-0.35-224.' && e.code === 'weights-mismatch',
    );
  } finally {
    donor.dispose();
    model.dispose();
  }
});

test('the transfer head: units set to the class count, the same graph when they already match; a missing or non-Dense head is refused', () => {
  const graph = tinyCnnProject({ size: 8 }).graph;
  assert.equal(fitHeadToClasses(graph, undefined, 5), graph, 'no transfer: unchanged');
  assert.equal(fitHeadToClasses(graph, { ...TRANSFER, head: null }, 5), graph);
  assert.equal(fitHeadToClasses(graph, TRANSFER, 3), graph, 'already 3 units: the very same graph');
  const fitted = fitHeadToClasses(graph, TRANSFER, 7);
  assert.equal(fitted.nodes.find((n) => n.id === 'dense')!.params['units'], 7);
  assert.equal(graph.nodes.find((n) => n.id === 'dense')!.params['units'], 3, 'the project\'s graph is not changed');
  for (const head of ['nowhere', 'conv']) {
    assert.throws(
      () => fitHeadToClasses(graph, { ...TRANSFER, head }, 7),
      (e: StudioError) => e.code === 'invalid-training-setting' && e.message === `training.transfer.head names "${head}", which is not a Dense node of the graph.`,
    );
  }
});
