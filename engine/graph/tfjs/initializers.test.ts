// Each kernel_initializer a node may name becomes the distribution Keras
// defines for it (graph/tfjs/helpers.ts makeInitializer, through buildModel):
// the 30,000 weights of a Dense(100) on 300 features are measured. Uniform
// ones reach ±limit with a standard deviation of limit/√3; the "normal" ones
// of the variance-scaling family are normals with σ = √(scale / fan) cut at
// ±2σ (their deviation is 0.8796σ); random_normal is not cut. Fan: glorot
// (300 + 100) / 2, he and lecun 300. Found by coverage: no test built a layer
// with glorot_normal, lecun_uniform or random_uniform, or checked any mapping.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { chain } from '../../testing/graphs.js';
import { INITIALIZERS } from '../layers/common-params.js';
import { buildModel } from './build.js';
import { makeInitializer } from './helpers.js';

before(async () => {
  await tf.setBackend('cpu');
});

type Expected = { uniform: number } | { normal: number; cut: boolean } | { constant: number };

const TRUNCATED_SHARE = 0.8796; // standard deviation of a normal cut at ±2σ, in σ
const EXPECTED: Record<string, Expected> = {
  glorot_uniform: { uniform: Math.sqrt(6 / 400) },
  glorot_normal: { normal: Math.sqrt(2 / 400), cut: true },
  he_uniform: { uniform: Math.sqrt(6 / 300) },
  he_normal: { normal: Math.sqrt(2 / 300), cut: true },
  lecun_uniform: { uniform: Math.sqrt(3 / 300) },
  lecun_normal: { normal: Math.sqrt(1 / 300), cut: true },
  random_uniform: { uniform: 0.05 },
  random_normal: { normal: 0.05, cut: false },
  truncated_normal: { normal: 0.05, cut: true },
  zeros: { constant: 0 },
  ones: { constant: 1 },
};

function kernelOf(initializer: string): Float32Array {
  const model = buildModel(chain([300], [{ id: 'd', type: 'Dense', params: { units: 100, kernel_initializer: initializer } }]), { seed: 7 });
  const kernel = model.getWeights()[0]!.dataSync() as Float32Array;
  model.dispose();
  return kernel;
}

test('every initializer the layers offer has its Keras distribution in the built model', () => {
  assert.deepEqual([...INITIALIZERS].sort(), Object.keys(EXPECTED).sort(), 'the table covers every option');
  const before = tf.memory().numTensors;
  for (const name of INITIALIZERS) {
    const w = kernelOf(name);
    let sum = 0;
    let squares = 0;
    let largest = 0;
    for (const v of w) {
      sum += v;
      squares += v * v;
      largest = Math.max(largest, Math.abs(v));
    }
    const mean = sum / w.length;
    const deviation = Math.sqrt(squares / w.length - mean * mean);
    const expected = EXPECTED[name]!;
    const near = (actual: number, wanted: number, what: string) =>
      assert.ok(Math.abs(actual - wanted) <= 0.03 * wanted, `${name}: ${what} ${actual.toFixed(5)}, expected ${wanted.toFixed(5)} ± 3 %`);
    if ('constant' in expected) {
      assert.ok(w.every((v) => v === expected.constant), `${name}: every weight ${expected.constant}`);
      continue;
    }
    assert.ok(Math.abs(mean) < 0.002, `${name}: mean ${mean}`);
    if ('uniform' in expected) {
      near(deviation, expected.uniform / Math.sqrt(3), 'standard deviation');
      assert.ok(largest <= expected.uniform * (1 + 1e-6) && largest >= expected.uniform * 0.99, `${name}: largest |w| ${largest}, limit ${expected.uniform}`);
    } else if (expected.cut) {
      near(deviation, expected.normal * TRUNCATED_SHARE, 'standard deviation');
      assert.ok(largest <= 2 * expected.normal * (1 + 1e-6) && largest >= 1.9 * expected.normal, `${name}: largest |w| ${largest}, cut at ${2 * expected.normal}`);
    } else {
      near(deviation, expected.normal, 'standard deviation');
      assert.ok(largest > 3 * expected.normal, `${name}: not cut, so 30,000 draws go past 3σ (largest ${largest})`);
    }
  }
  assert.equal(tf.memory().numTensors, before, 'the models and their weights are disposed');
});

test('a name validation does not know has no initializer: the error names it', () => {
  assert.throws(() => makeInitializer('orthogonal', 1), { message: 'Initializer "orthogonal" passed validation but has no tfjs counterpart.' });
});
