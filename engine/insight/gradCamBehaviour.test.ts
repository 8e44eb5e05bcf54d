/**
 * Grad-CAM means something: on a synthetic data set where only the object
 * decides the class (a small shape drawn at a random place on a noisy
 * background), a small trained CNN's heatmap peaks on the object far more
 * often than always-the-centre or a random cell would; and (Adebayo et al.
 * 2018) the same network with re-initialised weights gives heatmaps whose
 * rank correlation with the trained one's is low, so the maps depend on what
 * was learnt, not only on the image.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend/select.js';
import { gradCam } from './gradCam.js';

const SIZE = 20;
const OBJECT = 6;
/** Three shapes and a fourth class of noise alone: every shape class then needs evidence of its own, not just the absence of the others. */
const CLASSES = 4;
const NOTHING = 3;

interface Synthetic {
  x: tf.Tensor4D;
  labels: number[];
  /** Top-left corner of each image's object. */
  corners: [number, number][];
}

/** A seeded generator, so the data set and the random baseline are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Class 0: a filled square; 1: a hollow square; 2: a plus sign; 3: no object. Background: uniform noise up to 0.5. */
function synthetic(count: number, seed: number): Synthetic {
  const rnd = random(seed);
  const pixels = new Float32Array(count * SIZE * SIZE);
  const labels: number[] = [];
  const corners: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < SIZE * SIZE; p++) pixels[i * SIZE * SIZE + p] = 0.5 * rnd();
    const label = i % CLASSES;
    const top = Math.floor(rnd() * (SIZE - OBJECT + 1));
    const left = Math.floor(rnd() * (SIZE - OBJECT + 1));
    for (let r = 0; r < OBJECT; r++) {
      for (let c = 0; c < OBJECT; c++) {
        const edge = r === 0 || c === 0 || r === OBJECT - 1 || c === OBJECT - 1;
        const plus = r === 2 || r === 3 || c === 2 || c === 3;
        if (label === NOTHING) continue;
        if (label === 0 || (label === 1 && edge) || (label === 2 && plus)) pixels[i * SIZE * SIZE + (top + r) * SIZE + left + c] = 1;
      }
    }
    labels.push(label);
    corners.push([top, left]);
  }
  return { x: tf.tensor4d(pixels, [count, SIZE, SIZE, 1]), labels, corners };
}

function network(seed: number): tfl.LayersModel {
  const init = (n: number) => tfl.initializers.heNormal({ seed: seed + n });
  const input = tfl.input({ shape: [SIZE, SIZE, 1] });
  let h = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv2' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }), name: 'head' }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** Spearman's rank correlation (ties get their mean rank). */
function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ranks = (v: ArrayLike<number>) => {
    const order = Array.from(v, (value, i) => ({ value, i })).sort((p, q) => p.value - q.value);
    const r = new Array<number>(v.length);
    for (let s = 0; s < order.length; ) {
      let e = s;
      while (e + 1 < order.length && order[e + 1]!.value === order[s]!.value) e++;
      for (let k = s; k <= e; k++) r[order[k]!.i] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

let trained: tfl.LayersModel;
let testSet: Synthetic;
let accuracy = 0;

before(async () => {
  await selectBackend('wasm');
  const train = synthetic(900, 1);
  testSet = synthetic(90, 2);
  trained = network(10);
  trained.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const y = tf.tensor1d(train.labels, 'float32');
  // No shuffling: fit would shuffle with Math.random, and the test must be the same on every run.
  await trained.fit(train.x, y, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0 });
  const yTest = tf.tensor1d(testSet.labels, 'float32');
  const [, acc] = trained.evaluate(testSet.x, yTest) as tf.Scalar[];
  accuracy = (await acc!.data())[0]!;
  tf.dispose([train.x, y, yTest]);
});

after(() => {
  trained.dispose();
  testSet.x.dispose();
});

test('the heatmap peaks on the object, far above the centre and random-cell baselines', async (t) => {
  assert.ok(accuracy > 0.9, `the network learnt the task (test accuracy ${accuracy})`);
  const cam = await gradCam(trained, testSet.x, { classes: testSet.labels });
  const cell = SIZE / cam.height;
  // A cell covers pixels [r·cell, (r+1)·cell); it is on the object when that square overlaps the object's.
  const onObject = (i: number, r: number, c: number) => {
    const [top, left] = testSet.corners[i]!;
    return r * cell < top + OBJECT && (r + 1) * cell > top && c * cell < left + OBJECT && (c + 1) * cell > left;
  };
  const rnd = random(99);
  let peakHits = 0;
  let centreHits = 0;
  let randomHits = 0;
  let n = 0;
  cam.heatmaps.forEach((map, i) => {
    if (testSet.labels[i] === NOTHING) return;
    n++;
    const peak = map.indexOf(Math.max(...map));
    if (onObject(i, Math.floor(peak / cam.width), peak % cam.width)) peakHits++;
    if (onObject(i, Math.floor(cam.height / 2), Math.floor(cam.width / 2))) centreHits++;
    if (onObject(i, Math.floor(rnd() * cam.height), Math.floor(rnd() * cam.width))) randomHits++;
  });
  t.diagnostic(`test accuracy ${accuracy.toFixed(3)}; peak on the object ${peakHits}/${n}, centre ${centreHits}/${n}, random cell ${randomHits}/${n}`);
  assert.ok(peakHits / n >= 0.8, `peak on the object for only ${peakHits} of ${n}`);
  assert.ok(peakHits >= 2 * Math.max(centreHits, randomHits), 'far above both baselines');
});

test('sanity check: re-initialised weights give heatmaps with a low rank correlation to the trained ones', async (t) => {
  const reinitialised = network(777);
  try {
    const ownCam = await gradCam(trained, testSet.x, { classes: testSet.labels });
    const randomCam = await gradCam(reinitialised, testSet.x, { classes: testSet.labels });
    const sameAgain = await gradCam(trained, testSet.x, { classes: testSet.labels });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const across = mean(ownCam.heatmaps.map((m, i) => spearman(m, randomCam.heatmaps[i]!)));
    const itself = mean(ownCam.heatmaps.map((m, i) => spearman(m, sameAgain.heatmaps[i]!)));
    t.diagnostic(`mean Spearman ρ, trained vs re-initialised: ${across.toFixed(3)}; trained vs itself: ${itself.toFixed(3)}`);
    assert.ok(itself > 0.999, 'the measure sees equal maps as equal');
    assert.ok(across < 0.4, `rank correlation ${across} is not low`);
  } finally {
    reinitialised.dispose();
  }
});
