/**
 * Transfer learning end to end through the engine (train.start, as the
 * window and the CLI do): the mobilenetv2-imagenet template at 96 px fetches
 * its base from a local mirror (a MobileNetV2 0.35 with random weights
 * written by the studio in Teachable Machine's layout: ImageNet's weights
 * cannot be fetched here), trains its head on a real Fashion-MNIST subset
 * that the data pipeline turns into 96 px RGB, then unfreezes the top two
 * blocks at a 10× lower rate. The base stays bit-identical through phase 1,
 * only the top blocks move in phase 2, tensor counts stay flat, and the
 * fine-tuned network exports to every format, the PyTorch module matching
 * TensorFlow.js within 1e-4 on real images.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { decodeImageInto } from '../data/decode.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { exportModel, maxDifference } from '../export/exportModel.js';
import { describeModel } from '../model/modelDescription.js';
import { toPytorch } from '../export/python/toPytorch.js';
import { encodeSafetensors, namedWeights } from '../export/safetensors.js';
import { runPython, writeFashionFolder } from '../testing/exportFixtures.js';
import type { ProjectFile } from '../project/schema.js';
import { createProject } from '../graph/templates.js';
import type { EngineEvent, ProgressEvent, RunStartedEvent } from '../protocol.js';
import { loadModelFolder } from '../model/modelFiles.js';
import { DATA_FOLDER_ENV } from './cacheFolder.js';
import { randomBaseModel, serveFolder, writeTfjsBaseFixture, type FixtureServer } from '../testing/pretrainedBases.js';

const CLASSES = [0, 1, 7]; // T-shirt, trouser, sneaker
let temp: { dir: string; remove: () => Promise<void> };
let server: FixtureServer;
let baseWeights: Map<string, Float32Array>;
let events: EngineEvent[] = [];
let runDir: string;
let dataDir: string;

async function weightsOf(modelDir: string): Promise<Map<string, Float32Array>> {
  const { model } = await loadModelFolder(modelDir);
  const map = new Map<string, Float32Array>();
  for (const layer of model.layers) {
    const values = layer.getWeights();
    layer.weights.forEach((w, i) => map.set(w.originalName, (values[i]!.dataSync() as Float32Array).slice()));
  }
  model.dispose();
  return map;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('transfer-');
  const source = await randomBaseModel(0.35, 224, 11);
  baseWeights = new Map(source.weights.map((w, i) => [w.originalName, (source.getWeights()[i]!.dataSync() as Float32Array).slice()]));
  await writeTfjsBaseFixture(source, join(temp.dir, 'mirror'));
  source.dispose();
  server = await serveFolder(join(temp.dir, 'mirror'));
  process.env[DATA_FOLDER_ENV] = join(temp.dir, 'user-data');
  dataDir = await writeFashionFolder(join(temp.dir, 'fashion'), { classes: CLASSES, perClass: 12, split: 'train' });

  const created = createProject('mobilenetv2-imagenet');
  const project: ProjectFile = {
    ...created,
    graph: {
      ...created.graph,
      nodes: created.graph.nodes.map((n) => (n.type === 'Input' ? { ...n, params: { shape: [96, 96, 3] } } : n)),
    },
    data: { ...created.data, path: dataDir, validationSplit: 0.25 },
    training: {
      ...created.training,
      epochs: 2,
      batchSize: 9,
      transfer: { head: 'predictions', fineTuneBlocks: 2, fineTuneEpochs: 2, fineTuneLearningRateFactor: 0.1 },
    },
  };
  const engine = new Engine({ backend: 'cpu' });
  engine.onEvent((e) => events.push(e));
  ({ runDir } = await engine.execute({ type: 'train.start', project, options: { basesUrl: server.url } }));
  await engine.idle();
});

after(async () => {
  delete process.env[DATA_FOLDER_ENV];
  await server.close();
  await temp.remove();
});

describe('transfer learning from a pretrained MobileNetV2', () => {
  test('the run fetched the base with progress, into the user data folder', async () => {
    const failure = events.find((e) => e.type === 'error');
    assert.equal(failure, undefined, JSON.stringify(failure));
    const downloads = events.filter((e): e is ProgressEvent => e.type === 'progress' && e.stage === 'downloading-base');
    const lastWeights = downloads.filter((e) => e.file!.endsWith('weights.bin')).at(-1)!;
    assert.equal(lastWeights.done, lastWeights.total);
    const run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8'));
    assert.equal(run.pretrained[0].base, 'mobilenetv2-0.35-224');
    assert.equal(run.pretrained[0].nodes, 104);
    assert.ok(run.pretrained[0].path.startsWith(join(temp.dir, 'user-data', 'pretrained')));
    const head = run.graph.nodes.find((n: { id: string }) => n.id === 'predictions');
    assert.equal(head.params.units, 3, "the head fits the data's three classes");
  });

  test('phase 1 trains only the head; phase 2 starts at epoch 3', () => {
    const started = events.find((e): e is RunStartedEvent => e.type === 'run-started')!;
    assert.equal(started.trainableParams, 1280 * 3 + 3);
    assert.equal(started.epochs, 4);
    assert.equal(started.fineTuneFromEpoch, 3);
    const rates = events.flatMap((e) => (e.type === 'epoch' ? [e.learningRate] : []));
    assert.equal(rates.length, 4);
    assert.ok(Math.abs(rates[2]! - rates[0]! / 10) < 1e-12, `phase 2 at a tenth of the rate (${rates})`);
  });

  test('the base is bit-identical after phase 1; phase 2 moves only the top blocks, BatchNormalization statistics never', async () => {
    const phaseOne = await weightsOf(join(runDir, 'checkpoints', 'epoch-002'));
    const phaseTwo = await weightsOf(join(runDir, 'checkpoints', 'epoch-004'));
    let compared = 0;
    for (const [name, value] of baseWeights) {
      assert.ok(same(phaseOne.get(name)!, value), `${name} unchanged in phase 1`);
      compared++;
      const layer = name.split('/')[0]!;
      const top = /^block_1[56]_|^Conv_1/.test(layer);
      const statistic = /moving_(mean|variance)$/.test(name);
      if (top && !statistic) assert.ok(!same(phaseTwo.get(name)!, value), `${name} trained in phase 2`);
      else assert.ok(same(phaseTwo.get(name)!, value), `${name} unchanged in phase 2`);
    }
    assert.equal(compared, 52 + 52 * 4);
    assert.ok(!same(phaseOne.get('predictions/kernel')!, phaseTwo.get('predictions/kernel')!));
  });

  test('tensor counts stay flat within each phase', () => {
    const counts = events.flatMap((e) => (e.type === 'epoch' ? [e.tensors] : []));
    assert.equal(counts[0], counts[1], `phase 1: ${counts}`);
    assert.equal(counts[2], counts[3], `phase 2: ${counts}`);
  });

  test('the fine-tuned network exports to every format; PyTorch matches TensorFlow.js within 1e-4 on real images', async () => {
    const out = join(temp.dir, 'export');
    const result = await exportModel({ source: runDir, formats: ['tfjs', 'onnx', 'keras', 'pytorch'], outDir: out });
    assert.deepEqual(result.formats, ['tfjs', 'onnx', 'keras', 'pytorch']);
    // tfjs reloads and ONNX runs in onnxruntime-node at export time; both must have been measured.
    for (const format of ['tfjs', 'onnx'] as const) {
      const check = result.checks.find((c) => c.format === format)!;
      assert.ok(check.maxDifference !== null && check.maxDifference <= 1e-4, `${format}: ${JSON.stringify(check)}`);
    }
    // The Keras and PyTorch sources are valid Python (Keras is not installed here to run its file).
    await runPython(`
import py_compile
for f in ${JSON.stringify([join(out, 'keras', 'model.py'), join(out, 'pytorch', 'model.py')])}:
    py_compile.compile(f, doraise=True)
`);

    // Real images: Fashion-MNIST files as the studio decodes them (RGB, 96 px, [-1, 1]).
    const { model } = await loadModelFolder(join(runDir, 'model'));
    const files: string[] = [];
    for (const cls of (await readdir(dataDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      const first = (await readdir(join(dataDir, cls))).sort()[0];
      if (first) files.push(join(dataDir, cls, first));
    }
    assert.equal(files.length, CLASSES.length);
    const pixels = new Uint8Array(files.length * 96 * 96 * 3);
    for (const [i, file] of files.entries()) {
      await decodeImageInto(file, { height: 96, width: 96, channels: 3 }, pixels.subarray(i * 96 * 96 * 3, (i + 1) * 96 * 96 * 3), 'stretch');
    }
    const x = tf.tidy(() => tf.sub(tf.div(tf.tensor4d(pixels, [files.length, 96, 96, 3], 'float32'), 127.5), 1));
    const expected = (await (model.predict(x) as tf.Tensor).data()) as Float32Array;
    const description = describeModel(model);
    const dir = join(temp.dir, 'torch');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.py'), toPytorch(description, { description: 'fine-tuned MobileNetV2' }));
    await writeFile(join(dir, 'weights.safetensors'), encodeSafetensors(namedWeights(description)));
    await writeFile(join(dir, 'x.safetensors'), encodeSafetensors(new Map([['x', { shape: x.shape, data: (await x.data()) as Float32Array }]])));
    model.dispose();
    x.dispose();
    await runPython(`
import importlib.util, os, torch
d = ${JSON.stringify(dir)}
spec = importlib.util.spec_from_file_location("model", os.path.join(d, "model.py"))
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
x = torch.from_numpy(module.read_weights(os.path.join(d, "x.safetensors"))["x"]).permute(0, 3, 1, 2)
net = module.load_model().eval()
with torch.no_grad():
    net(x).numpy().astype("<f4").tofile(os.path.join(d, "y.f32"))
`);
    const bytes = await readFile(join(dir, 'y.f32'));
    const difference = maxDifference(expected, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    console.log(`fine-tuned MobileNetV2 0.35/96: PyTorch max |Δ| ${difference.toExponential(2)}`);
    assert.ok(difference <= 1e-4, `PyTorch differs by ${difference}`);
  });
});
