/**
 * The exporters' and fine-tuning's other paths, on real tfjs models saved to
 * disk and real project graphs: an export folder that is a file, a
 * channels_first layer, an activation or layer the Keras writer cannot
 * express, LayerNormalization over two axes in Keras source, the labels.json
 * of a model without a classifier activation, damaged safetensors files, and
 * every head replacement fine-tuning refuses, each naming the node or layer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeTempDir } from '../testing/imageFiles.js';
import { isStudioError } from '../errors.js';
import type { Graph } from '../graph/schema.js';
import { describeModel, type ModelDescription } from '../model/modelDescription.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { exportModel, maxDifference, parseFormats } from './exportModel.js';
import { freezeUpTo, replaceHead, setFrozen } from './fineTune.js';
import { importForFineTuning } from './importForFineTuning.js';
import { toKeras } from './python/toKeras.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { makeSidecar } from './sidecar.js';
import { assertRefused, assertRejected } from '../testing/rejection.js';

let temp: { dir: string; remove: () => Promise<void> };
let count = 0;

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('export-edges-');
});

after(async () => {
  await temp.remove();
});

function sequential(inputShape: number[], ...layers: tfl.layers.Layer[]): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.inputLayer({ inputShape, name: 'image' }));
  for (const layer of layers) model.add(layer);
  return model;
}

/** The description of a model (which is then disposed). */
function described(model: tfl.LayersModel): ModelDescription {
  try {
    return describeModel(model);
  } finally {
    model.dispose();
  }
}

async function saved(model: tfl.LayersModel, metadata: Record<string, unknown> = {}): Promise<string> {
  const dir = join(temp.dir, `model${count++}`);
  try {
    await saveModelFolder(model, dir, metadata);
  } finally {
    model.dispose();
  }
  return dir;
}

describe('exports that cannot be written, with nothing written', () => {
  test('an export folder that is a file', async () => {
    const source = await saved(sequential([4, 4, 1], tfl.layers.flatten({}), tfl.layers.dense({ units: 2, activation: 'softmax' })));
    const file = join(temp.dir, 'not-a-folder');
    await writeFile(file, 'mine');
    await assertRejected(exportModel({ source, formats: ['tfjs'], outDir: file }), 'export-dir-unwritable', new RegExp(`Cannot write to the export folder ${file} \\(`));
    assert.equal(await readFile(file, 'utf8'), 'mine');
  });

  test('a channels_first layer stops an ONNX export naming the layer; the staging folder is gone', async () => {
    const source = await saved(sequential([2, 6, 6], tfl.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'nchw' }), tfl.layers.flatten({}), tfl.layers.dense({ units: 2 })));
    const outDir = join(temp.dir, 'nchw-export');
    await assertRejected(exportModel({ source, formats: ['onnx'], outDir }), 'unsupported-layer', /Layer "nchw" \(Conv2D\) uses data_format channelsFirst; the studio works in channels_last \(NHWC\)/);
    assert.ok(!existsSync(outDir));
    assert.deepEqual((await readdir(temp.dir)).filter((name) => name.includes('.export.tmp')), []);
  });

  test('a failed export into a new folder removes the parent folders it made', async () => {
    const source = await saved(sequential([2, 6, 6], tfl.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'nchw' })));
    const parent = join(temp.dir, 'made-for-the-export');
    await assertRejected(exportModel({ source, formats: ['keras'], outDir: join(parent, 'deeper', 'out') }), 'unsupported-layer', /Layer "nchw" \(Conv2D\) uses data_format channelsFirst/);
    assert.ok(!existsSync(parent));
  });

  test('format lists: any case and spacing; none, or an unknown one, is refused naming it', () => {
    assert.deepEqual(parseFormats(' ONNX, keras,,tfjs,onnx '), ['onnx', 'keras', 'tfjs']);
    assertRefused(() => parseFormats(' , '), 'bad-format', /^No export format given\.$/);
    assertRefused(() => parseFormats(['tfjs', 'coreml']), 'bad-format', /^There is no export format "coreml"\.$/);
  });

  test('check outputs of different lengths never agree', () => {
    assert.equal(maxDifference([1, 2], [1, 2, 3]), Infinity);
    assert.equal(maxDifference([1, 2], [1, 2.5]), 0.5);
  });
});

