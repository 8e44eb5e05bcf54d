/**
 * Importing TensorFlow.js layers models as graphs: a model the studio saved
 * comes back as the graph it was built from (helper layers folded back), a
 * Keras model in tensorflowjs_converter's format (hand-made fixture, weights
 * written here) becomes catalogue nodes, and the imported weights load into
 * the model built from the graph. Bad files are named with what is wrong.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { readProject } from '../project/projectFile.js';
import { buildModel } from '../graph/tfjs/build.js';
import { layerNamesByNode } from '../graph/naming.js';
import { validateGraph } from '../graph/validate.js';
import { saveModelFolder } from './modelFiles.js';
import { maxDifference } from '../export/exportModel.js';
import { freezeUpTo, replaceHead } from '../export/fineTune.js';
import { importLayersModel } from './importLayersModel.js';
import { applyInitialWeights } from './initialWeights.js';
import { loadLayersModelFolder } from './loadLayersModel.js';
import { everyLayerGraphs, randomiseWeights } from '../testing/exportFixtures.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'keras-converted', 'model.json');
let temp: { dir: string; remove: () => Promise<void> };

/** The fixture with deterministic weights, as tensorflowjs_converter would leave it on disk. */
async function kerasFixture(name: string, edit?: (json: Record<string, unknown>) => void, bytes?: (weights: Uint8Array) => Uint8Array): Promise<string> {
  const dir = join(temp.dir, name);
  await mkdir(dir, { recursive: true });
  const json = JSON.parse(await readFile(FIXTURE, 'utf8')) as Record<string, unknown>;
  edit?.(json);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  const count = 4 * 8 + 72 + 1152 + 16 + 160 + 10;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.sin(i * 0.7) * 0.3;
  for (let i = 24; i < 32; i++) values[i] = 1 + 0.1 * Math.cos(i); // moving variance stays positive
  const raw = new Uint8Array(values.buffer);
  await writeFile(join(dir, 'group1-shard1of1.bin'), bytes ? bytes(raw) : raw);
  return dir;
}

function images(shape: number[], count = 4): tf.Tensor {
  return tf.randomUniform([count, ...shape], 0, 1, 'float32', 11);
}

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('import-');
});

after(async () => {
  await temp.remove();
});

