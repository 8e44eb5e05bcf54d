/**
 * The Keras writer (toKeras.ts) for descriptions a converted model can hold
 * and the studio's own graphs never make: a normalisation over several axes,
 * an axis stored as a list, a Rescaling without an offset, a layer type the
 * writer does not know. Each layer's line is checked word for word; the
 * whole file is parsed by Python in exportModel.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { isStudioError } from '../../errors.js';
import { buildModel } from '../../graph/tfjs/build.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { chain } from '../../testing/graphs.js';
import { describeModel, type DescribedLayer, type ModelDescription } from '../../model/modelDescription.js';
import { toKeras } from './toKeras.js';

const models: tfl.LayersModel[] = [];

before(async () => {
  await tf.setBackend('cpu');
});

after(() => {
  for (const model of models) model.dispose();
});

/** Input [5, 4, 2] → one layer, described, with `change` applied to that layer (`l1`). */
function described(type: string, params: Record<string, number | boolean>, change: (layer: DescribedLayer) => void = () => {}): ModelDescription {
  const model = buildModel(chain([5, 4, 2], [{ type, params }]), { seed: 1 });
  models.push(model);
  const description = describeModel(model);
  const layer = description.layers.find((l) => l.name === 'l1')!;
  layer.config = { ...layer.config };
  change(layer);
  return description;
}

/** The line of the generated file that builds layer l1. */
function lineOfL1(source: string): string {
  return source.split('\n').map((line) => line.trim()).find((line) => line.startsWith('l1 = '))!;
}

test('LayerNormalization over one axis, and over several axes as a list', () => {
  assert.equal(lineOfL1(toKeras(described('LayerNormalization', { axis: -1 }))), 'l1 = layers.LayerNormalization(axis=3, epsilon=0.001, center=True, scale=True, name="l1")(input)');
  assert.equal(
    lineOfL1(toKeras(described('LayerNormalization', {}, (l) => (l.config['axis'] = [-2, -1])))),
    'l1 = layers.LayerNormalization(axis=[2, 3], epsilon=0.001, center=True, scale=True, name="l1")(input)',
  );
});

test('BatchNormalization whose axis is stored as a one-element list; without scale and center', () => {
  assert.equal(
    lineOfL1(toKeras(described('BatchNormalization', { momentum: 0.9 }, (l) => (l.config['axis'] = [3])))),
    'l1 = layers.BatchNormalization(axis=3, momentum=0.9, epsilon=0.001, center=True, scale=True, name="l1")(input)',
  );
  assert.equal(
    lineOfL1(toKeras(described('BatchNormalization', { axis: 1, scale: false, center: false }))),
    'l1 = layers.BatchNormalization(axis=1, momentum=0.99, epsilon=0.001, center=False, scale=False, name="l1")(input)',
  );
});

test('a Rescaling with an offset, and one described without (Keras\' default 0)', () => {
  assert.equal(lineOfL1(toKeras(described('Rescaling', { scale: 2, offset: -1 }))), 'l1 = layers.Rescaling(scale=2.0, offset=-1.0, name="l1")(input)');
  assert.equal(lineOfL1(toKeras(described('Rescaling', { scale: 0.5 }, (l) => delete l.config['offset']))), 'l1 = layers.Rescaling(scale=0.5, offset=0.0, name="l1")(input)');
});

test('a layer type the writer does not know is refused, naming the layer', () => {
  assert.throws(
    () => toKeras(described('Flatten', {}, (l) => (l.className = 'Lambda'))),
    (e: unknown) => {
      assert.ok(isStudioError(e));
      assert.equal(e.message, 'Layer "l1" (Lambda) cannot be exported to Keras: the exporter has no Keras translation for this layer type.');
      assert.equal(e.code, 'unsupported-layer');
      return true;
    },
  );
});
