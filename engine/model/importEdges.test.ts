/**
 * The importer's other paths, on real TensorFlow.js layers models saved to
 * disk (built here with tfjs-layers, or the converted Keras fixture with one
 * field of model.json changed): layers it maps onto catalogue nodes in less
 * common forms (a ReLU without a cap, a Softmax layer, asymmetric padding,
 * VarianceScaling initializers, frozen layers, a layer named "output"), and
 * every refusal, each naming the file and the layer or field to fix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../testing/imageFiles.js';
import { isStudioError } from '../errors.js';
import { validateGraph } from '../graph/validate.js';
import { importedProjectName, importLayersModel } from './importLayersModel.js';
import { loadLayersModelFolder } from './loadLayersModel.js';
import { loadModelFolder, saveModelFolder } from './modelFiles.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'keras-converted', 'model.json');
let temp: { dir: string; remove: () => Promise<void> };
let count = 0;

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('import-edges-');
});

after(async () => {
  await temp.remove();
});

/** Saves `model` (then disposes it) into a fresh folder and returns the folder. */
async function saved(model: tfl.LayersModel, metadata: Record<string, unknown> = {}): Promise<string> {
  const dir = join(temp.dir, `m${count++}`);
  try {
    await saveModelFolder(model, dir, metadata);
  } finally {
    model.dispose();
  }
  return dir;
}

/** A sequential model on a [8, 8, 3] input with `layers` after it. */
function sequential(...layers: tfl.layers.Layer[]): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.inputLayer({ inputShape: [8, 8, 3], name: 'image' }));
  for (const layer of layers) model.add(layer);
  return model;
}

/** Rejects with a StudioError whose code is `code` and whose message matches every pattern. */
async function refuses(promise: Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isStudioError(e), String(e));
    assert.equal(e.code, code, e.message);
    for (const pattern of patterns) assert.match(e.message, pattern);
    return true;
  });
}

/** The converted Keras fixture with model.json edited and weights of the right size. */
async function editedFixture(edit: (json: Record<string, any>) => void, weightBytes = 4 * (4 * 8 + 72 + 1152 + 16 + 160 + 10)): Promise<string> {
  const dir = join(temp.dir, `k${count++}`);
  await mkdir(dir, { recursive: true });
  const json = JSON.parse(await readFile(FIXTURE, 'utf8')) as Record<string, any>;
  edit(json);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  const values = new Float32Array(weightBytes / 4).map((_, i) => (i >= 24 && i < 32 ? 1 : Math.sin(i) * 0.1));
  await writeFile(join(dir, 'group1-shard1of1.bin'), new Uint8Array(values.buffer));
  return dir;
}

const layersOf = (json: Record<string, any>) => json['modelTopology'].model_config.config.layers as { name: string; class_name: string; config: Record<string, any> }[];

