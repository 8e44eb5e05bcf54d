/**
 * The parts of the insight module the trained-model tests do not reach, on
 * real tfjs models built here: node ids of helper layers and unknown sizes
 * (modelNodes.ts), layers with several outputs, a model with no map to
 * explain, the first convolution's filters in colour and at zero
 * (filters.ts), the overlay on a grey image (images.ts), classes by name or
 * number (explain.ts) and images sent as bytes (sentImages.ts).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { selectBackend } from '../backend/select.js';
import { StudioError } from '../errors.js';
import { MAX_SENT_IMAGES } from '../evaluate/predictImageData.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { explainImages, resolveClass } from './explain.js';
import { firstConvolutionFilters, weightHistograms } from './filters.js';
import { overlayPixels } from './images.js';
import { lastSpatialNode, modelNodes, runLayers } from './modelNodes.js';
import { withSentImages } from './sentImages.js';
import { refusal } from '../testing/rejection.js';

before(async () => {
  await selectBackend('cpu');
});

async function pixelsOf(dataUrl: string): Promise<{ width: number; height: number; channels: number; data: number[] }> {
  const png = Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64');
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: [...data] };
}

test('a helper layer carries its node\'s output but not its class; a size unknown until run is -1', () => {
  const input = tfl.input({ shape: [null, null, 1], name: 'image' });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  const leaky = tfl.layers.leakyReLU({ alpha: 0.1, name: 'conv1__activation' }).apply(conv) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(leaky) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(pooled) as tfl.SymbolicTensor });
  assert.deepEqual(
    modelNodes(model).map(({ id, outputLayer, className, shape }) => [id, outputLayer, className, shape]),
    [
      ['image', 'image', 'InputLayer', [-1, -1, 1]],
      ['conv1', 'conv1__activation', 'Conv2D', [-1, -1, 2]],
      ['pool', 'pool', 'GlobalAveragePooling2D', [2]],
      ['head', 'head', 'Dense', [2]],
    ],
  );
  assert.equal(lastSpatialNode(model).id, 'conv1');
  model.dispose();
});

test('a model without a spatial layer has nothing for Grad-CAM; a layer reading a second output cannot be run layer by layer', () => {
  const flatInput = tfl.input({ shape: [6], name: 'features' });
  const flat = tfl.model({ inputs: flatInput, outputs: tfl.layers.dense({ units: 2, name: 'head' }).apply(flatInput) as tfl.SymbolicTensor });
  const none = refusal(() => lastSpatialNode(flat));
  assert.deepEqual([none.message, none.hint, none.code], ['The model has no layer with a spatial output to explain.', 'Grad-CAM needs a convolutional layer.', 'no-spatial-layer']);
  flat.dispose();

  // An LSTM that also returns its states answers with three tensors; the Dense reads the second (the last hidden state).
  const sequence = tfl.input({ shape: [3, 2], name: 'sequence' });
  const [, state] = tfl.layers.lstm({ units: 4, returnState: true, recurrentInitializer: 'glorotUniform', name: 'lstm' }).apply(sequence) as tfl.SymbolicTensor[];
  const model = tfl.model({ inputs: sequence, outputs: tfl.layers.dense({ units: 2, name: 'head' }).apply(state!) as tfl.SymbolicTensor });
  const x = tf.ones([1, 3, 2]);
  const refused = refusal(() => tf.tidy(() => {
    runLayers(model, x);
  }));
  assert.equal(refused.message, 'Layer "head" reads output 1 of "lstm"; only single-output layers can be explained.');
  assert.equal(refused.code, 'unsupported-model');
  tf.dispose(x);
  model.dispose();
});

test('the first convolution of a colour model as colour images; an all-zero kernel is mid-grey; a model without one has none', async () => {
  const input = tfl.input({ shape: [5, 5, 3] });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 1, useBias: false, name: 'rgb' });
  const model = tfl.model({ inputs: input, outputs: tfl.layers.flatten().apply(conv.apply(input)) as tfl.SymbolicTensor });
  // Kernel [1, 1, 3, 2]: filter 0 is (+1, 0, −1) over R, G, B; filter 1 is (−0.5, 0.5, 0).
  conv.setWeights([tf.tensor4d([1, -0.5, 0, 0.5, -1, 0], [1, 1, 3, 2])]);
  const colour = (await firstConvolutionFilters(model))!;
  assert.equal(colour.node, 'rgb');
  assert.deepEqual(colour.kernelShape, [1, 1, 3]);
  const first = await pixelsOf(colour.filters[0]!);
  assert.deepEqual([first.width, first.channels, first.data.slice(0, 3)], [36, 3, [255, 128, 0]], 'scaled by the largest |weight|, 0 at mid-grey');
  const second = await pixelsOf(colour.filters[1]!);
  assert.deepEqual(second.data.slice(0, 3), [64, 191, 128]);

  conv.setWeights([tf.zeros([1, 1, 3, 2])]);
  const zero = (await firstConvolutionFilters(model))!;
  assert.deepEqual((await pixelsOf(zero.filters[0]!)).data.slice(0, 3), [128, 128, 128]);
  // Every weight equal: the histogram has no width and counts them all in its first bin.
  const [histogram] = await weightHistograms(model, 4);
  assert.deepEqual([histogram!.node, histogram!.count, histogram!.min, histogram!.max, histogram!.std, histogram!.counts], ['rgb', 6, 0, 0, 0, [6, 0, 0, 0]]);
  model.dispose();

  const denseInput = tfl.input({ shape: [4] });
  const dense = tfl.model({ inputs: denseInput, outputs: tfl.layers.dense({ units: 2 }).apply(denseInput) as tfl.SymbolicTensor });
  assert.equal(await firstConvolutionFilters(dense), null);
  dense.dispose();
});

test('the heatmap over a grey image mixes the grey value into every colour channel', () => {
  // A 1×1 heatmap of 0 (jet's dark blue, 0 0 143 or so) over a 2×1 grey image of 0 and 200, at opacity 0.5.
  const rgb = overlayPixels(Float32Array.from([0]), 1, 1, Uint8Array.from([0, 200]), { height: 1, width: 2, channels: 1 }, 0.5);
  const blue = overlayPixels(Float32Array.from([0]), 1, 1, Uint8Array.from([0, 0]), { height: 1, width: 2, channels: 1 }, 1);
  for (let c = 0; c < 3; c++) {
    assert.equal(rgb[c], Math.round(0.5 * blue[c]!));
    assert.equal(rgb[3 + c], Math.round(100 + 0.5 * blue[3 + c]!));
  }
});

test('a class by its name, its index or its index as text; an unknown one lists the first twelve names', () => {
  const names = Array.from({ length: 14 }, (_, i) => `c${i}`);
  assert.equal(resolveClass('c3', names), 3);
  assert.equal(resolveClass(5, names), 5);
  assert.equal(resolveClass(' 7 ', names), 7);
  const unknown = refusal(() => resolveClass('dog', names));
  assert.equal(unknown.message, 'The model has no class "dog".');
  assert.equal(unknown.hint, 'Give a class name (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, …) or an index from 0 to 13.');
  assert.equal(refusal(() => resolveClass(14, names)).code, 'unknown-class');
  assert.equal(refusal(() => resolveClass(2, ['a', 'b'])).hint, 'Give a class name (a, b) or an index from 0 to 1.');
});

test('images sent as bytes: too many are refused, errors that are not the studio\'s pass unchanged, the folder is removed', async () => {
  const png = (await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer()).toString('base64');
  const many = Array.from({ length: MAX_SENT_IMAGES + 1 }, (_, i) => ({ name: `drop-${i}.png`, base64: png }));
  await assert.rejects(withSentImages(many, async () => 'unused'), (e: unknown) => e instanceof StudioError && e.code === 'too-many-images' && e.message === `${MAX_SENT_IMAGES + 1} images were sent at once; at most ${MAX_SENT_IMAGES} are accepted.`);

  let seen: string[] = [];
  const bug = new TypeError('a bug in the caller');
  await assert.rejects(
    withSentImages([{ name: 'cat.png', base64: png }], async (paths, nameOf) => {
      seen = paths;
      assert.equal(nameOf(paths[0]!), 'cat.png');
      assert.equal(nameOf('/elsewhere/dog.png'), '/elsewhere/dog.png', 'a path that was not sent keeps its own name');
      throw bug;
    }),
    (e: unknown) => e === bug,
  );
  assert.equal(existsSync(seen[0]!), false, 'the temporary file is gone');
});

test('explaining no images at all is refused before anything is decoded', async (t) => {
  const { dir, remove } = await makeTempDir('insight-none');
  t.after(remove);
  const input = tfl.input({ shape: [4, 4, 1] });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(tfl.layers.flatten().apply(conv)) as tfl.SymbolicTensor });
  await saveModelFolder(model, join(dir, 'model'), { classNames: ['a', 'b'] });
  model.dispose();
  await assert.rejects(explainImages({ model: join(dir, 'model'), images: [] }), (e: unknown) => e instanceof StudioError && e.code === 'no-images' && e.message === 'No images to explain.' && e.hint === 'Pass one or more image files.');
});
