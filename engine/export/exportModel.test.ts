/**
 * Exporting a saved model to every format: each round-trips (tfjs reloads
 * bit-identical, the ONNX file decodes with its documented input and runs,
 * the safetensors weights read back equal, the Python files compile and the
 * Keras file lists the graph's layers), labels.json travels with each, and
 * bad requests stop before anything is written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { buildModel } from '../graph/tfjs/build.js';
import { chain } from '../testing/graphs.js';
import { layerNamesByNode } from '../graph/naming.js';
import type { Graph } from '../graph/schema.js';
import { createProject } from '../graph/templates.js';
import { loadModelFolder, saveModelFolder } from '../model/modelFiles.js';
import { exportModel, maxDifference } from './exportModel.js';
import { describeModel } from '../model/modelDescription.js';
import { onnx } from './onnx/onnxGraph.js';
import { toKeras } from './python/toKeras.js';
import { toPytorch } from './python/toPytorch.js';
import { decodeSafetensors } from './safetensors.js';
import { everyLayerGraphs, randomiseWeights, runPython } from '../testing/exportFixtures.js';

const PREPROCESSING = { resize: 'stretch', channels: 1, colour: 'grey', normalization: { mode: 'zero-one', mean: [0], std: [1] }, alphaBackground: 'black' };
const CLASSES = ['T-shirt_top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle_boot'];

let temp: { dir: string; remove: () => Promise<void> };
let modelDir: string;
const graph = createProject('seed-cnn').graph;

async function saveModel(dir: string, g: Graph, classNames: string[]): Promise<void> {
  const model = buildModel(g, { seed: 4 });
  randomiseWeights(model, 8);
  await saveModelFolder(model, dir, { classNames, inputShape: [28, 28, 1], preprocessing: PREPROCESSING, project: 'Fashion', runId: 'run-test' });
  model.dispose();
}

/** (class, name) of every layer the Keras file builds, read with Python's own parser. */
async function kerasLayers(path: string): Promise<string[]> {
  const out = await runPython(`
import ast, json, sys
tree = ast.parse(open(${JSON.stringify(path)}).read())
found = []
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value.id if isinstance(node.func.value, ast.Name) else None
        name = next((k.value.value for k in node.keywords if k.arg == "name"), None)
        if (owner == "layers" or node.func.attr == "Input") and name is not None:
            found.append((node.lineno, ("InputLayer" if node.func.attr == "Input" else node.func.attr) + ":" + name))
print(json.dumps([f for _, f in sorted(found)]))
`);
  return JSON.parse(out) as string[];
}

/** What the Keras file must contain for a graph: each node's layer (by its tfjs name) and the builder's helper layers. */
function expectedKerasLayers(g: Graph): string[] {
  const names = layerNamesByNode(g);
  return g.nodes.flatMap((n) => {
    if (n.type === 'Output') return [];
    if (n.type === 'Input') return [`InputLayer:${names.get(n.id)}`];
    if (n.type === 'Activation' && n.params['activation'] === 'leaky_relu') return [`LeakyReLU:${names.get(n.id)}`];
    const main = `${n.type}:${names.get(n.id)}`;
    return n.params['activation'] === 'leaky_relu' ? [main, `LeakyReLU:${names.get(n.id)}__leaky_relu`] : [main];
  });
}

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('export-');
  modelDir = join(temp.dir, 'model');
  await saveModel(modelDir, graph, CLASSES);
});

after(async () => {
  await temp.remove();
});

