/**
 * Keras files imported directly: a Keras 2 full-model .h5 and a Keras 3
 * .keras (both written here with python3-h5py in Keras' layouts, since
 * Debian has no Keras) of a MobileNetV2 0.35 whose relu6 is Keras' ReLU
 * layer, import through the engine's model.import as studio graphs with
 * Keras' parameter count and compute what the source computes; a
 * weights-only .h5 starts a run by layer name; a weights-only .h5 offered
 * as a model says what to do instead.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { isStudioError } from '../errors.js';
import { applyInitialWeights } from './initialWeights.js';
import { buildModel } from '../graph/tfjs/build.js';
import { validateGraph } from '../graph/validate.js';
import { loadModelFolder } from './modelFiles.js';
import { keras3LayerKeys, toSnakeCase } from './kerasFile.js';
import { baseGraphWithOutput, keras2Config, keras3Config, randomBaseModel, writeKeras3Fixture, writeKerasH5Fixture } from '../testing/pretrainedBases.js';

let temp: { dir: string; remove: () => Promise<void> };
let source: tfl.LayersModel;
let x: tf.Tensor;
let expected: Float32Array;

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('keras-import-');
  source = await randomBaseModel(0.35, 96, 13);
  const config = keras2Config(source);
  await writeKerasH5Fixture(source, join(temp.dir, 'full.h5'), config);
  await writeKerasH5Fixture(source, join(temp.dir, 'weights.h5'));
  await writeKeras3Fixture(source, keras3Config(config), join(temp.dir, 'model.keras'));
  x = tf.randomUniform([2, 96, 96, 3], -1, 1, 'float32', 3);
  expected = (source.predict(x) as tf.Tensor).dataSync() as Float32Array;
});

after(async () => {
  source.dispose();
  x.dispose();
  await temp.remove();
});

async function predictFolder(dir: string): Promise<Float32Array> {
  const { model } = await loadModelFolder(dir);
  const y = model.predict(x) as tf.Tensor;
  const values = y.dataSync() as Float32Array;
  y.dispose();
  model.dispose();
  return values;
}

describe('importing Keras files', () => {
  test("Keras 3's weight keys: the class in snake_case, numbered per class", () => {
    assert.equal(toSnakeCase('Conv2D'), 'conv2d');
    assert.equal(toSnakeCase('BatchNormalization'), 'batch_normalization');
    assert.equal(toSnakeCase('DepthwiseConv2D'), 'depthwise_conv2d');
    assert.equal(toSnakeCase('ReLU'), 're_lu');
    const keys = keras3LayerKeys(keras3Config(keras2Config(source)));
    assert.equal(keys.get('Conv1'), 'conv2d');
    assert.equal(keys.get('expanded_conv_project'), 'conv2d_1');
    assert.equal(keys.get('bn_Conv1'), 'batch_normalization');
    assert.equal(keys.get('Conv_1_bn'), 'batch_normalization_51');
  });

  for (const file of ['full.h5', 'model.keras']) {
    test(`${file} imports as a studio graph with Keras' count and the source's outputs`, async () => {
      const engine = new Engine({ backend: 'cpu' });
      const imported = await engine.execute({ type: 'model.import', path: join(temp.dir, file) });
      const report = validateGraph(imported.project.graph);
      assert.equal(report.valid, true, JSON.stringify(report.problems.slice(0, 2)));
      assert.equal(report.totals.params, 410_208);
      const relu = imported.project.graph.nodes.find((n) => n.id === 'block_5_expand_relu')!;
      assert.deepEqual([relu.type, relu.params['activation']], ['Activation', 'relu6']);
      assert.ok(imported.initialWeights.endsWith(`${file.replace(/\.(h5|keras)$/, '')}-tfjs`));
      const y = await predictFolder(imported.initialWeights);
      assert.equal(Math.max(...y.map((v, i) => Math.abs(v - expected[i]!))), 0);
    });
  }

  test('a weights-only .h5 starts a run by layer name (train --weights)', async () => {
    const graph = baseGraphWithOutput(0.35, 96);
    const model = buildModel(graph, { seed: 99 });
    try {
      const report = await applyInitialWeights(model, graph, join(temp.dir, 'weights.h5'));
      assert.equal(report.loaded.length, 104);
      assert.deepEqual(report.fresh, []);
      const y = model.predict(x) as tf.Tensor;
      assert.equal(Math.max(...(y.dataSync() as Float32Array).map((v, i) => Math.abs(v - expected[i]!))), 0);
      y.dispose();
    } finally {
      model.dispose();
    }
  });

  test('a weights-only .h5 offered as a model names the way to use it', async () => {
    const engine = new Engine({ backend: 'cpu' });
    await assert.rejects(engine.execute({ type: 'model.import', path: join(temp.dir, 'weights.h5') }), (e: unknown) => {
      assert.ok(isStudioError(e));
      assert.match(e.message, /weights\.h5 holds weights only \(no model_config\)/);
      assert.match(e.hint, /convnet-studio train <project> --weights .*weights\.h5/);
      return true;
    });
  });
});