describe('exports into a folder that already holds files', () => {
  test("a person's own files stay; each format's folder and labels.json are replaced", async () => {
    const first = await saved(sequential([4, 4, 1], tfl.layers.flatten({}), tfl.layers.dense({ units: 2, activation: 'softmax' })), { classNames: ['a', 'b'] });
    const second = await saved(sequential([4, 4, 1], tfl.layers.flatten({}), tfl.layers.dense({ units: 3, activation: 'softmax' })), { classNames: ['x', 'y', 'z'] });
    const outDir = join(temp.dir, 'shared-export');
    await exportModel({ source: first, formats: ['tfjs', 'keras'], outDir });
    await writeFile(join(outDir, 'notes.txt'), 'mine');
    const result = await exportModel({ source: second, formats: ['tfjs'], outDir });
    assert.deepEqual(result.checks.map((c) => [c.format, c.maxDifference]), [['tfjs', 0]]);
    assert.deepEqual((await readdir(outDir)).sort(), ['keras', 'labels.json', 'notes.txt', 'tfjs']);
    assert.equal(await readFile(join(outDir, 'notes.txt'), 'utf8'), 'mine');
    assert.deepEqual(JSON.parse(await readFile(join(outDir, 'labels.json'), 'utf8')).classNames, ['x', 'y', 'z']);
    assert.deepEqual(JSON.parse(await readFile(join(outDir, 'tfjs', 'labels.json'), 'utf8')).classNames, ['x', 'y', 'z']);
    assert.deepEqual(JSON.parse(await readFile(join(outDir, 'keras', 'labels.json'), 'utf8')).classNames, ['a', 'b'], 'a format not exported again is left as it was');
  });
});