describe('layers the importer maps onto catalogue nodes', () => {
  test('a ReLU without a cap is relu, a Softmax layer over the channels is softmax, a frozen layer stays frozen', async () => {
    const dir = await saved(
      sequential(
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'frozen_conv', trainable: false }),
        tfl.layers.reLU({ name: 'plain_relu' }),
        tfl.layers.flatten({ name: 'flat' }),
        tfl.layers.dense({ units: 3, name: 'logits' }),
        tfl.layers.softmax({ name: 'probabilities' }),
      ),
    );
    const { graph } = await importLayersModel(dir);
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    assert.equal(byId.get('frozen_conv')!.frozen, true);
    assert.equal(byId.get('logits')!.frozen, undefined, 'a trainable layer is not marked frozen');
    assert.deepEqual([byId.get('plain_relu')!.type, byId.get('plain_relu')!.params], ['Activation', { activation: 'relu' }]);
    assert.deepEqual([byId.get('probabilities')!.type, byId.get('probabilities')!.params], ['Activation', { activation: 'softmax' }]);
    assert.ok(validateGraph(graph, { classCount: 3 }).valid);
  });

  test('a layer named "output" keeps its name; the Output node becomes output_2', async () => {
    const dir = await saved(sequential(tfl.layers.flatten({ name: 'flatten' }), tfl.layers.dense({ units: 2, activation: 'softmax', name: 'output' })));
    const { graph } = await importLayersModel(dir);
    assert.deepEqual(
      graph.nodes.map((n) => `${n.id}:${n.type}`),
      ['image:Input', 'flatten:Flatten', 'output:Dense', 'output_2:Output'],
    );
    assert.ok(graph.edges.some((e) => e.source === 'output' && e.target === 'output_2'));
  });

  test('asymmetric ZeroPadding2D keeps all four sides; equal sides shorten to [vertical, horizontal], or one int', async () => {
    const dir = await saved(
      sequential(
        tfl.layers.zeroPadding2d({ padding: [[1, 2], [3, 4]], name: 'uneven' }),
        tfl.layers.zeroPadding2d({ padding: [[1, 1], [2, 2]], name: 'even' }),
        tfl.layers.zeroPadding2d({ padding: 1, name: 'all_sides' }),
        tfl.layers.flatten({}),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ),
    );
    const { graph } = await importLayersModel(dir);
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    assert.deepEqual(byId.get('uneven')!.params['padding'], [1, 2, 3, 4]);
    assert.deepEqual(byId.get('even')!.params['padding'], [1, 2]);
    assert.equal(byId.get('all_sides')!.params['padding'], 1);
    assert.deepEqual(validateGraph(graph).outputShape, [2]);
  });

  test("VarianceScaling initializers read as Keras' names when they are one, and are left out when not", async () => {
    const scaled = (scale: number, mode: 'fanIn' | 'fanOut' | 'fanAvg', distribution: 'normal' | 'uniform' | 'truncatedNormal') =>
      tfl.initializers.varianceScaling({ scale, mode, distribution });
    const dir = await saved(
      sequential(
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'glorot_n', kernelInitializer: scaled(1, 'fanAvg', 'normal') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'glorot_u', kernelInitializer: scaled(1, 'fanAvg', 'uniform') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'he_u', kernelInitializer: scaled(2, 'fanIn', 'uniform') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'he_n', kernelInitializer: scaled(2, 'fanIn', 'truncatedNormal') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'lecun_n', kernelInitializer: scaled(1, 'fanIn', 'normal') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'lecun_u', kernelInitializer: scaled(1, 'fanIn', 'uniform') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'fan_out', kernelInitializer: scaled(1, 'fanOut', 'uniform') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'wide', kernelInitializer: scaled(3, 'fanIn', 'uniform') }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'constant', kernelInitializer: tfl.initializers.constant({ value: 0.1 }) }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ),
    );
    const { graph } = await importLayersModel(dir);
    const initializer = (id: string) => graph.nodes.find((n) => n.id === id)!.params['kernel_initializer'];
    assert.deepEqual(
      ['glorot_n', 'glorot_u', 'he_u', 'he_n', 'lecun_n', 'lecun_u', 'fan_out', 'wide', 'constant'].map(initializer),
      ['glorot_normal', 'glorot_uniform', 'he_uniform', 'he_normal', 'lecun_normal', 'lecun_uniform', undefined, undefined, undefined],
    );
  });

  test('an input of any size imports with -1 for the free dimensions, and the graph the studio cannot build is refused naming the file', async () => {
    const input = tfl.input({ shape: [null, null, 3], name: 'any_size' });
    const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(input) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'head' }).apply(pooled) as tfl.SymbolicTensor;
    const dir = await saved(tfl.model({ inputs: input, outputs: output }));
    await refuses(importLayersModel(dir), 'unsupported-model', new RegExp(`${dir}/model\\.json imports as a graph the studio cannot build: `));
    // The loaded model itself reads the free dimensions as null; the description gives -1.
    const { describeModel } = await import('./modelDescription.js');
    const { model } = await loadLayersModelFolder(dir);
    try {
      assert.deepEqual(describeModel(model).inputShape, [-1, -1, 3]);
    } finally {
      model.dispose();
    }
  });

  test("an imported project is named after the model's project, else after its folder", () => {
    assert.equal(importedProjectName('/models/flowers-v2', { project: 'Flowers' }), 'Flowers (imported)');
    assert.equal(importedProjectName('/models/flowers-v2', { project: 7 }), 'flowers-v2');
    assert.equal(importedProjectName('/models/flowers-v2', {}), 'flowers-v2');
  });
});

describe('layers and models the importer refuses, naming the file and the layer', () => {
  test('channels_first convolution', async () => {
    const dir = await saved(sequential(tfl.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'nchw' })));
    await refuses(importLayersModel(dir), 'unsupported-layer', new RegExp(`${dir}/model\\.json: layer "nchw" \\(Conv2D\\) cannot be imported: it uses data_format channelsFirst`));
  });

  test('a Softmax layer over an axis other than the channels', async () => {
    const dir = await saved(sequential(tfl.layers.softmax({ axis: 1, name: 'rows' })));
    await refuses(importLayersModel(dir), 'unsupported-layer', /layer "rows" \(Softmax\) cannot be imported: softmax over an axis other than the last/);
  });

  test('a layer the catalogue does not have', async () => {
    const dir = await saved(sequential(tfl.layers.permute({ dims: [2, 1, 3], name: 'swap' })));
    await refuses(importLayersModel(dir), 'unsupported-layer', /layer "swap" \(Permute\) cannot be imported: the studio has no such layer/);
  });

  test('an activation the studio does not offer, listing the ones it does', async () => {
    const dir = await saved(sequential(tfl.layers.activation({ activation: 'softplus', name: 'soft' })));
    await refuses(importLayersModel(dir), 'unsupported-layer', /layer "soft" \(Activation\) cannot be imported: its activation "softplus" is not one the studio offers \(linear, relu, relu6/);
  });

  test('a LayerNormalization over two axes', async () => {
    const dir = await saved(sequential(tfl.layers.layerNormalization({ axis: [1, 2], name: 'norm_hw' })));
    await refuses(importLayersModel(dir), 'unsupported-layer', /layer "norm_hw" \(LayerNormalization\) cannot be imported: it works over the axes \[1,2\]; the studio's LayerNormalization takes one axis/);
  });

  test('a model with two inputs', async () => {
    const a = tfl.input({ shape: [4], name: 'left' });
    const b = tfl.input({ shape: [4], name: 'right' });
    const joined = tfl.layers.concatenate({ name: 'both' }).apply([a, b]) as tfl.SymbolicTensor;
    const dir = await saved(tfl.model({ inputs: [a, b], outputs: joined }));
    await refuses(importLayersModel(dir), 'unsupported-model', new RegExp(`${dir}/model\\.json has 2 inputs and 1 outputs; the studio handles models with one image input and one output`));
  });

  test('a layer applied twice (a shared layer)', async () => {
    const input = tfl.input({ shape: [4], name: 'x' });
    const shared = tfl.layers.dense({ units: 4, name: 'twice' });
    const once = shared.apply(input) as tfl.SymbolicTensor;
    const again = shared.apply(once) as tfl.SymbolicTensor;
    const dir = await saved(tfl.model({ inputs: input, outputs: again }));
    await refuses(importLayersModel(dir), 'unsupported-model', new RegExp(`Layer "twice" of ${dir}.* is applied 2 times \\(a shared layer\\)`));
  });
});

