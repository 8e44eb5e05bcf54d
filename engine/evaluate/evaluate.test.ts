/**
 * Evaluation and prediction on real image folders: the metrics against
 * numbers worked out by hand, and the engine's model.evaluate / model.predict
 * commands on a saved model whose answers are known (a model that reads the
 * image's brightness), with thumbnails of the worst mistakes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { writeBrightnessModel } from '../testing/brightnessModel.js';
import { greyPng, makeTempDir, writeTree } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { classificationMetrics } from './metrics.js';

let temp: { dir: string; remove: () => Promise<void> };
let modelDir: string;
let dataDir: string;
const engine = new Engine({ backend: 'cpu' });

before(async () => {
  await selectBackend('cpu');
  temp = await makeTempDir('evaluate-');
  modelDir = join(temp.dir, 'model');
  await writeBrightnessModel(modelDir);
  dataDir = join(temp.dir, 'data');
  // dark: 3 truly dark, 1 bright-looking (a mistake); bright: 2 bright, 1 dark-looking.
  await writeTree(dataDir, {
    'dark/a.png': await greyPng(8, 8, 10),
    'dark/b.png': await greyPng(8, 8, 40),
    'dark/c.png': await greyPng(8, 8, 90),
    'dark/d.png': await greyPng(8, 8, 250),
    'bright/e.png': await greyPng(8, 8, 200),
    'bright/f.png': await greyPng(8, 8, 160),
    'bright/g.png': await greyPng(8, 8, 100),
  });
});

after(async () => {
  await temp.remove();
});

describe('classification metrics', () => {
  test('confusion matrix, precision, recall and F1 as worked out by hand', () => {
    // truth: a a a b b c; predicted: a a b b c c
    const m = classificationMetrics([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ['a', 'b', 'c']);
    assert.deepEqual(m.confusion, [
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    assert.equal(m.accuracy, 4 / 6);
    assert.deepEqual(m.perClass.map((c) => [c.precision, c.recall, c.support]), [
      [1, 2 / 3, 3],
      [1 / 2, 1 / 2, 2],
      [1 / 2, 1, 1],
    ]);
    assert.ok(Math.abs(m.perClass[0]!.f1 - 0.8) < 1e-12);
    assert.ok(Math.abs(m.perClass[2]!.f1 - 2 / 3) < 1e-12);
    assert.ok(Math.abs(m.macro.recall - (2 / 3 + 1 / 2 + 1) / 3) < 1e-12);
  });

  test('a class never predicted has precision 0, not NaN', () => {
    const m = classificationMetrics([0, 1], [0, 0], ['a', 'b']);
    assert.equal(m.perClass[1]!.precision, 0);
    assert.equal(m.perClass[1]!.f1, 0);
  });
});

describe('model.evaluate and model.predict', () => {
  test('evaluate reports accuracy, the confusion matrix and the worst mistakes with thumbnails', async () => {
    const report = await engine.execute({ type: 'model.evaluate', model: modelDir, dataPath: dataDir });
    assert.equal(report.split, 'all');
    assert.equal(report.count, 7);
    assert.deepEqual(report.classNames, ['dark', 'bright']);
    // rows: true dark, true bright; columns: predicted dark, bright.
    assert.deepEqual(report.confusion, [
      [3, 1],
      [1, 2],
    ]);
    assert.equal(report.accuracy, 5 / 7);
    assert.deepEqual(report.worst.map((m) => [m.path.split('/').slice(-2).join('/'), m.trueClass, m.predictedClass]), [
      ['dark/d.png', 'dark', 'bright'],
      ['bright/g.png', 'bright', 'dark'],
    ]);
    assert.ok(report.worst[0]!.confidence > 0.99);
    assert.match(report.worst[0]!.thumbnail, /^data:image\/png;base64,iVBOR/);
  });

  test('evaluate names folder classes the model does not know', async () => {
    const odd = join(temp.dir, 'odd');
    await writeTree(odd, { 'dark/a.png': await greyPng(8, 8, 10), 'purple/b.png': await greyPng(8, 8, 10) });
    await assert.rejects(engine.execute({ type: 'model.evaluate', model: modelDir, dataPath: odd }), /has classes the model does not know: purple \(the model's classes: dark, bright\)/);
  });

  test('predict gives the top classes with probabilities, from a model folder', async () => {
    const result = await engine.execute({ type: 'model.predict', model: modelDir, images: [join(dataDir, 'dark/a.png'), join(dataDir, 'bright/e.png')], topK: 2 });
    assert.equal(result.labelsFrom, 'model metadata');
    assert.deepEqual(result.predictions.map((p) => p.top.map((t) => t.className)), [
      ['dark', 'bright'],
      ['bright', 'dark'],
    ]);
    const first = result.predictions[0]!.top;
    assert.ok(Math.abs(first[0]!.probability + first[1]!.probability - 1) < 1e-6);
    // mean 10/255: logits 10 − 20·0.039 and −10 + 20·0.039.
    const logit = 20 - 40 * (10 / 255);
    assert.ok(Math.abs(first[0]!.probability - 1 / (1 + Math.exp(-logit))) < 1e-5);
  });

  test('a file that is not an image is named', async () => {
    await writeTree(join(temp.dir, 'junk'), { 'x.png': 'not a png' });
    await assert.rejects(engine.execute({ type: 'model.predict', model: modelDir, images: [join(temp.dir, 'junk', 'x.png')] }), /x\.png cannot be decoded/);
  });
});
