/**
 * Keras files of every shape, well-formed and damaged, written here with
 * Debian's python3-h5py (engine/testing/fixtures/write_hdf5_tree.py; one
 * Python process for all of them) from a small real tfjs model: a full
 * Keras 2 model .h5 and a Keras 3 .keras convert to the model they hold (also
 * with a user block before the HDF5 superblock), and each damaged file is
 * refused with an error naming the file and the layer, weight or member to fix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeTempDir } from '../testing/imageFiles.js';
import { keras2Config, keras3Config } from '../testing/pretrainedBases.js';
import type { Graph } from '../graph/schema.js';
import { convertKerasFile, keras3LayerKeys, keras3ToKeras2 } from './kerasFile.js';
import { readKerasH5Weights, stringList } from './kerasH5.js';
import { readKerasWeightsByNode } from './kerasInitialWeights.js';
import { loadModelFolder } from './modelFiles.js';
import { readZipEntries } from './zipEntries.js';
import { assertRejected } from '../testing/rejection.js';

const WRITER = join(dirname(fileURLToPath(import.meta.url)), '..', 'testing', 'fixtures', 'write_hdf5_tree.py');

type Tree = { attrs?: Record<string, unknown>; groups?: Record<string, Tree>; datasets?: Record<string, unknown> };
type Plan = ({ kind: 'hdf5'; path: string; userblock?: number; tree: Tree } | { kind: 'zip'; path: string; members: Record<string, string>[] })[];

let temp: { dir: string; remove: () => Promise<void> };
let source: tfl.LayersModel;
let x: tf.Tensor;
let expected: Float32Array;
/** Every fixture file by name, written in before(). */
const file = (name: string) => join(temp.dir, name);

/** A dataset of a weight tensor, values as written. */
function dataset(t: tf.Tensor, shape = t.shape): Record<string, unknown> {
  return { shape, values: Array.from(t.dataSync()) };
}

/** Keras 2's group of one layer: weight_names and the datasets at <layer>/<weight>:0. */
function keras2Layer(layer: tfl.layers.Layer, edit: (names: string[], datasets: Record<string, unknown>) => void = () => undefined): Tree {
  const names = layer.weights.map((w) => `${layer.name}/${w.originalName.split('/').at(-1)}:0`);
  const datasets = Object.fromEntries(layer.getWeights().map((t, i) => [names[i]!, dataset(t)]));
  edit(names, datasets);
  return { attrs: { weight_names: { strings: names } }, datasets };
}

/** Keras 2's model_weights tree: layer_names and one group per layer. */
function keras2Weights(layers: Record<string, Tree>, names = Object.keys(layers)): Tree {
  return { attrs: { layer_names: { strings: names } }, groups: layers };
}

function goodLayers(): Record<string, Tree> {
  return Object.fromEntries(source.layers.map((l) => [l.name, keras2Layer(l)]));
}

