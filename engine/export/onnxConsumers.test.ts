/**
 * The ONNX export opens in every consumer the studio verifies, with the
 * studio's numbers: for every template (fed real Fashion-MNIST PNG files) and
 * every layer-coverage graph (the parity tests' every-layer graphs and the
 * layer-option graphs), the exported model passes
 *   - onnxruntime-node,
 *   - the ONNX checker with full_check and strict shape inference (Debian's python3-onnx),
 *   - OpenCV's DNN module (Debian's python3-opencv), which decodes and scales
 *     the template images itself,
 * each within 1e-4 of TensorFlow.js' prediction. The Python consumers run in
 * one process for all models.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { registerTrainingKernels } from '../backend/kernels/register.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { decodeForModel, inputSpecOf, normalise } from '../evaluate/preprocess.js';
import { buildModel } from '../graph/tfjs/build.js';
import { layerTypes } from '../graph/layers/index.js';
import { ACTIVATIONS } from '../graph/layers/index.js';
import { createProject, listTemplates } from '../graph/templates.js';
import type { Graph } from '../graph/schema.js';
import { main } from '../cli/main.js';
import { chain } from '../testing/graphs.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { exportModel, maxDifference } from './exportModel.js';
import { describeModel } from '../model/modelDescription.js';
import { onnxConsumerWarnings } from './onnx/consumers.js';
import { checkOnnxConsumers, pythonConsumersMissing, type ConsumerModel, type ConsumerReport } from './onnx/consumerCheck.js';
import { layerOptionGraphs } from '../testing/onnxOptionGraphs.js';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, toOnnx } from './onnx/toOnnx.js';
import { everyLayerGraphs, randomiseWeights, writeFashionFolder } from '../testing/exportFixtures.js';

const TOLERANCE = 1e-4;
const missing = pythonConsumersMissing();

interface Case {
  name: string;
  /** The studio's (TensorFlow.js') output on the case's input. */
  expected: Float32Array;
  outputShape: number[];
  model: ConsumerModel;
  /** onnxruntime-node's output. */
  onnxruntime: Float32Array;
}

const cases: Case[] = [];
let temp: { dir: string; remove: () => Promise<void> };
let report: ConsumerReport | null = null;