describe('exportModel', () => {
  test('every format round-trips, with labels.json in each folder', async () => {
    const out = join(temp.dir, 'out');
    const result = await exportModel({ source: modelDir, formats: ['tfjs', 'onnx', 'keras', 'pytorch'], outDir: out });
    // Each file's size as written, in the order of files (the window lists them).
    assert.equal(result.sizes.length, result.files.length);
    for (const [i, file] of result.files.entries()) assert.equal(result.sizes[i], (await readFile(join(out, file))).length, file);
    assert.deepEqual(result.files.sort(), [
      'keras/labels.json', 'keras/model.py', 'keras/weights.safetensors',
      'labels.json',
      'onnx/labels.json', 'onnx/model.onnx',
      'pytorch/labels.json', 'pytorch/model.py', 'pytorch/weights.safetensors',
      'tfjs/labels.json', 'tfjs/model.json', 'tfjs/weights.bin',
    ]);

    // The sidecar: classes in order, input, the trainer's preprocessing as it was, layouts.
    const sidecar = JSON.parse(await readFile(join(out, 'labels.json'), 'utf8'));
    assert.deepEqual(sidecar.classNames, CLASSES);
    assert.deepEqual(sidecar.input, { height: 28, width: 28, channels: 1, shape: [28, 28, 1] });
    assert.deepEqual(sidecar.preprocessing, PREPROCESSING);
    assert.equal(sidecar.output, 'probabilities');
    assert.match(sidecar.layouts.onnx, /^NHWC/);
    assert.match(sidecar.layouts.pytorch, /^NCHW/);
    assert.deepEqual(sidecar.onnx, { input: 'input', output: 'output', opset: 13, inputLayout: 'NHWC' });
    for (const format of ['tfjs', 'onnx', 'keras', 'pytorch']) {
      assert.deepEqual(JSON.parse(await readFile(join(out, format, 'labels.json'), 'utf8')), sidecar);
    }

    // TensorFlow.js: reloads with the same weights, bit for bit, and its metadata.
    const original = await loadModelFolder(modelDir);
    const reloaded = await loadModelFolder(join(out, 'tfjs'));
    const a = original.model.getWeights();
    const b = reloaded.model.getWeights();
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.deepEqual(await b[i]!.data(), await a[i]!.data());
    assert.deepEqual(reloaded.metadata['classNames'], CLASSES);

    // ONNX: decodes, NHWC input with a free batch, class names in its metadata; ran within 1e-4 at export.
    const proto = onnx.ModelProto.decode(await readFile(join(out, 'onnx', 'model.onnx')));
    const input = proto.graph!.input![0]!;
    assert.equal(input.name, 'input');
    assert.deepEqual(input.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)), ['batch', 28, 28, 1]);
    assert.deepEqual(JSON.parse(proto.metadataProps!.find((p) => p.key === 'classNames')!.value!), CLASSES);
    // Run here with onnxruntime-node on this test's own images, against the model it came from:
    // the exporter's own check (below) cannot vouch for itself.
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11);
    const y = tf.tidy(() => original.model.predict(x) as tf.Tensor);
    const fromTfjs = (await y.data()) as Float32Array;
    y.dispose();
    const session = await ort.InferenceSession.create(join(out, 'onnx', 'model.onnx'));
    const ran = await session.run({ input: new ort.Tensor('float32', (await x.data()) as Float32Array, [3, 28, 28, 1]) });
    await session.release();
    x.dispose();
    const fromOnnx = ran['output']!.data as Float32Array;
    assert.equal(fromOnnx.length, fromTfjs.length);
    const worst = fromTfjs.reduce((m, v, i) => Math.max(m, Math.abs(v - fromOnnx[i]!)), 0);
    assert.ok(worst <= 1e-4, `onnxruntime differs from tfjs by ${worst}`);
    const checks = Object.fromEntries(result.checks.map((c) => [c.format, c]));
    assert.equal(checks['tfjs']!.maxDifference, 0);
    assert.ok(checks['onnx']!.maxDifference! <= 1e-4, `onnx check ${checks['onnx']!.maxDifference}`);

    // Weights for Python: every tfjs weight, named layer/weight, equal.
    const { arrays } = decodeSafetensors(await readFile(join(out, 'pytorch', 'weights.safetensors')));
    const described = describeModel(original.model);
    for (const layer of described.layers) {
      for (const [name, weight] of layer.weights) {
        const read = arrays.get(`${layer.name}/${name}`)!;
        assert.deepEqual(read.shape, weight.shape);
        assert.deepEqual(read.data, weight.data);
      }
    }
    assert.deepEqual(await readFile(join(out, 'keras', 'weights.safetensors')), await readFile(join(out, 'pytorch', 'weights.safetensors')));

    // Python: both files compile; Keras' layer list is the graph's.
    await runPython(`import py_compile\nfor f in ${JSON.stringify([join(out, 'keras', 'model.py'), join(out, 'pytorch', 'model.py')])}: py_compile.compile(f, doraise=True)`);
    assert.deepEqual(await kerasLayers(join(out, 'keras', 'model.py')), expectedKerasLayers(graph));
    original.model.dispose();
    reloaded.model.dispose();
    tf.dispose([...a, ...b]);
  });

  for (const { name, graph: g } of everyLayerGraphs().filter((x) => x.name !== 'bilinear')) {
    test(`the Keras source of the ${name} graph compiles and lists its layers`, async () => {
      const model = buildModel(g, { seed: 1 });
      const path = join(temp.dir, `keras-${name}.py`);
      await writeFile(path, toKeras(describeModel(model)));
      model.dispose();
      await runPython(`import py_compile; py_compile.compile(${JSON.stringify(path)}, doraise=True)`);
      assert.deepEqual(await kerasLayers(path), expectedKerasLayers(g));
    });
  }

  test('a layer a format cannot express names the layer and the format, and nothing is written', async () => {
    const dir = join(temp.dir, 'bilinear-model');
    const bilinear = everyLayerGraphs().find((x) => x.name === 'bilinear')!.graph;
    await saveModel(dir, bilinear, ['a', 'b', 'c']);
    const out = join(temp.dir, 'bilinear-out');
    await assert.rejects(exportModel({ source: dir, formats: ['tfjs', 'onnx', 'keras'], outDir: out }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'unsupported-layer');
      assert.match(e.message, /^Layer "l1" \(UpSampling2D\) cannot be exported to Keras: Keras' bilinear UpSampling2D samples with half-pixel centres/);
      return true;
    });
    // All or nothing: not even an empty output folder, and no staging folder beside it.
    assert.equal(existsSync(out), false);
    assert.deepEqual((await readdir(temp.dir)).filter((name) => name.startsWith('.bilinear-out.')), []);
  });

  test("PyTorch refuses a BatchNormalization over an axis that is not the channels, naming it", () => {
    const model = buildModel(chain([4, 5, 3], [{ type: 'BatchNormalization', params: { axis: 1 } }, { type: 'Flatten' }, { type: 'Dense', params: { units: 2 } }]), { seed: 1 });
    assert.throws(() => toPytorch(describeModel(model)), /Layer "l1" \(BatchNormalization\) cannot be exported to PyTorch: PyTorch's BatchNorm normalises the channels only/);
    model.dispose();
  });

  test('an export folder that cannot be written fails before any work', async () => {
    const file = join(temp.dir, 'a-file');
    await writeFile(file, 'not a folder');
    // The source does not exist either: the folder check comes first.
    await assert.rejects(exportModel({ source: join(temp.dir, 'no-such-run'), formats: ['onnx'], outDir: join(file, 'out') }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'export-dir-unwritable');
      assert.match(e.message, /^Cannot write to the export folder .*a-file\/out \(a part of the path is a file, not a folder \(ENOTDIR\)\)/);
      return true;
    });
  });

  test('unknown formats and missing sources are named', async () => {
    await assert.rejects(exportModel({ source: modelDir, formats: ['onnx', 'coreml' as 'onnx'], outDir: join(temp.dir, 'x') }), /There is no export format "coreml"/);
    await mkdir(join(temp.dir, 'empty'), { recursive: true });
    await assert.rejects(exportModel({ source: join(temp.dir, 'empty'), formats: ['onnx'], outDir: join(temp.dir, 'y') }), /empty holds no model/);
  });

  test('the export of a model without class names numbers them and says so', async () => {
    const dir = join(temp.dir, 'anonymous');
    const model = buildModel(chain([6, 6, 1], [{ type: 'Flatten' }, { type: 'Dense', params: { units: 3 } }]), { seed: 1 });
    await saveModelFolder(model, dir, {});
    const input = tf.ones([1, 6, 6, 1]);
    const before = await (model.predict(input) as tf.Tensor).data();
    model.dispose();
    const result = await exportModel({ source: dir, formats: ['tfjs'], outDir: join(temp.dir, 'anonymous-out') });
    assert.deepEqual(result.sidecar.classNames, ['class_0', 'class_1', 'class_2']);
    assert.equal(result.sidecar.classNamesKnown, false);
    assert.equal(result.sidecar.output, 'scores');
    assert.equal(result.sidecar.preprocessing, null);
    const reloaded = await loadModelFolder(join(temp.dir, 'anonymous-out', 'tfjs'));
    assert.equal(maxDifference(before, await (reloaded.model.predict(input) as tf.Tensor).data()), 0);
    reloaded.model.dispose();
    input.dispose();
  });
});