/** Keras 3's model.weights.h5 tree: layers/<key>/vars/<i>. */
function keras3Weights(): Tree {
  const keys = keras3LayerKeys(keras3Config(keras2Config(source)));
  const groups: Record<string, Tree> = {};
  for (const layer of source.layers.filter((l) => l.weights.length > 0)) {
    groups[keys.get(layer.name)!] = { groups: { vars: { datasets: Object.fromEntries(layer.getWeights().map((t, i) => [String(i), dataset(t)])) } } };
  }
  return { groups: { layers: { groups } } };
}

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('keras-files-');
  const input = tfl.input({ shape: [4, 4, 1], name: 'image' });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', name: 'conv', kernelInitializer: tfl.initializers.randomNormal({ seed: 1 }), biasInitializer: 'ones' }).apply(input);
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv);
  const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'dense', kernelInitializer: tfl.initializers.randomNormal({ seed: 2 }) }).apply(flat) as tfl.SymbolicTensor;
  source = tfl.model({ inputs: input, outputs: out });
  x = tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 5);
  expected = (source.predict(x) as tf.Tensor).dataSync() as Float32Array;

  const config = keras2Config(source);
  const configText = JSON.stringify(config);
  const dense = source.getLayer('dense');
  const full = (weights: Tree, modelConfig = configText): Tree => ({ attrs: { model_config: { string: modelConfig } }, groups: { model_weights: weights } });
  const lambda = JSON.parse(configText) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  lambda.config.layers[2]!.class_name = 'Lambda';
  lambda.config.layers[2]!.config['function'] = 'lambda x: x';
  const keras3Text = JSON.stringify(keras3Config(config));

  const plan: Plan = [
    { kind: 'hdf5', path: file('full.h5'), tree: full(keras2Weights(goodLayers())) },
    { kind: 'hdf5', path: file('user-block.h5'), userblock: 1024, tree: full(keras2Weights(goodLayers())) },
    { kind: 'hdf5', path: file('weights-keras3-layout.h5'), tree: keras3Weights() },
    { kind: 'hdf5', path: file('no-layer-names.h5'), tree: { attrs: { layer_names: { strings: [] } } } },
    { kind: 'hdf5', path: file('missing-group.h5'), tree: keras2Weights({ conv: goodLayers()['conv']! }, ['conv', 'dense']) },
    { kind: 'hdf5', path: file('missing-dataset.h5'), tree: keras2Weights({ dense: keras2Layer(dense, (_, d) => delete d['dense/bias:0']) }) },
    { kind: 'hdf5', path: file('text-weight.h5'), tree: keras2Weights({ dense: keras2Layer(dense, (_, d) => (d['dense/kernel:0'] = { string: 'not numbers' })) }) },
    { kind: 'hdf5', path: file('one-weight-name.h5'), tree: keras2Weights({ dense: { attrs: { weight_names: { string: 'dense/kernel:0' } }, datasets: { 'dense/kernel:0': dataset(dense.getWeights()[0]!) } } }) },
    { kind: 'hdf5', path: file('scalar.h5'), tree: keras2Weights({ scale: { attrs: { weight_names: { strings: ['scale/factor:0'] } }, datasets: { 'scale/factor:0': { shape: [], values: 0.5 } } } }) },
    { kind: 'hdf5', path: file('float64.h5'), tree: keras2Weights({ dense: keras2Layer(dense, (_, d) => ((d['dense/bias:0'] as Record<string, unknown>)['dtype'] = 'float64')) }) },
    { kind: 'hdf5', path: file('full-missing-layer.h5'), tree: full(keras2Weights({ conv: goodLayers()['conv']! })) },
    { kind: 'hdf5', path: file('full-wrong-shape.h5'), tree: full(keras2Weights({ ...goodLayers(), dense: keras2Layer(dense, (_, d) => (d['dense/kernel:0'] = dataset(dense.getWeights()[0]!, [2, 8]))) })) },
    { kind: 'hdf5', path: file('full-no-bias.h5'), tree: full(keras2Weights({ ...goodLayers(), dense: keras2Layer(dense, (names) => names.pop()) })) },
    { kind: 'hdf5', path: file('full-bad-json.h5'), tree: full(keras2Weights(goodLayers()), '{"class_name": "Functional", ') },
    { kind: 'hdf5', path: file('full-lambda.h5'), tree: full(keras2Weights(goodLayers()), JSON.stringify(lambda)) },
    { kind: 'hdf5', path: file('k3-weights.h5'), tree: keras3Weights() },
    { kind: 'hdf5', path: file('k3-no-layers.h5'), tree: { groups: { optimizer: { groups: { vars: {} } } } } },
    { kind: 'hdf5', path: file('k3-no-vars.h5'), tree: { groups: { layers: { groups: { conv2d: { groups: { notvars: {} } }, dense: keras3Weights().groups!['layers']!.groups!['dense']! } } } } },
    { kind: 'zip', path: file('model.keras'), members: [{ name: 'config.json', text: keras3Text }, { name: 'model.weights.h5', file: file('k3-weights.h5'), method: 'stored' }] },
    { kind: 'zip', path: file('no-weights.keras'), members: [{ name: 'config.json', text: keras3Text }] },
    { kind: 'zip', path: file('no-config.keras'), members: [{ name: 'model.weights.h5', file: file('k3-weights.h5') }] },
    { kind: 'zip', path: file('no-layers.keras'), members: [{ name: 'config.json', text: keras3Text }, { name: 'model.weights.h5', file: file('k3-no-layers.h5') }] },
    { kind: 'zip', path: file('no-vars.keras'), members: [{ name: 'config.json', text: keras3Text }, { name: 'model.weights.h5', file: file('k3-no-vars.h5') }] },
    { kind: 'zip', path: file('bzip2.keras'), members: [{ name: 'config.json', text: keras3Text, method: 'bzip2' }] },
  ];
  await writeFile(file('plan.json'), JSON.stringify(plan));
  const written = spawnSync('/usr/bin/python3', [WRITER, file('plan.json')], { encoding: 'utf8' });
  assert.equal(written.status, 0, `write_hdf5_tree.py failed: ${written.stderr}`);
});