describe('importing layers models', () => {
  test('a Keras model converted with tensorflowjs_converter becomes catalogue nodes laid out top to bottom', async () => {
    const dir = await kerasFixture('keras');
    const imported = await importLayersModel(dir);
    const nodes = imported.graph.nodes.map((n) => `${n.id}:${n.type}`);
    assert.deepEqual(nodes, [
      'input_1:Input',
      'conv2d:Conv2D',
      'batch_normalization:BatchNormalization',
      're_lu:Activation',
      'max_pooling2d:MaxPooling2D',
      'conv2d_1:Conv2D',
      'global_average_pooling2d:GlobalAveragePooling2D',
      'dropout:Dropout',
      'dense:Dense',
      'output:Output',
    ]);
    const byId = new Map(imported.graph.nodes.map((n) => [n.id, n]));
    assert.deepEqual(byId.get('conv2d')!.params, {
      filters: 8,
      kernel_size: 3,
      strides: 1,
      padding: 'same',
      dilation_rate: 1,
      activation: 'linear',
      use_bias: false,
      kernel_initializer: 'he_normal',
      bias_initializer: 'zeros',
      kernel_regularizer: { l1: 0, l2: 0.0005 },
    });
    assert.equal(byId.get('re_lu')!.params['activation'], 'relu6');
    assert.equal(byId.get('max_pooling2d')!.params['strides'], null);
    const ys = imported.graph.nodes.map((n) => n.position.y);
    assert.deepEqual(ys, [...ys].sort((a, b) => a - b));
    assert.equal(new Set(ys).size, ys.length, 'a chain gets one row per node');
    assert.ok(validateGraph(imported.graph, { classCount: 10 }).valid);
  });

  test('the imported weights load into the model built from the graph: same outputs as tfjs reading the file', async () => {
    const dir = await kerasFixture('keras-weights');
    const { graph } = await importLayersModel(dir);
    const reading = tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: (JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { modelTopology: { model_config: object } }).modelTopology.model_config,
        weightSpecs: (JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }).weightsManifest[0]!.weights,
        weightData: new Uint8Array(await readFile(join(dir, 'group1-shard1of1.bin'))).buffer,
      }),
    );
    // tfjs cannot read Keras' L2 regularizer itself (this very error); the studio's loader can.
    await assert.rejects(reading, /Unknown regularizer: L2/);
    const reference = (await loadLayersModelFolder(dir)).model;
    const rebuilt = buildModel(graph, { seed: 1 });
    const report = await applyInitialWeights(rebuilt, graph, dir);
    assert.deepEqual(report.fresh, []);
    assert.deepEqual(report.loaded.sort(), ['batch_normalization', 'conv2d', 'conv2d_1', 'dense']);
    const x = images([28, 28, 1]);
    const expected = await (reference.predict(x) as tf.Tensor).data();
    const actual = await (rebuilt.predict(x) as tf.Tensor).data();
    assert.equal(maxDifference(expected, actual), 0);
    tf.dispose([x]);
    reference.dispose();
    rebuilt.dispose();
  });

  for (const { name, graph } of everyLayerGraphs()) {
    test(`a model the studio saved comes back as its graph (${name})`, async () => {
      const model = buildModel(graph, { seed: 3 });
      randomiseWeights(model, 5);
      const dir = join(temp.dir, `studio-${name}`);
      await saveModelFolder(model, dir, { classNames: ['a', 'b', 'c'] });
      const imported = await importLayersModel(dir);
      const names = layerNamesByNode(graph);
      // Same nodes (ids are the layer names), same types, same edges; fused leaky_relu folded back.
      assert.deepEqual(
        imported.graph.nodes.filter((n) => n.type !== 'Output').map((n) => `${n.id}:${n.type}`).sort(),
        graph.nodes.filter((n) => n.type !== 'Output').map((n) => `${names.get(n.id)}:${n.type}`).sort(),
      );
      const original = validateGraph(graph);
      const back = validateGraph(imported.graph);
      assert.deepEqual(back.totals, original.totals);
      for (const node of graph.nodes) {
        if (node.type === 'Output') continue;
        const copy = imported.graph.nodes.find((n) => n.id === names.get(node.id))!;
        for (const [key, value] of Object.entries(node.params)) {
          if (key === 'target_shape') continue; // stored resolved (no -1)
          // tfjs knows Keras' silu by its other name, swish.
          assert.deepEqual(copy.params[key], value === 'silu' ? 'swish' : value, `${node.id}.${key}`);
        }
      }
      const rebuilt = buildModel(imported.graph, { seed: 9 });
      await applyInitialWeights(rebuilt, imported.graph, dir);
      const x = images((model.inputs[0]!.shape as number[]).slice(1), 2);
      assert.equal(maxDifference(await (model.predict(x) as tf.Tensor).data(), await (rebuilt.predict(x) as tf.Tensor).data()), 0);
      tf.dispose(x);
      model.dispose();
      rebuilt.dispose();
    });
  }

  test('freeze up to a node and a new head, ready for the new classes', async () => {
    const { graph } = await importLayersModel(await kerasFixture('keras-head'));
    const tuned = replaceHead(freezeUpTo(graph, 'conv2d_1'), { classCount: 3 });
    const frozen = tuned.nodes.filter((n) => n.frozen).map((n) => n.id);
    assert.deepEqual(frozen, ['input_1', 'conv2d', 'batch_normalization', 're_lu', 'max_pooling2d', 'conv2d_1']);
    assert.ok(!tuned.nodes.some((n) => n.id === 'dense'), 'the old head is gone');
    const head = tuned.nodes.find((n) => n.id === 'head')!;
    assert.deepEqual(head.params, { units: 3, activation: 'softmax' });
    assert.ok(tuned.edges.some((e) => e.source === 'dropout' && e.target === 'head'));
    const report = validateGraph(tuned, { classCount: 3 });
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.outputShape, [3]);
  });
});