describe('model.json files the loader refuses, naming the file and the field', () => {
  test('a layer class TensorFlow.js does not know is a format problem, not a weights problem', async () => {
    const dir = await editedFixture((json) => {
      layersOf(json).find((l) => l.name === 'dropout')!.class_name = 'FancyDropout';
    });
    await refuses(importLayersModel(dir), 'model-wrong-format', new RegExp(`${dir}/model\\.json cannot be read as a TensorFlow\\.js layers model \\(.*FancyDropout`));
  });

  test('a quantised weight (a dtype the studio does not read) names the weight', async () => {
    const dir = await editedFixture((json) => {
      json['weightsManifest'][0].weights[0].dtype = 'int8';
    });
    await refuses(loadLayersModelFolder(dir), 'weights-mismatch', /model\.json: weight batch_normalization\/gamma has dtype int8, which the studio does not read/);
  });

  test('a manifest group without paths or weights lists, and weights without dtype, are read as float32 by their shapes', async () => {
    const dir = await editedFixture((json) => {
      for (const weight of json['weightsManifest'][0].weights) delete weight.dtype;
      json['weightsManifest'].push({}); // an empty group: no paths, no weights, no bytes
    });
    const { model } = await loadLayersModelFolder(dir);
    try {
      assert.equal(model.countParams(), 4 * 8 + 72 + 1152 + 16 + 160 + 10);
    } finally {
      model.dispose();
    }
  });

  test('a group listing files but no weights says the manifest needs 0 bytes', async () => {
    const dir = await editedFixture((json) => {
      delete json['weightsManifest'][0].weights;
    });
    await refuses(loadLayersModelFolder(dir), 'weights-mismatch', /model\.json: the weight files group1-shard1of1\.bin hold 5768 bytes, but the manifest's 0 weights need 0/);
  });

  test('a weight without a shape counts as one value, and the sizes no longer agree', async () => {
    const dir = await editedFixture((json) => {
      delete json['weightsManifest'][0].weights.at(-1).shape;
    });
    await refuses(loadLayersModelFolder(dir), 'weights-mismatch', /hold 5768 bytes, but the manifest's 9 weights need 5732/);
  });

  test("Keras' L1 regularizer is read as tfjs' L1L2 with l2 = 0", async () => {
    const dir = await editedFixture((json) => {
      layersOf(json).find((l) => l.name === 'conv2d')!.config['kernel_regularizer'] = { class_name: 'L1', config: { l1: 0.001 } };
    });
    const { graph } = await importLayersModel(dir);
    assert.deepEqual(graph.nodes.find((n) => n.id === 'conv2d')!.params['kernel_regularizer'], { l1: 0.001, l2: 0 });
  });
});

describe("the studio's own model folders (saveModelFolder / loadModelFolder)", () => {
  test('a model without weights saves and loads back; metadata defaults to {} when model.json has none', async () => {
    const dir = await saved(sequential(tfl.layers.flatten({ name: 'only_flatten' })));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, any>;
    assert.deepEqual(json['weightsManifest'], [{ paths: ['weights.bin'], weights: [] }]);
    delete json['userDefinedMetadata'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    const { model, metadata } = await loadModelFolder(dir);
    try {
      assert.deepEqual(metadata, {});
      assert.deepEqual(model.outputs[0]!.shape, [null, 192]);
    } finally {
      model.dispose();
    }
  });

  test('a folder without model.json, and a model.json that is not a layers model, are named', async () => {
    const empty = join(temp.dir, 'empty-folder');
    await mkdir(empty, { recursive: true });
    await refuses(loadModelFolder(empty), 'model-unreadable', new RegExp(`Cannot read ${empty}/model\\.json`));
    await writeFile(join(empty, 'model.json'), JSON.stringify({ modelTopology: {} }));
    await refuses(loadModelFolder(empty), 'model-wrong-format', new RegExp(`${empty}/model\\.json is not a TensorFlow\\.js layers model \\(no modelTopology or weightsManifest\\)`));
  });
});
