// A saved model made ready to predict (evaluate/loadedModel.ts): real tfjs
// models written to real folders, with their names and preprocessing from
// labels.json, from the model's metadata, or from nowhere; and the class
// probabilities of each kind of output layer.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { SIDECAR_FILE, SIDECAR_FORMAT } from '../model/sidecar.js';
import { classProbabilities, loadModelForInference } from './loadedModel.js';

before(() => tf.setBackend('cpu'));

/** Input 2x2x1, flattened into a Dense head with `units` and `activation`; weights fixed so outputs are known. */
function model(units: number, activation: 'softmax' | 'sigmoid' | 'linear'): tfl.LayersModel {
  const input = tfl.input({ shape: [2, 2, 1] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const dense = tfl.layers.dense({ units, activation, kernelInitializer: 'ones', biasInitializer: 'zeros' });
  const out = dense.apply(flat) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: input, outputs: out });
  // Unit u sums the four pixels times (u + 1): different scores per class.
  dense.setWeights([tf.tensor2d(Array.from({ length: 4 * units }, (_, i) => (i % units) + 1), [4, units]), tf.zeros([units])]);
  return m;
}

async function inTemp(work: (dir: string) => Promise<void>) {
  const { dir, remove } = await makeTempDir('loaded-model-');
  try {
    await work(dir);
  } finally {
    await remove();
  }
}

const MEAN_STD = { resize: 'letterbox', channels: 1, normalization: { mode: 'mean-std', mean: [0.5], std: [0.25] } };

test('a model folder: class names and preprocessing from its metadata', () =>
  inTemp(async (dir) => {
    const m = model(3, 'softmax');
    await saveModelFolder(m, join(dir, 'model'), { classNames: ['cat', 'dog', 'eel'], preprocessing: MEAN_STD });
    m.dispose();
    const loaded = await loadModelForInference(join(dir, 'model'));
    try {
      assert.equal(loaded.labelsFrom, 'model metadata');
      assert.deepEqual(loaded.classNames, ['cat', 'dog', 'eel']);
      assert.deepEqual({ resize: loaded.spec.resize, mean: loaded.spec.mean, std: loaded.spec.std, assumed: loaded.spec.assumed }, { resize: 'letterbox', mean: [0.5], std: [0.25], assumed: false });
      assert.equal(loaded.modelDir, join(dir, 'model'));
    } finally {
      loaded.model.dispose();
    }
  }));

test("an export folder: labels.json beside tfjs/ wins over the model's own metadata", () =>
  inTemp(async (dir) => {
    const m = model(2, 'softmax');
    await saveModelFolder(m, join(dir, 'tfjs'), { classNames: ['stale-a', 'stale-b'], preprocessing: null });
    m.dispose();
    await writeFile(join(dir, SIDECAR_FILE), JSON.stringify({ format: SIDECAR_FORMAT, version: 1, classNames: ['left', 'right'], preprocessing: MEAN_STD }));
    const loaded = await loadModelForInference(dir);
    try {
      assert.equal(loaded.labelsFrom, 'labels.json');
      assert.deepEqual(loaded.classNames, ['left', 'right']);
      assert.equal(loaded.spec.resize, 'letterbox');
      assert.equal(loaded.spec.assumed, false);
      assert.equal(loaded.modelDir, join(dir, 'tfjs'));
    } finally {
      loaded.model.dispose();
    }
  }));

test('no names anywhere: numbered classes, two for a single sigmoid unit; the preprocessing assumed', () =>
  inTemp(async (dir) => {
    const m = model(1, 'sigmoid');
    await saveModelFolder(m, join(dir, 'model'));
    m.dispose();
    const loaded = await loadModelForInference(join(dir, 'model'));
    try {
      assert.equal(loaded.labelsFrom, 'numbered');
      assert.deepEqual(loaded.classNames, ['class_0', 'class_1']);
      assert.equal(loaded.spec.assumed, true);
    } finally {
      loaded.model.dispose();
    }
  }));

test('names that do not fit the outputs are refused, naming the folder, and the model is not kept', () =>
  inTemp(async (dir) => {
    for (const [units, names, outputs] of [[3, ['a', 'b'], '3 outputs'], [1, ['a', 'b', 'c'], '1 output']] as const) {
      const m = model(units, units === 1 ? 'sigmoid' : 'softmax');
      const folder = join(dir, `m${units}`);
      await saveModelFolder(m, folder, { classNames: names });
      m.dispose();
      const tensorsBefore = tf.memory().numTensors;
      await assert.rejects(loadModelForInference(folder), (e: unknown) => {
        assert.ok(e instanceof StudioError);
        assert.equal(e.code, 'labels-mismatch');
        assert.equal(e.message, `${folder} names ${names.length} classes but the model has ${outputs}.`);
        return true;
      });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'the refused model is disposed');
    }
  }));

test('a broken labels.json is refused, not silently ignored', () =>
  inTemp(async (dir) => {
    const m = model(2, 'softmax');
    await mkdir(join(dir, 'model'));
    await saveModelFolder(m, join(dir, 'model'));
    m.dispose();
    await writeFile(join(dir, 'model', SIDECAR_FILE), '{"format":');
    const tensorsBefore = tf.memory().numTensors;
    await assert.rejects(loadModelForInference(join(dir, 'model')), { code: 'sidecar-unreadable' });
    assert.equal(tf.memory().numTensors, tensorsBefore);
  }));

test('class probabilities: softmax as it is, a sigmoid unit as [1 − p, p], raw scores through a softmax', () =>
  inTemp(async (dir) => {
    // Pixels 51 (0.2 on [0, 1]) everywhere: each unit u sees 4 * 0.2 * (u + 1).
    const image = new Uint8Array(4).fill(51);
    const expectedScores = [0.8, 1.6];
    const softmax = (xs: number[]) => xs.map((x) => Math.exp(x) / xs.reduce((s, y) => s + Math.exp(y), 0));
    const sigmoid = 1 / (1 + Math.exp(-0.8));
    const cases = [
      ['softmax', 2, softmax(expectedScores)],
      ['linear', 2, softmax(expectedScores)],
      ['sigmoid', 1, [1 - sigmoid, sigmoid]],
    ] as const;
    for (const [activation, units, want] of cases) {
      const m = model(units, activation);
      const folder = join(dir, activation);
      await saveModelFolder(m, folder);
      m.dispose();
      const loaded = await loadModelForInference(folder);
      const tensorsBefore = tf.memory().numTensors;
      const [first, second] = await classProbabilities(loaded, [image, new Uint8Array(4)]);
      assert.equal(tf.memory().numTensors, tensorsBefore, `${activation}: no tensor left behind`);
      loaded.model.dispose();
      assert.equal(first!.length, 2);
      want.forEach((p, i) => assert.ok(Math.abs(first![i]! - p) < 1e-5, `${activation}, class ${i}: ${first![i]} ≠ ${p}`));
      // A black image scores 0 everywhere: even odds.
      second!.forEach((p, i) => assert.ok(Math.abs(p - 0.5) < 1e-6, `${activation}, black image, class ${i}: ${p}`));
    }
  }));