describe('convnet-studio import', () => {
  test('writes a project frozen up to a node with a new head, and says how to fine-tune it', async () => {
    const dir = await kerasFixture('keras-cli');
    const projectPath = join(temp.dir, 'tuned.cnnstudio.json');
    const lines: string[] = [];
    const code = await main(['import', dir, projectPath, '--freeze-up-to', 'max_pooling2d', '--classes', '4', '--json'], (l) => lines.push(l));
    assert.equal(code, 0, lines.join('\n'));
    const reply = JSON.parse(lines[0]!) as { initialWeights: string; frozen: string[] };
    assert.equal(reply.initialWeights, dir);
    assert.deepEqual(reply.frozen, ['input_1', 'conv2d', 'batch_normalization', 're_lu', 'max_pooling2d']);
    const project = await readProject(projectPath);
    assert.equal(project.graph.nodes.find((n) => n.id === 'head')!.params['units'], 4);
    const again = await main(['import', dir, projectPath], () => undefined);
    assert.equal(again, 1, 'an existing project file is not overwritten without --force');
  });
});

describe('importing bad files', () => {
  test('a graph model is named as such, with the converter command that makes a layers model', async () => {
    const dir = join(temp.dir, 'graph-model');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    await assert.rejects(importLayersModel(dir), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'model-wrong-format');
      assert.match(e.message, /graph-model\/model\.json is a TensorFlow\.js graph model/);
      return true;
    });
  });

  test('JSON that is not a layers model is refused, naming the file', async () => {
    const dir = join(temp.dir, 'not-a-model');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.json'), JSON.stringify({ hello: 'world' }));
    await assert.rejects(importLayersModel(dir), /not-a-model\/model\.json is not a TensorFlow\.js layers model/);
  });

  test('weight files shorter than the manifest: names the file and both sizes', async () => {
    const dir = await kerasFixture('cut-short', undefined, (bytes) => bytes.subarray(0, bytes.length - 40));
    await assert.rejects(importLayersModel(dir), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'weights-mismatch');
      assert.match(e.message, /group1-shard1of1\.bin hold 5728 bytes, but the manifest's 9 weights need 5768/);
      return true;
    });
  });

  test('weights whose shapes do not fit the layers: names the file and the mismatch', async () => {
    const dir = await kerasFixture('wrong-shape', (json) => {
      const weights = (json['weightsManifest'] as { weights: { name: string; shape: number[] }[] }[])[0]!.weights;
      weights.find((w) => w.name === 'dense/kernel')!.shape = [10, 16];
    });
    await assert.rejects(importLayersModel(dir), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'weights-mismatch');
      assert.match(e.message, /wrong-shape\/model\.json: its weights do not fit its layers/);
      return true;
    });
  });

  test('a missing weight file is named', async () => {
    const dir = join(temp.dir, 'no-weights');
    await mkdir(dir, { recursive: true });
    await copyFile(FIXTURE, join(dir, 'model.json'));
    await assert.rejects(importLayersModel(dir), /lists the weight file group1-shard1of1\.bin, which is missing/);
  });

  test('a layer the studio does not have is named with its file', async () => {
    const dir = await kerasFixture('relu3', (json) => {
      const layers = (json['modelTopology'] as { model_config: { config: { layers: { name: string; config: Record<string, unknown> }[] } } }).model_config.config.layers;
      layers.find((l) => l.name === 're_lu')!.config['max_value'] = 3;
    });
    await assert.rejects(importLayersModel(dir), /relu3\/model\.json: layer "re_lu" \(ReLU\) cannot be imported: ReLU capped at 3/);
  });
});
