// A regularizer that names only l1 or only l2 (graph/layers/resolved-params.ts
// regularizer) becomes a tfjs L1L2 with the other penalty 0 in the built
// layer, read back from the layer's own config. Found by coverage: only
// regularizers with both keys were built.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { chain } from '../../testing/graphs.js';
import { buildModel } from './build.js';

before(async () => {
  await tf.setBackend('cpu');
});

test('kernel_regularizer {l2} and {l1}: the missing penalty is 0; null builds no regularizer', () => {
  const model = buildModel(
    chain([4], [
      { id: 'l2only', type: 'Dense', params: { units: 2, kernel_regularizer: { l2: 0.5 } } },
      { id: 'l1only', type: 'Dense', params: { units: 2, kernel_regularizer: { l1: 0.25 } } },
      { id: 'none', type: 'Dense', params: { units: 2, kernel_regularizer: null } },
    ]),
  );
  const regularizerOf = (name: string) => model.getLayer(name).getConfig()['kernelRegularizer'];
  assert.deepEqual(regularizerOf('l2only'), { className: 'L1L2', config: { l1: 0, l2: 0.5 } });
  assert.deepEqual(regularizerOf('l1only'), { className: 'L1L2', config: { l1: 0.25, l2: 0 } });
  assert.equal(regularizerOf('none'), null);
  model.dispose();
});
