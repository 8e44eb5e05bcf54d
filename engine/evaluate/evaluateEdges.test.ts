/**
 * The edges of evaluation and prediction on real image files and a real
 * saved tfjs model (one that reads the image's brightness, so every answer is
 * known): which split of a train/val/test folder is evaluated, images that do
 * not decode (skipped, or none left), progress, equally confident mistakes,
 * thumbnails asked for in bulk or of unreadable files; prediction of no
 * images, of several with some unreadable (missing, a folder, not an image),
 * of none readable, and ties among the top classes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend/select.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { writeBrightnessModel } from '../testing/brightnessModel.js';
import { greyPng, makeTempDir, solidImage, writeTree } from '../testing/imageFiles.js';
import { evaluateModel, MAX_THUMBNAILS, thumbnailsOf } from './evaluate.js';
import { predictImages, topClasses } from './predict.js';
import { MAX_SENT_IMAGES, predictImageData } from './predictImageData.js';
import { rejection } from '../testing/rejection.js';

let temp: { dir: string; remove: () => Promise<void> };
let modelDir: string;

before(async () => {
  await selectBackend('cpu');
  temp = await makeTempDir('evaluate-edges');
  modelDir = join(temp.dir, 'model');
  await writeBrightnessModel(modelDir);
});

after(async () => {
  await temp.remove();
});

describe('evaluating', () => {
  test('a split folder is evaluated on test, else val, else train', async () => {
    const root = join(temp.dir, 'splits');
    await writeTree(root, {
      'train/dark/a.png': await greyPng(8, 8, 10),
      'train/bright/b.png': await greyPng(8, 8, 240),
      'val/dark/c.png': await greyPng(8, 8, 20),
      'val/bright/d.png': await greyPng(8, 8, 230),
      'val/bright/e.png': await greyPng(8, 8, 220),
    });
    const onVal = await evaluateModel(modelDir, root);
    assert.deepEqual([onVal.split, onVal.results.length, onVal.accuracy], ['val', 3, 1]);
    await writeTree(root, { 'test/dark/f.png': await greyPng(8, 8, 30) });
    const onTest = await evaluateModel(modelDir, root);
    assert.deepEqual([onTest.split, onTest.results.map((r) => r.path)], ['test', [join(root, 'test', 'dark', 'f.png')]]);

    const trainOnly = join(temp.dir, 'train-only');
    await writeTree(trainOnly, { 'train/dark/a.png': await greyPng(8, 8, 10), 'train/bright/b.png': await greyPng(8, 8, 240) });
    assert.equal((await evaluateModel(modelDir, trainOnly)).split, 'train');
  });

  test('an image that does not decode is skipped with its reason; progress is reported; equally sure mistakes come in path order', async () => {
    const root = join(temp.dir, 'ties');
    await writeTree(root, {
      'dark/z.png': await greyPng(8, 8, 250),
      'dark/m.png': await greyPng(8, 8, 250),
      'bright/ok.png': await greyPng(8, 8, 250),
      'bright/broken.png': Buffer.from('not a png at all'),
    });
    const progress: [number, number][] = [];
    const report = await evaluateModel(modelDir, root, { onProgress: (done, total) => progress.push([done, total]) });
    assert.deepEqual(progress, [[4, 4]]);
    assert.deepEqual(report.worst.map((m) => m.path), [join(root, 'dark', 'm.png'), join(root, 'dark', 'z.png')]);
    assert.equal(report.worst[0]!.confidence, report.worst[1]!.confidence);
    assert.deepEqual(report.skipped.map((s) => s.path), [join(root, 'bright', 'broken.png')]);
    assert.ok(report.skipped[0]!.reason.length > 0);
  });

  test('a folder none of whose images decodes is refused, naming it', async () => {
    const root = join(temp.dir, 'unreadable');
    await writeTree(root, { 'dark/a.png': Buffer.from('junk'), 'bright/b.png': Buffer.from('junk too') });
    const error = await rejection(evaluateModel(modelDir, root));
    assert.deepEqual([error.message, error.code], [`${root} has no images that could be read.`, 'no-images']);
  });

  test('thumbnails: at most one page per request; an unreadable file gets its reason instead of a picture', async () => {
    const error = await rejection(thumbnailsOf(Array.from({ length: MAX_THUMBNAILS + 1 }, (_, i) => `/x/${i}.png`)));
    assert.equal(error.message, `${MAX_THUMBNAILS + 1} thumbnails were asked for at once; at most ${MAX_THUMBNAILS} are made per request.`);
    assert.equal(error.code, 'too-many-images');
    const good = join(temp.dir, 'ties', 'dark', 'm.png');
    const [picture, missing] = await thumbnailsOf([good, join(temp.dir, 'nope.png')]);
    assert.match(picture!.dataUrl!, /^data:image\/png;base64,/);
    assert.equal(missing!.dataUrl, null);
    assert.match(missing!.error!, /nope\.png|missing|exist/i);
  });
});

describe('predicting', () => {
  test('no images is refused before the model is loaded', async () => {
    const error = await rejection(predictImages(join(temp.dir, 'no-model-here'), []));
    assert.deepEqual([error.message, error.hint, error.code], ['No images to predict.', 'Pass one or more image files.', 'no-images']);
  });

  test('among several images, each unreadable one is a failure naming it and why; the rest are predicted', async () => {
    const folder = join(temp.dir, 'predict');
    await mkdir(join(folder, 'a-folder.png'), { recursive: true });
    await writeFile(join(folder, 'bright.png'), await greyPng(8, 8, 240));
    await writeFile(join(folder, 'text.png'), 'hello');
    const images = [join(folder, 'bright.png'), join(folder, 'gone.png'), join(folder, 'a-folder.png'), join(folder, 'text.png')];
    const result = await predictImages(modelDir, images, 5);
    assert.deepEqual(result.predictions.map((p) => [p.image, p.top.map((c) => c.className)]), [[images[0], ['bright', 'dark']]], 'k is at most the number of classes');
    assert.deepEqual(
      result.failures.map((f) => [f.image, f.code]),
      [
        [images[1], 'bad-image'],
        [images[2], 'bad-image'],
        [images[3], 'bad-image'],
      ],
    );
    assert.equal(result.failures[0]!.message, `${images[1]} does not exist.`);
    assert.equal(result.failures[1]!.message, `${images[2]} cannot be read (EISDIR).`);
    assert.match(result.failures[2]!.message, new RegExp(`^${images[3]!.replace(/[.]/g, '\\.')} `));
    assert.equal(result.failures[2]!.hint, 'Pass PNG, JPEG, WebP, GIF or TIFF images.');

    const none = await rejection(predictImages(modelDir, images.slice(1)));
    assert.equal(none.message, `${images[1]} does not exist. (none of the 3 images could be read)`);
    assert.equal(none.hint, 'Check the path of the image.');
  });

  test('equally probable classes are listed in class order', () => {
    const top = topClasses(new Float32Array([0.25, 0.25, 0.5]), ['a', 'b', 'c'], 3);
    assert.deepEqual(top.map((c) => c.className), ['c', 'a', 'b']);
  });

  test('more images sent at once than one request takes is refused before anything is written', async () => {
    const sent = Array.from({ length: MAX_SENT_IMAGES + 1 }, (_, i) => ({ name: `${i}.png`, base64: 'AA==' }));
    const error = await rejection(predictImageData(modelDir, [], sent));
    assert.deepEqual([error.message, error.code], [`${MAX_SENT_IMAGES + 1} images were sent at once; at most ${MAX_SENT_IMAGES} are accepted.`, 'too-many-images']);
  });

  test('a model that ends in a Softmax layer (no activation setting) is read as probabilities, not put through a second softmax', async () => {
    const dir = join(temp.dir, 'softmax-layer');
    const input = tfl.input({ shape: [8, 8, 1], name: 'input' });
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(input) as tfl.SymbolicTensor;
    const scores = tfl.layers.dense({ units: 2, name: 'scores' }).apply(pooled) as tfl.SymbolicTensor;
    const out = tfl.layers.softmax({ name: 'probabilities' }).apply(scores) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    model.getLayer('scores').setWeights([tf.tensor2d([[0, 0]]), tf.tensor1d([Math.log(3), 0])]);
    await saveModelFolder(model, dir, {
      classNames: ['three', 'one'],
      preprocessing: { resize: 'stretch', channels: 1, colour: 'grey', normalization: { mode: 'zero-one', mean: [0], std: [1] }, alphaBackground: 'black' },
    });
    model.dispose();
    const image = join(temp.dir, 'grey.png');
    await writeFile(image, await greyPng(8, 8, 128));
    const [prediction] = (await predictImages(dir, [image])).predictions;
    assert.deepEqual(prediction!.top.map((c) => c.className), ['three', 'one']);
    assert.ok(Math.abs(prediction!.top[0]!.probability - 0.75) < 1e-5, `softmax of [ln 3, 0] is [0.75, 0.25], not ${prediction!.top[0]!.probability}`);
  });

  test('a colour model whose record gives one mean and one std: they serve all three channels', async () => {
    const dir = join(temp.dir, 'rgb-one-mean');
    const input = tfl.input({ shape: [8, 8, 3], name: 'input' });
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'classes' }).apply(pooled) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    // Logits: 2·green and 0. Green 0 normalised with mean 0.5 and std 0.5 is −1, so −2 against 0.
    model.getLayer('classes').setWeights([tf.tensor2d([[0, 0], [2, 0], [0, 0]]), tf.tensor1d([0, 0])]);
    await saveModelFolder(model, dir, {
      classNames: ['green', 'other'],
      preprocessing: { resize: 'stretch', channels: 3, colour: 'rgb', normalization: { mode: 'mean-std', mean: [0.5], std: [0.5] }, alphaBackground: 'black' },
    });
    model.dispose();
    const image = join(temp.dir, 'blue.png');
    await writeFile(image, await solidImage(8, 8, { r: 0, g: 0, b: 255 }, 'png'));
    const top = (await predictImages(dir, [image])).predictions[0]!.top;
    assert.equal(top[0]!.className, 'other');
    assert.ok(Math.abs(top[0]!.probability - 1 / (1 + Math.exp(-2))) < 1e-5, `green read as −1, not ${top[0]!.probability}`);
  });
});