async function onnxruntimeOutput(bytes: Uint8Array, x: tf.Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input = new ort.Tensor('float32', (await x.data()) as Float32Array, x.shape);
    return (await session.run({ [ONNX_INPUT_NAME]: input }))[ONNX_OUTPUT_NAME]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

before(async () => {
  // The kernel corrections the engine registers (BatchNormalization off the last axis needs them).
  registerTrainingKernels();
  await tf.setBackend('cpu');
  temp = await makeTempDir('onnx-consumers-');
  // Eight real test images of eight classes as PNG files, fed to the studio through its own preprocessing.
  const folder = await writeFashionFolder(join(temp.dir, 'images'), { classes: [0, 1, 2, 3, 4, 5, 6, 7], perClass: 1, split: 'test' });
  const images: string[] = [];
  for (const cls of (await readdir(folder)).sort()) for (const file of (await readdir(join(folder, cls))).sort()) images.push(join(folder, cls, file));
  const spec = inputSpecOf([28, 28, 1], { resize: 'stretch', scale: '[0,1]' }, 'the templates');
  const pixels = normalise(await Promise.all(images.map((path) => decodeForModel(path, spec))), spec);

  const graphs: { name: string; graph: Graph; template: boolean }[] = [
    ...listTemplates().map((t) => ({ name: `template ${t.name}`, graph: createProject(t.name).graph, template: true })),
    ...everyLayerGraphs().map((g) => ({ name: `layers: ${g.name}`, graph: g.graph, template: false })),
    ...layerOptionGraphs().map((g) => ({ name: `options: ${g.name}`, graph: g.graph, template: false })),
  ];
  for (const [i, { name, graph, template }] of graphs.entries()) {
    const model = buildModel(graph, { seed: 11 + i });
    randomiseWeights(model, 50 * i + 3);
    const inputShape = (model.inputs[0]!.shape as number[]).slice(1);
    // The grey 28×28 templates see the real images; one for another input (the ImageNet base's RGB 224) sees random pixels.
    const realImages = template && inputShape.join() === '28,28,1';
    const x = realImages ? pixels.clone() : tf.randomUniform([template ? 1 : 3, ...inputShape], 0, 1, 'float32', i);
    const y = model.predict(x) as tf.Tensor;
    const expected = (await y.data()) as Float32Array;
    const description = describeModel(model);
    model.dispose();
    y.dispose();
    const bytes = toOnnx(description);
    const onnxPath = join(temp.dir, `model${i}.onnx`);
    await writeFile(onnxPath, bytes);
    let input: ConsumerModel['input'];
    if (realImages) {
      input = { images, height: 28, width: 28, channels: 1 };
    } else {
      input = { f32: join(temp.dir, `x${i}.f32`), shape: x.shape };
      await writeFile(input.f32, (await x.data()) as Float32Array);
    }
    const onnxruntime = await onnxruntimeOutput(bytes, x);
    x.dispose();
    cases.push({ name, expected, outputShape: description.outputShape, onnxruntime, model: { name, onnx: onnxPath, input, output: join(temp.dir, `opencv${i}.f32`) } });
  }
  pixels.dispose();
  if (!missing) report = await checkOnnxConsumers(cases.map((c) => c.model), temp.dir);
});

after(async () => {
  await temp.remove();
});

function figures(differences: [string, number][]): string {
  const worst = Math.max(...differences.map(([, d]) => d));
  return `max ${worst.toExponential(1)} (${differences.map(([name, d]) => `${name}: ${d.toExponential(1)}`).join('; ')})`;
}

describe('ONNX export in every consumer', () => {
  test('the cases cover every template, every layer type and every activation', () => {
    const names = cases.map((c) => c.name);
    for (const t of listTemplates()) assert.ok(names.includes(`template ${t.name}`), t.name);
    const used = new Set([...everyLayerGraphs(), ...layerOptionGraphs()].flatMap((g) => g.graph.nodes.map((n) => n.type)));
    assert.deepEqual(layerTypes().filter((t) => !used.has(t)), []);
    for (const activation of ACTIVATIONS) assert.ok(names.includes(`options: activation ${activation}`), activation);
  });

  test('onnxruntime-node gives the studio\'s outputs within 1e-4', () => {
    const differences: [string, number][] = cases.map((c) => [c.name, maxDifference(c.expected, c.onnxruntime)]);
    console.log(`onnxruntime-node vs studio: ${figures(differences)}`);
    for (const [name, d] of differences) assert.ok(d <= TOLERANCE, `${name}: onnxruntime-node differs from the studio by ${d}`);
  });

  test('the ONNX checker (full_check) and strict shape inference accept every export', { skip: missing ?? false }, () => {
    console.log(`python3-onnx ${report!.versions.onnx}, python3-opencv ${report!.versions.opencv}`);
    for (const c of cases) {
      const result = report!.models.find((m) => m.name === c.name)!;
      assert.equal(result.checker, null, `${c.name}: ${result.checker}`);
      assert.deepEqual(result.inferredOutputShape, ['batch', ...c.outputShape], `${c.name}: inferred output shape`);
    }
  });

  test('OpenCV DNN loads every export and gives the studio\'s outputs within 1e-4', { skip: missing ?? false }, async () => {
    const differences: [string, number][] = [];
    for (const c of cases) {
      const result = report!.models.find((m) => m.name === c.name)!;
      assert.equal(result.opencv, null, `${c.name}: OpenCV DNN failed: ${result.opencv}`);
      const bytes = await readFile(c.model.output);
      const output = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      assert.equal(output.length, c.expected.length, `${c.name}: OpenCV output size`);
      differences.push([c.name, maxDifference(c.expected, output)]);
    }
    console.log(`OpenCV DNN vs studio: ${figures(differences)}`);
    for (const [name, d] of differences) assert.ok(d <= TOLERANCE, `${name}: OpenCV DNN differs from the studio by ${d}`);
  });
});

describe('export-time warnings name the layer and the consumer', () => {
  test('no template and no coverage graph needs a warning, but for the [height, width] input', () => {
    const graphs = [
      ...listTemplates().map((t) => ({ name: t.name, graph: createProject(t.name).graph })),
      ...everyLayerGraphs(),
      ...layerOptionGraphs(),
    ];
    for (const { name, graph } of graphs) {
      const model = buildModel(graph, { seed: 1 });
      assert.equal(onnxConsumerWarnings(describeModel(model)).length, name === 'input rank 2' ? 1 : 0, name);
      model.dispose();
    }
  });

  test('a [height, width] input is named for OpenCV DNN, with the shape to feed', () => {
    const model = buildModel(chain([4, 6], [{ type: 'Dense', params: { units: 2 } }]), { seed: 1 });
    const warnings = onnxConsumerWarnings(describeModel(model));
    model.dispose();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^ONNX: layer "input" \(InputLayer\) in OpenCV DNN 4\.6 .*as \[batch, 4, 6, 1\]\.$/);
  });

  test('BatchNormalization off the last axis needs no warning: the export and its read-back check give the studio\'s numbers', async () => {
    const dir = join(temp.dir, 'bn-axis');
    const model = buildModel(chain([6, 5, 4], [{ type: 'BatchNormalization', params: { axis: 1 } }, { type: 'Flatten' }, { type: 'Dense', params: { units: 3, activation: 'softmax' } }]), { seed: 1 });
    randomiseWeights(model, 9);
    await saveModelFolder(model, dir, { classNames: ['a', 'b', 'c'] });
    model.dispose();
    const result = await exportModel({ source: dir, formats: ['onnx'], outDir: join(temp.dir, 'bn-axis-out') });
    assert.deepEqual(result.warnings, []);
    const check = result.checks.find((c) => c.format === 'onnx')!;
    assert.ok(check.maxDifference! <= TOLERANCE, `the ONNX check differs by ${check.maxDifference}`);

    const lines: string[] = [];
    assert.equal(await main(['export', dir, '--format', 'onnx', '--out', join(temp.dir, 'bn-axis-cli')], (line) => lines.push(line)), 0);
    assert.ok(!lines.some((line) => line.startsWith('⚠')), lines.join('\n'));
  });
});