describe('Keras source for less common layers', () => {
  test('LayerNormalization over two axes is written with both', () => {
    const source = toKeras(described(sequential([4, 4, 2], tfl.layers.layerNormalization({ axis: [1, 2], name: 'norm_hw' }), tfl.layers.flatten({}))));
    assert.match(source, /layers\.LayerNormalization\(axis=\[1, 2\], epsilon=0\.001, center=True, scale=True, name="norm_hw"\)/);
  });

  test("a converted file's BatchNormalization axis list and a Rescaling without offset are written as Keras takes them", () => {
    const description = described(sequential([4, 4, 2], tfl.layers.batchNormalization({ name: 'bn' }), tfl.layers.rescaling({ scale: 0.5, name: 'half' })));
    for (const layer of description.layers) {
      if (layer.name === 'bn') layer.config['axis'] = [3];
      if (layer.name === 'half') delete layer.config['offset'];
    }
    const source = toKeras(description);
    assert.match(source, /layers\.BatchNormalization\(axis=3, momentum=0\.99, epsilon=0\.001, center=True, scale=True, name="bn"\)/);
    assert.match(source, /layers\.Rescaling\(scale=0\.5, offset=0\.0, name="half"\)/);
  });

  test('an activation without a Keras counterpart, and a layer without a Keras translation, name the layer', () => {
    assertRefused(
      () => toKeras(described(sequential([4], tfl.layers.dense({ units: 2, activation: 'softplus', name: 'soft' })))),
      'unsupported-layer',
      /Layer "soft" \(Dense\) cannot be exported to Keras: its activation "softplus" has no counterpart there \(supported: linear, relu/,
    );
    assertRefused(
      () => toKeras(described(sequential([4, 4, 2], tfl.layers.permute({ dims: [2, 1, 3], name: 'swap' })))),
      'unsupported-layer',
      /Layer "swap" \(Permute\) cannot be exported to Keras: the exporter has no Keras translation for this layer type/,
    );
  });
});

describe('labels.json of less common models', () => {
  test('a model ending without softmax gives scores; class names of the wrong count are replaced; project and run are carried', () => {
    const description = described(sequential([4, 4, 1], tfl.layers.flatten({}), tfl.layers.dense({ units: 3, name: 'logits' }), tfl.layers.reLU({ name: 'last' })));
    const sidecar = makeSidecar(description, { classNames: ['a', 'b'], project: 'Shapes', runId: 'run-7' }, ['keras'], '1.2.3');
    assert.equal(sidecar.output, 'scores');
    assert.deepEqual(sidecar.classNames, ['class_0', 'class_1', 'class_2']);
    assert.equal(sidecar.classNamesKnown, false);
    assert.equal(sidecar.project, 'Shapes');
    assert.equal(sidecar.runId, 'run-7');
    assert.equal(sidecar.onnx, undefined, 'no ONNX section without the ONNX format');
    const sigmoid = makeSidecar(described(sequential([3], tfl.layers.dense({ units: 1, activation: 'sigmoid' }))), { classNames: ['yes'] }, ['onnx'], '1.2.3');
    assert.deepEqual([sigmoid.output, sigmoid.classNames, sigmoid.classNamesKnown], ['probabilities', ['yes'], true]);
    assert.equal(sigmoid.project, undefined);
  });
});

describe('damaged safetensors files name the file', () => {
  const good = encodeSafetensors(new Map([['dense/kernel', { shape: [2], data: Float32Array.of(1.5, -2) }]]), { format: 'pt' });

  test('what encodeSafetensors wrote reads back', () => {
    const { arrays, metadata } = decodeSafetensors(good);
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(Array.from(arrays.get('dense/kernel')!.data), [1.5, -2]);
  });

  test('too short, a header longer than the file, an array that is not F32', () => {
    assertRefused(() => decodeSafetensors(good.subarray(0, 5), 'short.safetensors'), 'weights-unreadable', /short\.safetensors is too short to be a safetensors file/);
    assertRefused(() => decodeSafetensors(good.subarray(0, 20), 'cut.safetensors'), 'weights-unreadable', /cut\.safetensors has a header longer than the file/);
    const text = JSON.stringify({ 'dense/kernel': { dtype: 'F16', shape: [2], data_offsets: [0, 4] } });
    const bytes = new Uint8Array(8 + text.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
    bytes.set(new TextEncoder().encode(text), 8);
    const decoded = () => decodeSafetensors(bytes, 'half.safetensors');
    assertRefused(decoded, 'weights-unreadable', /half\.safetensors: weight dense\/kernel is F16, not F32/);
  });
});

/** Input → Conv2D → BatchNormalization → Flatten → Dense → Dropout → Activation → Output. */
function classifier(): Graph {
  const chain: [string, string, Record<string, unknown>][] = [
    ['input', 'Input', { shape: [8, 8, 1] }],
    ['conv', 'Conv2D', { filters: 2, kernel_size: 3 }],
    ['bn', 'BatchNormalization', {}],
    ['flatten', 'Flatten', {}],
    ['dense', 'Dense', { units: 3 }],
    ['drop', 'Dropout', { rate: 0.1 }],
    ['act', 'Activation', { activation: 'softmax' }],
    ['output', 'Output', {}],
  ];
  return {
    nodes: chain.map(([id, type, params], i) => ({ id, type, params: params as Graph['nodes'][number]['params'], position: { x: 0, y: i * 100 } })),
    edges: chain.slice(1).map(([id], i) => ({ id: `e${i}`, source: chain[i]![0], target: id })),
  };
}

describe('fine-tuning graph edits', () => {
  test('the default head is found past an Activation and a Dropout; the new head gets a free id', () => {
    const graph = classifier();
    graph.nodes.push({ id: 'head', type: 'Dense', params: { units: 2 }, position: { x: 300, y: 0 } });
    graph.edges.push({ id: 'side', source: 'flatten', target: 'head' });
    const tuned = replaceHead(graph, { classCount: 5 });
    assert.deepEqual(
      tuned.nodes.map((n) => n.id),
      ['input', 'conv', 'bn', 'flatten', 'head_2', 'output', 'head'],
    );
    assert.deepEqual(tuned.nodes.find((n) => n.id === 'head_2')!.params, { units: 5, activation: 'softmax' });
    assert.ok(tuned.edges.some((e) => e.source === 'flatten' && e.target === 'head_2'));
    const named = replaceHead(graph, { classCount: 2, after: 'bn', headId: 'conv' });
    assert.ok(named.nodes.some((n) => n.id === 'conv_2'), 'a chosen id already taken gets a number');
  });

  test('every head that cannot be replaced is refused, naming the node', () => {
    const graph = classifier();
    assertRefused(() => replaceHead(graph, { classCount: 0 }), 'bad-class-count', /at least 1 \(got 0\)/);
    assertRefused(() => replaceHead(graph, { classCount: 2.5 }), 'bad-class-count', /got 2\.5/);
    assertRefused(() => replaceHead({ nodes: graph.nodes.filter((n) => n.type !== 'Output'), edges: [] }, { classCount: 2 }), 'no-output', /The graph has no Output node/);
    assertRefused(() => replaceHead(graph, { classCount: 2, after: 'output' }), 'bad-head', /The head cannot go after the Output node "output"/);
    assertRefused(() => replaceHead(graph, { classCount: 2, after: 'nowhere' }), 'unknown-node', /There is no node "nowhere" in the graph/);
    // A merge on the way back from the Output.
    const merged: Graph = {
      nodes: [...graph.nodes.filter((n) => n.id !== 'act'), { id: 'sum', type: 'Add', params: {}, position: { x: 0, y: 0 } }],
      edges: [...graph.edges.filter((e) => e.target !== 'act' && e.source !== 'act'), { id: 'a', source: 'drop', target: 'sum' }, { id: 'b', source: 'drop', target: 'sum' }, { id: 'c', source: 'sum', target: 'output' }],
    };
    assertRefused(() => replaceHead(merged, { classCount: 2 }), 'bad-head', /Cannot find the classifier head: node "sum" has 2 inputs/);
    const loose: Graph = { nodes: graph.nodes, edges: graph.edges.filter((e) => e.target !== 'dense') };
    assertRefused(() => replaceHead(loose, { classCount: 2 }), 'bad-head', /The head "dense" has 0 inputs/);
    const noDense: Graph = {
      nodes: graph.nodes.filter((n) => ['input', 'flatten', 'output'].includes(n.id)),
      edges: [{ id: 'x', source: 'input', target: 'flatten' }, { id: 'y', source: 'flatten', target: 'output' }],
    };
    assertRefused(() => replaceHead(noDense, { classCount: 2 }), 'bad-head', /The graph has no Dense layer before its Output to replace/);
  });

  test('freezing names an unknown node with the ones there are; unfreezing clears the mark', () => {
    const graph = classifier();
    assertRefused(() => setFrozen(graph, ['conv', 'ghost'], true), 'unknown-node', /There is no node "ghost"/);
    assert.throws(() => setFrozen(graph, ['ghost'], true), (e: unknown) => isStudioError(e) && /Use one of: input, conv, bn, flatten, dense, drop, act, output\./.test(e.hint));
    const frozen = freezeUpTo(graph, 'bn');
    assert.deepEqual(frozen.nodes.filter((n) => n.frozen).map((n) => n.id), ['input', 'conv', 'bn']);
    const thawed = setFrozen(frozen, ['conv'], false);
    assert.deepEqual(thawed.nodes.filter((n) => n.frozen).map((n) => n.id), ['input', 'bn']);
    assert.ok(!('frozen' in thawed.nodes.find((n) => n.id === 'conv')!));
  });

  test('importing for fine-tuning takes node ids as well as layer names', async () => {
    const source = await saved(sequential([6, 6, 1], tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'features' }), tfl.layers.flatten({ name: 'flat' }), tfl.layers.dense({ units: 4, activation: 'softmax', name: 'old_head' })), { project: 'Shapes' });
    const { project, initialWeights } = await importForFineTuning({ path: source, freezeUpTo: 'features', classCount: 2, headAfter: 'flat' });
    assert.equal(project.name, 'Shapes (imported)');
    assert.equal(initialWeights, source);
    assert.deepEqual(project.graph.nodes.filter((n) => n.frozen).map((n) => n.id), ['image', 'features']);
    assert.deepEqual(project.graph.nodes.map((n) => n.id), ['image', 'features', 'flat', 'head', 'output']);
    await assert.rejects(importForFineTuning({ path: source, freezeUpTo: 'ghost' }), (e: unknown) => isStudioError(e) && e.code === 'unknown-node' && /There is no node "ghost"/.test(e.message));
  });
});