after(async () => {
  source.dispose();
  x.dispose();
  await temp.remove();
});

async function predictConverted(path: string): Promise<Float32Array> {
  const { model } = await loadModelFolder(await convertKerasFile(path, `${path}-tfjs`));
  try {
    const y = model.predict(x) as tf.Tensor;
    const values = y.dataSync() as Float32Array;
    y.dispose();
    return values;
  } finally {
    model.dispose();
  }
}

describe('well-formed Keras files convert to the model they hold', () => {
  for (const name of ['full.h5', 'user-block.h5', 'model.keras']) {
    test(`${name}: the converted model predicts exactly as the source`, async () => {
      assert.deepEqual(await predictConverted(file(name)), expected);
    });
  }

  test('a weight_names attribute holding one string, and float64 datasets, read as weights', async () => {
    const one = await readKerasH5Weights(file('one-weight-name.h5'));
    assert.deepEqual([...one.get('dense')!.keys()], ['kernel']);
    assert.deepEqual(one.get('dense')!.get('kernel')!.shape, [8, 2]);
    const wide = await readKerasH5Weights(file('float64.h5'));
    const bias = wide.get('dense')!.get('bias')!;
    assert.ok(bias.data instanceof Float32Array);
    assert.deepEqual(Array.from(bias.data), Array.from(source.getLayer('dense').getWeights()[1]!.dataSync()));
  });

  test('a scalar weight reads as one value of shape []', async () => {
    const factor = (await readKerasH5Weights(file('scalar.h5'))).get('scale')!.get('factor')!;
    assert.deepEqual(factor.shape, []);
    assert.deepEqual(Array.from(factor.data), [0.5]);
  });

  test('string lists from HDF5 attributes of any form', () => {
    assert.deepEqual(stringList(undefined), []);
    assert.deepEqual(stringList(null), []);
    assert.deepEqual(stringList('conv'), ['conv']);
    assert.deepEqual(stringList(['a', 1]), ['a', '1']);
    assert.deepEqual(stringList(new Int32Array([3, 4])), ['3', '4']);
    assert.deepEqual(stringList(7), ['7']);
  });
});

