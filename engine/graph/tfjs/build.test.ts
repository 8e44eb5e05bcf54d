/** buildModel: names, merge order, freezing, seeds, errors, and the layers tfjs lacks. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildModel, InvalidGraphError, nodeIdOfLayer } from './build.js';
import { chain, edge, node } from '../../testing/graphs.js';
import { SpatialDropout2D } from './spatial-dropout.js';
import { BUILDERS } from './builders.js';
import { layerTypes, type LayerType } from '../layers/index.js';
import { layerNamesByNode, sanitiseLayerName } from '../naming.js';
import type { Graph } from '../schema.js';
import { createProject } from '../templates.js';

before(async () => {
  await tf.setBackend('cpu');
});

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer)));
}

describe('seeded builds', () => {
  test('the same seed gives bit-identical weights, for every template', () => {
    for (const name of ['seed-cnn', 'resnet-small', 'mobilenet-small']) {
      const { graph } = createProject(name);
      const first = buildModel(graph, { seed: 42 });
      const second = buildModel(graph, { seed: 42 });
      assert.ok(sameBits(weightsOf(first), weightsOf(second)), `${name} rebuilds identically`);
      const other = buildModel(graph, { seed: 43 });
      assert.ok(!sameBits(weightsOf(first), weightsOf(other)), `${name} differs with another seed`);
      for (const m of [first, second, other]) m.dispose();
    }
  });

  test('every seeded weight draws its own values', () => {
    const graph = chain([6, 6, 2], [
      { type: 'Conv2D', params: { filters: 2, kernel_size: 3, padding: 'same' }, id: 'a' },
      { type: 'Conv2D', params: { filters: 2, kernel_size: 3, padding: 'same' }, id: 'b' },
      { type: 'SeparableConv2D', params: { filters: 2, kernel_size: 3, depth_multiplier: 2, padding: 'same' }, id: 'c' },
    ]);
    const model = buildModel(graph, { seed: 1 });
    const [a, b] = [model.getLayer('a').getWeights()[0]!, model.getLayer('b').getWeights()[0]!];
    assert.ok(!sameBits([a.dataSync() as Float32Array], [b.dataSync() as Float32Array]));
    const [depthwise, pointwise] = model.getLayer('c').getWeights();
    assert.notDeepEqual(Array.from(depthwise!.dataSync()).slice(0, 4), Array.from(pointwise!.dataSync()).slice(0, 4));
    model.dispose();
  });
});

describe('layer names map back to nodes', () => {
  test('names come from node names or ids, sanitised and unique', () => {
    const graph = chain([4], [
      { type: 'Dense', params: { units: 2 }, id: 'dense-1' },
      { type: 'Dense', params: { units: 2 }, id: 'x' },
      { type: 'Dense', params: { units: 2 }, id: '3rd' },
    ]);
    graph.nodes[2]!.name = 'dense 1';
    const names = layerNamesByNode(graph);
    assert.equal(names.get('dense-1'), 'dense_1');
    assert.equal(names.get('x'), 'dense_1_2');
    assert.equal(names.get('3rd'), 'layer_3rd');
    const model = buildModel(graph);
    assert.deepEqual(model.layers.map((l) => l.name), ['input', 'dense_1', 'dense_1_2', 'layer_3rd']);
    for (const layer of model.layers) {
      const id = nodeIdOfLayer(graph, layer.name);
      assert.equal(names.get(id!), layer.name);
    }
    assert.equal(nodeIdOfLayer(graph, 'dense_1_2/kernel'), 'x');
    assert.equal(nodeIdOfLayer(graph, 'nothing'), null);
    model.dispose();
  });

  test('sanitising never leaves a double underscore, so helper names stay unambiguous', () => {
    assert.equal(sanitiseLayerName('a__b  c'), 'a_b_c');
    assert.equal(sanitiseLayerName('__'), 'layer');
  });

  test('leaky_relu on a Conv2D becomes a linear conv and a LeakyReLU, both mapped to the node', () => {
    const graph = chain([5, 5, 1], [{ type: 'Conv2D', params: { filters: 1, kernel_size: 1, activation: 'leaky_relu', use_bias: false }, id: 'conv' }]);
    const model = buildModel(graph, { seed: 1 });
    assert.deepEqual(model.layers.map((l) => l.name), ['input', 'conv', 'conv__leaky_relu']);
    assert.equal(nodeIdOfLayer(graph, 'conv__leaky_relu'), 'conv');
    model.getLayer('conv').setWeights([tf.ones([1, 1, 1, 1])]);
    const out = tf.tidy(() => (model.predict(tf.fill([1, 5, 5, 1], -1)) as tf.Tensor).dataSync()[0]);
    assert.ok(Math.abs(out! - -0.2) < 1e-6, `Keras' leaky_relu slope 0.2, got ${out}`);
    model.dispose();
  });
});

describe('merges and freezing', () => {
  test('merge inputs follow targetPort, then edge order', () => {
    const graph: Graph = {
      nodes: [
        node('input', 'Input', { shape: [4, 4, 1] }),
        node('two', 'Conv2D', { filters: 2, kernel_size: 1 }),
        node('three', 'Conv2D', { filters: 3, kernel_size: 1 }),
        node('five', 'Conv2D', { filters: 5, kernel_size: 1 }),
        node('cat', 'Concatenate'),
        node('output', 'Output'),
      ],
      // Listed out of order on purpose: ports say three, then two; five has the default port 0 but comes later in edge order.
      edges: [edge('input', 'two'), edge('input', 'three'), edge('input', 'five'), edge('two', 'cat', 1), edge('three', 'cat', 0), edge('five', 'cat'), edge('cat', 'output')],
    };
    const model = buildModel(graph);
    const inbound = model.getLayer('cat').inboundNodes[0]!.inboundLayers.map((l) => l.name);
    assert.deepEqual(inbound, ['three', 'five', 'two']);
    model.dispose();
  });

  test('a residual Add builds and runs', () => {
    const model = buildModel(createProject('resnet-small').graph, { seed: 0 });
    const out = tf.tidy(() => tf.sum(model.predict(tf.randomUniform([2, 28, 28, 1])) as tf.Tensor, 1).dataSync());
    for (const total of out) assert.ok(Math.abs(total - 1) < 1e-5, 'softmax rows sum to 1');
    model.dispose();
  });

  test('frozen nodes build non-trainable layers', () => {
    const { graph } = createProject('seed-cnn');
    for (const id of ['conv1', 'conv2']) graph.nodes.find((n) => n.id === id)!.frozen = true;
    const model = buildModel(graph);
    assert.equal(model.getLayer('conv1').trainable, false);
    assert.equal(model.getLayer('conv3').trainable, true);
    const trainable = model.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((n, d) => n * (d ?? 1), 1), 0);
    assert.equal(trainable, 93_322 - 320 - 18_496);
    model.dispose();
  });
});

describe('errors', () => {
  test('an invalid graph throws an InvalidGraphError that lists every problem', () => {
    const { graph } = createProject('seed-cnn');
    graph.nodes.find((n) => n.id === 'conv1')!.params['filters'] = 'ten';
    graph.nodes.find((n) => n.id === 'dense1')!.params['kernal'] = 1;
    assert.throws(
      () => buildModel(graph),
      (e: unknown) =>
        e instanceof InvalidGraphError &&
        e.code === 'invalid-graph' &&
        e.problems.length === 2 &&
        e.message.includes('conv1') &&
        e.message.includes('dense1') &&
        e.hint.length > 0,
    );
  });
});

describe('SpatialDropout2D', () => {
  test('drops whole channels while training and nothing at inference', () => {
    const layer = new SpatialDropout2D({ rate: 0.5 });
    const x = tf.ones([4, 3, 3, 8]);
    const trained = layer.apply(x, { training: true }) as tf.Tensor;
    const values = trained.arraySync() as number[][][][];
    for (const sample of values) {
      for (let c = 0; c < 8; c++) {
        const channel = sample.flatMap((row) => row.map((pixel) => pixel[c]!));
        assert.ok(channel.every((v) => v === channel[0]), 'one decision per channel');
        assert.ok(channel[0] === 0 || Math.abs(channel[0]! - 2) < 1e-6, 'kept channels are scaled by 1 / (1 - rate)');
      }
    }
    const inferred = layer.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(inferred.dataSync()), Array.from(x.dataSync()));
    tf.dispose([x, trained, inferred]);
  });

  test('a model with it saves and loads again', async () => {
    const graph = chain([6, 6, 2], [
      { type: 'Conv2D', params: { filters: 3, kernel_size: 3 } },
      { type: 'SpatialDropout2D', params: { rate: 0.25 }, id: 'drop' },
      { type: 'Flatten' },
      { type: 'Dense', params: { units: 2, activation: 'softmax' } },
    ]);
    const model = buildModel(graph, { seed: 5 });
    let saved: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const dropout = loaded.getLayer('drop');
    assert.ok(dropout instanceof SpatialDropout2D);
    assert.equal(dropout.rate, 0.25);
    assert.ok(sameBits(weightsOf(model), weightsOf(loaded)));
    model.dispose();
    loaded.dispose();
  });
});

test('every layer type of the catalogue has its tfjs builder under its own name', () => {
  // The table is typed Record<LayerType, Builder>; this checks the other half:
  // that each spec's `type` is the key it is listed under.
  const missing = layerTypes().filter((type) => typeof BUILDERS[type as LayerType] !== 'function');
  assert.deepEqual(missing, []);
});