describe('damaged HDF5 files are refused, naming the file and what is missing', () => {
  test('a path that does not exist, and a file that is not HDF5', async () => {
    await assertRejected(readKerasH5Weights(file('nowhere.h5')), 'model-unreadable', new RegExp(`Cannot open ${file('nowhere.h5')} \\(ENOENT\\)`));
    await writeFile(file('text.h5'), 'just some text, long enough to be probed at byte 0 and nowhere else');
    await assertRejected(readKerasH5Weights(file('text.h5')), 'model-wrong-format', /text\.h5 is not an HDF5 file \(no HDF5 signature\)/);
  });

  test('an HDF5 file cut short after its signature', async () => {
    const bytes = await readFile(file('full.h5'));
    await writeFile(file('cut.h5'), bytes.subarray(0, 600));
    await assertRejected(readKerasH5Weights(file('cut.h5')), 'model-wrong-format', /cut\.h5 (is not an HDF5 file|could not be read as a Keras HDF5 file) \(/);
  });

  test("a Keras 3 model.weights.h5 read as Keras 2 weights says to import the .keras file", async () => {
    await assertRejected(readKerasH5Weights(file('weights-keras3-layout.h5')), 'model-wrong-format', /weights-keras3-layout\.h5 is not in the Keras 2 HDF5 layout \(no layer_names\)/);
  });

  test('an empty layer_names list', async () => {
    await assertRejected(readKerasH5Weights(file('no-layer-names.h5')), 'model-wrong-format', /no-layer-names\.h5 has no Keras layer_names: it is not a Keras weights file/);
  });

  test('a listed layer without its group', async () => {
    await assertRejected(readKerasH5Weights(file('missing-group.h5')), 'model-wrong-format', /missing-group\.h5 lists layer "dense" but has no group for it/);
  });

  test('a listed weight without its dataset', async () => {
    await assertRejected(readKerasH5Weights(file('missing-dataset.h5')), 'model-wrong-format', /missing-dataset\.h5: layer "dense" lists weight "dense\/bias:0" but has no dataset for it/);
  });

  test('a weight stored as text', async () => {
    await assertRejected(readKerasH5Weights(file('text-weight.h5')), 'weights-mismatch', /text-weight\.h5:dense\/dense\/kernel:0 is not a numeric weight/);
  });
});

describe('damaged full-model files are refused on conversion, naming the layer', () => {
  test('a layer of the architecture without weights in the file', async () => {
    await assertRejected(convertKerasFile(file('full-missing-layer.h5')), 'weights-mismatch', /full-missing-layer\.h5 has no weights for layer "dense"/);
  });

  test('a weight of the wrong shape, and a weight left out', async () => {
    await assertRejected(convertKerasFile(file('full-wrong-shape.h5')), 'weights-mismatch', /full-wrong-shape\.h5: layer "dense" needs dense\/kernel \[8,2\], but the file has \[2,8\] there/);
    await assertRejected(convertKerasFile(file('full-no-bias.h5')), 'weights-mismatch', /full-no-bias\.h5: layer "dense" needs dense\/bias \[2\], but the file has nothing there/);
  });

  test('a model_config that is not JSON', async () => {
    await assertRejected(convertKerasFile(file('full-bad-json.h5')), 'model-wrong-format', /full-bad-json\.h5 could not be read as a Keras HDF5 file \(.*JSON/);
  });

  test('an architecture with a Lambda layer', async () => {
    await assertRejected(convertKerasFile(file('full-lambda.h5')), 'unsupported-model', /full-lambda\.h5 holds an architecture TensorFlow\.js cannot build \(/);
  });

  test('train --weights with a full-model file reads it by layer name; with a missing file names the path', async () => {
    const graph: Graph = {
      nodes: [
        { id: 'image', type: 'Input', params: { shape: [4, 4, 1] }, position: { x: 0, y: 0 } },
        { id: 'dense', type: 'Dense', params: { units: 2 }, position: { x: 0, y: 0 } },
      ],
      edges: [],
    };
    const found = await readKerasWeightsByNode(file('full.h5'), graph);
    assert.deepEqual([...found.nodeIdOfLayer], [['image', 'image'], ['dense', 'dense']], 'the layers the graph has, and no others');
    assert.deepEqual(found.description.layers.find((l) => l.name === 'conv')!.weights.get('kernel')!.shape, [3, 3, 1, 2]);
    await assertRejected(readKerasWeightsByNode(file('absent.h5'), graph), 'model-not-found', /absent\.h5 does not exist/);
  });
});

describe('damaged .keras archives are refused, naming the archive and the member', () => {
  test('an archive without model.weights.h5, or without config.json', async () => {
    await assertRejected(convertKerasFile(file('no-weights.keras')), 'model-wrong-format', /no-weights\.keras lacks model\.weights\.h5: it is not a Keras 3 \.keras file/);
    await assertRejected(convertKerasFile(file('no-config.keras')), 'model-wrong-format', /no-config\.keras lacks config\.json/);
  });

  test('weights without a layers group, or a layer without vars', async () => {
    await assertRejected(convertKerasFile(file('no-layers.keras')), 'weights-mismatch', /no-layers\.keras has no weights for layer "conv" \(looked for layers\/conv2d\/vars\)/);
    await assertRejected(convertKerasFile(file('no-vars.keras')), 'weights-mismatch', /no-vars\.keras has no weights for layer "conv" \(looked for layers\/conv2d\/vars\)/);
  });

  test('a member compressed with a method other than stored or deflate', async () => {
    await assertRejected(readZipEntries(file('bzip2.keras')), 'model-wrong-format', /bzip2\.keras is not a readable ZIP archive \(member config\.json uses compression method 12\)/);
  });

  test('a file that is not a ZIP, a ZIP64 archive, a damaged directory, a damaged member', async () => {
    await writeFile(file('plain.keras'), 'not a zip archive at all, but long enough to be searched for a directory');
    await assertRejected(readZipEntries(file('plain.keras')), 'model-wrong-format', /plain\.keras is not a readable ZIP archive \(no end of central directory\)/);
    const good = await readFile(file('model.keras'));
    const end = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const directory = good.readUInt32LE(end + 16);
    const patched = async (name: string, patch: (bytes: Buffer) => void) => {
      const bytes = Buffer.from(good);
      patch(bytes);
      await writeFile(file(name), bytes);
      return file(name);
    };
    const zip64 = await patched('zip64.keras', (b) => b.writeUInt32LE(0xffffffff, end + 16));
    await assertRejected(readZipEntries(zip64), 'model-wrong-format', /zip64\.keras is not a readable ZIP archive \(ZIP64 archives are not supported\)/);
    const moved = await patched('directory.keras', (b) => b.writeUInt32LE(directory + 1, end + 16));
    await assertRejected(readZipEntries(moved), 'model-wrong-format', /directory\.keras is not a readable ZIP archive \(damaged central directory\)/);
    const member = await patched('member.keras', (b) => b.writeUInt32LE(b.readUInt32LE(directory + 42) + 1, directory + 42));
    await assertRejected(readZipEntries(member), 'model-wrong-format', /member\.keras is not a readable ZIP archive \(damaged member config\.json\)/);
    // The same archive unpatched reads both members (config.json deflated, the weights stored).
    const entries = await readZipEntries(file('model.keras'));
    assert.deepEqual([...entries.keys()], ['config.json', 'model.weights.h5']);
    assert.equal(JSON.parse(entries.get('config.json')!.toString('utf8')).class_name, 'Functional');
  });
});

describe("Keras 3's config in Keras 2's form", () => {
  test('inbound nodes already in Keras 2 form stay as they are', () => {
    const converted = keras3ToKeras2({
      class_name: 'Functional',
      config: { layers: [{ class_name: 'Dense', name: 'a', inbound_nodes: [[['image', 0, 0, {}]]] }] },
    }) as { config: { layers: { inbound_nodes: unknown[] }[] } };
    assert.deepEqual(converted.config.layers[0]!.inbound_nodes, [[['image', 0, 0, {}]]]);
  });

  test('layer keys from a config without layers, and from layers named outside their config', () => {
    assert.deepEqual([...keras3LayerKeys({})], []);
    assert.deepEqual([...keras3LayerKeys({ config: { layers: [{ class_name: 'Conv2D', name: 'first' }, { class_name: 'Conv2D', config: { name: 'second' } }] } })], [
      ['first', 'conv2d'],
      ['second', 'conv2d_1'],
    ]);
  });
});
