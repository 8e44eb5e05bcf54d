/**
 * The PyTorch writer (python/toPytorch.ts) layer by layer: every graph of
 * testing/writerCases.ts is built as a real tfjs model, written out as the
 * generated module plus its weights.safetensors, and run by Debian's
 * python3-torch, all models in one Python process (torch takes seconds to
 * import); each output is compared with what TensorFlow.js computes on the
 * same random batch, and the module's trainable parameters, dropout rates and
 * BatchNorm settings with the tfjs layers'. What the writer refuses, it
 * refuses with an error naming the layer. Seconds, not the minute of
 * parity.test.ts: the mutation run of the `pytorch` module uses this file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { readTorchOutput, RUN_TORCH_MODEL_PY, writeTorchModel } from '../testing/torchModels.js';
import { runPython } from '../testing/exportFixtures.js';
import { buildCase, largestDifference, unsupportedLayer, writerCases, type BuiltCase } from '../testing/writerCases.js';
import { chain } from '../testing/graphs.js';
import type { DescribedLayer, ModelDescription } from '../model/modelDescription.js';
import { toPytorch, type PytorchSourceOptions } from './python/toPytorch.js';

const TOLERANCE = 1e-4;

interface Entry {
  name: string;
  built: BuiltCase;
  description: ModelDescription;
  options?: PytorchSourceOptions;
  /** What the module must compute; TensorFlow.js' output unless said otherwise. */
  expected: Float32Array;
}

/** What Python reports for one module. */
interface Ran {
  error?: string;
  shape?: number[];
  /** Parameters that train (requires_grad), counted in values. */
  trainable?: number;
  /** named_modules(): [name, class, dropout p, eps, momentum]. */
  modules?: [string, string, number | null, number | null, number | null][];
  classNames?: string[];
  className?: string | null;
}

const cases = writerCases().filter((c) => c.exportsTo.includes('pytorch'));
const entries: Entry[] = [];
const ran: Ran[] = [];
const sources = new Map<string, string>();
let temp: { dir: string; remove: () => Promise<void> };

/** The description with one layer changed, as a model converted from elsewhere could describe it. */
function changed(description: ModelDescription, layerName: string, change: (layer: DescribedLayer) => void): ModelDescription {
  const layers = description.layers.map((l) => (l.name === layerName ? { ...l, config: { ...l.config } } : l));
  change(layers.find((l) => l.name === layerName)!);
  return { ...description, layers };
}

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('pytorch-writer-');
  for (const [i, c] of cases.entries()) {
    const built = await buildCase(c, i + 1);
    entries.push({ name: c.name, built, description: built.description, expected: built.expected });
  }
  const byName = (name: string) => entries.find((e) => e.name === name)!;
  // A Rescaling described without an offset (as a converted model may be) only scales.
  const rescaling = byName('Rescaling with scale and offset');
  entries.push({
    name: 'Rescaling without an offset',
    built: rescaling.built,
    description: changed(rescaling.description, 'l1', (l) => delete l.config['offset']),
    expected: ((await rescaling.built.x.data()) as Float32Array).map((v) => 2 * v),
  });
  // The options: a class name, a description and the class names travel into the module.
  const named = byName('Dense without bias');
  entries.push({
    name: 'with options',
    built: named.built,
    description: named.description,
    options: { className: 'Shirts', description: 'Tells shirts apart.', classNames: ['tee', 'polo', 'dress'] },
    expected: named.expected,
  });

  for (const [i, e] of entries.entries()) {
    const source = toPytorch(e.description, e.options);
    sources.set(e.name, source);
    await writeTorchModel(join(temp.dir, `model${i}`), source, e.description, e.built.x);
  }
  const report = await runPython(`
import importlib.util, json, os, sys, torch
${RUN_TORCH_MODEL_PY}
report = []
for i in range(${entries.length}):
    d = os.path.join(${JSON.stringify(temp.dir)}, f"model{i}")
    try:
        module, net, y = run_model(d, f"model{i}")
        modules = [[name, type(m).__name__, getattr(m, "p", None), getattr(m, "eps", None), getattr(m, "momentum", None)] for name, m in net.named_modules() if name]
        classes = [name for name, value in vars(module).items() if isinstance(value, type) and issubclass(value, torch.nn.Module) and value.__module__ == module.__name__]
        report.append({
            "shape": list(y.shape),
            "trainable": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "modules": modules,
            "classNames": module.CLASS_NAMES,
            "className": classes[0] if len(classes) == 1 else None,
        })
    except Exception as e:
        report.append({"error": f"{type(e).__name__}: {e}"})
print(json.dumps(report))
`);
  ran.push(...(JSON.parse(report) as Ran[]));
});

after(async () => {
  // Some entries share a case's model and input.
  for (const built of new Set(entries.map((e) => e.built))) {
    built.x.dispose();
    built.model.dispose();
  }
  await temp?.remove();
});

async function outputOf(name: string): Promise<{ ran: Ran; y: Float32Array; entry: Entry }> {
  const index = entries.findIndex((e) => e.name === name);
  const result = ran[index]!;
  assert.equal(result.error, undefined, `Python: ${result.error}`);
  return { ran: result, y: await readTorchOutput(join(temp.dir, `model${index}`)), entry: entries[index]! };
}

/** Trainable values of the tfjs model, as PyTorch counts them (BatchNorm's moving statistics are buffers there). */
function trainableValues(entry: Entry): number {
  return entry.built.model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
}

describe('PyTorch computes what TensorFlow.js computes, layer by layer', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { ran: result, y, entry } = await outputOf(c.name);
      assert.deepEqual(result.shape, entry.built.outputShape, 'output shape');
      const difference = largestDifference(entry.expected, y);
      assert.ok(difference <= TOLERANCE, `PyTorch differs from tfjs by ${difference}`);
      assert.equal(result.trainable, trainableValues(entry), 'trainable parameters');
    });
  }

  test('a Rescaling described without an offset only scales', async () => {
    const { y, entry } = await outputOf('Rescaling without an offset');
    assert.ok(largestDifference(entry.expected, y) <= 1e-6);
  });
});

describe('the module around the layers', () => {
  test('class name, description and class names come from the options', async () => {
    const { ran: result, y, entry } = await outputOf('with options');
    assert.equal(result.className, 'Shirts');
    assert.deepEqual(result.classNames, ['tee', 'polo', 'dress']);
    assert.ok(largestDifference(entry.expected, y) <= TOLERANCE);
    const source = sources.get('with options')!;
    assert.ok(source.startsWith('"""Tells shirts apart.\n'), source.slice(0, 80));
    assert.match(source, /^Input: {2}float32 \[batch, 6\], preprocessed as labels\.json says\.$/m);
    assert.match(source, /^Output: float32 \[batch, 3\] — classes in order: tee, polo, dress\.$/m);
  });

  test('without options: ConvnetStudioModel, no class names, the default description, and an image input documented as NCHW', async () => {
    const { ran: result } = await outputOf('Conv2D valid, relu');
    assert.equal(result.className, 'ConvnetStudioModel');
    assert.deepEqual(result.classNames, []);
    const source = sources.get('Conv2D valid, relu')!;
    assert.ok(source.startsWith('"""A network exported by Convnet Studio.\n'));
    assert.match(source, /^Input: {2}float32 \[batch, 2, 5, 4\] \(NCHW, PyTorch's layout\), preprocessed as labels\.json says\.$/m);
    assert.match(source, /^Output: float32 \[batch, 3, 2, 3\]\.$/m);
  });

  test('a model without weights still loads: its __init__ and load_keras_weights are valid Python', async () => {
    const { ran: result } = await outputOf('Reshape an image to another image');
    assert.equal(result.trainable, 0);
    assert.ok(/def __init__\(self\):\n {8}super\(\).__init__\(\)\n {8}pass\n/.test(sources.get('Reshape an image to another image')!));
  });

  test('dropout rates, BatchNorm epsilon and momentum (PyTorch counts momentum the other way round)', async () => {
    const dropout = (await outputOf('Dropout and SpatialDropout2D')).ran.modules!;
    assert.deepEqual(dropout.filter(([, type]) => type.startsWith('Dropout')).map(([, type, p]) => [type, p]), [['Dropout2d', 0.5], ['Dropout2d', 0.5], ['Dropout', 0.5]]);
    const bn = (await outputOf('BatchNormalization on the input, without scale and center')).ran.modules!.find(([, type]) => type === 'BatchNorm2d')!;
    assert.equal(bn[3], 0.001);
    assert.ok(Math.abs(bn[4]! - 0.1) < 1e-12, `momentum ${bn[4]}`);
    const vector = (await outputOf('BatchNormalization of a vector')).ran.modules!.find(([, type]) => type.startsWith('BatchNorm'))!;
    assert.deepEqual(vector.slice(1, 2), ['BatchNorm1d']);
    const ln = (await outputOf('LayerNormalization on the channels after a convolution')).ran.modules!.find(([, type]) => type === 'LayerNorm')!;
    assert.equal(ln[3], 0.01);
  });

  test('forward() names each value after its layer: an Activation layer\'s by the layer, a fused activation\'s as <layer>_<activation>', () => {
    const forward = (name: string) => {
      const source = sources.get(name)!;
      const body = source.slice(source.indexOf('def forward(self, x):\n') + 'def forward(self, x):\n'.length, source.indexOf('\n\n    @torch.no_grad()'));
      return body.split('\n').map((line) => line.trim());
    };
    assert.deepEqual(forward('Conv2D valid, relu'), ['l1 = self.l1(x)', 'l1_relu = F.relu(l1)', 'l1_relu_nhwc = l1_relu.permute(0, 2, 3, 1)', 'return l1_relu_nhwc']);
    // TensorFlow's 'same' puts the odd pixel after: F.pad's (left, right, top, bottom).
    assert.deepEqual(forward('Conv2D same, stride 2 (one more pixel right than left)').slice(0, 2), ['l1 = self.l1(F.pad(x, (0, 1, 1, 1)))', 'l1_elu = F.elu(l1)']);
    assert.deepEqual(forward('Conv2D same, stride 2 (one more pixel below than above)')[0], 'l1 = self.l1(F.pad(x, (1, 1, 0, 1)))');
    // Symmetric padding goes into the module itself.
    assert.deepEqual(forward('Conv2D same, kernel [2, 3], dilation 2 (symmetric padding 1 and 2), no bias')[0], 'l1 = self.l1(x)');
    assert.match(sources.get('Conv2D same, kernel [2, 3], dilation 2 (symmetric padding 1 and 2), no bias')!, /self\.l1 = nn\.Conv2d\(2, 3, kernel_size=\(2, 3\), stride=\(1, 1\), padding=\(1, 2\), dilation=\(2, 2\), bias=False\)/);
    assert.deepEqual(forward('MaxPooling2D 3, stride 2, same')[0], 'l1 = F.max_pool2d(F.pad(x, (0, 1, 1, 1), value=-float("inf")), (3, 3), (2, 2))');
    assert.deepEqual(forward('AveragePooling2D 3, stride 2, same (counts real pixels only)')[0], 'l1 = _avg_pool_same(x, (3, 3), (2, 2), (0, 1, 1, 1))');
    assert.deepEqual(forward('Activation linear after a convolution'), ['l1 = self.l1(x)', 'l1_nhwc = l1.permute(0, 2, 3, 1)', 'return l1_nhwc']);
    assert.deepEqual(forward('Activation relu6 after a convolution'), ['l1 = self.l1(x)', 'l2 = F.relu6(l1)', 'l2_nhwc = l2.permute(0, 2, 3, 1)', 'return l2_nhwc']);
    assert.deepEqual(forward('Activation softmax after a convolution'), ['l1 = self.l1(x)', 'l1_nhwc = l1.permute(0, 2, 3, 1)', 'l2 = F.softmax(l1_nhwc, dim=-1)', 'return l2']);
    assert.deepEqual(forward('Dense with softmax'), ['l1 = self.l1(x)', 'l1_softmax = F.softmax(l1, dim=-1)', 'return l1_softmax']);
    assert.deepEqual(forward('Dense with gelu'), ['l1 = self.l1(x)', 'l1_gelu = F.gelu(l1)', 'return l1_gelu']);
  });

  test('a value needed in NHWC twice is permuted once', () => {
    const source = sources.get('a feature map read in NHWC twice, merged with a reshaped input')!;
    const permutes = source.match(/^ {8}\w+ = \w+\.permute\(.*$/gm) ?? [];
    assert.deepEqual(permutes.map((line) => line.trim()), ['x_nhwc = x.permute(0, 2, 3, 1)', 'conv_nhwc = conv.permute(0, 2, 3, 1)']);
  });

  test('layer names that are Python keywords, or that collide with the writer\'s own variables, become distinct identifiers', () => {
    const source = sources.get('Add, Multiply and Concatenate of vectors; layers named a, a_relu and class')!;
    assert.match(source, /self\.class_ = nn\.Linear\(6, 4, bias=True\)/);
    assert.match(source, /^ {8}a_relu = F\.relu\(a\)$/m);
    assert.match(source, /^ {8}a_relu_2 = self\.a_relu\(x\)$/m);
  });
});

describe('what the writer refuses, it refuses naming the layer', () => {
  /** The description of Input → one layer (its tfjs model disposed). */
  async function oneLayer(inputShape: number[], type: string, params: Record<string, number> = {}): Promise<ModelDescription> {
    const b = await buildCase({ name: type, graph: chain(inputShape, [{ type, params }]), exportsTo: ['pytorch'] }, 5);
    b.x.dispose();
    b.model.dispose();
    return b.description;
  }

  test('BatchNormalization over an axis other than the channels, or of a [rows, features] value', async () => {
    const byRows = await oneLayer([5, 4, 2], 'BatchNormalization', { axis: 1 });
    assert.throws(
      () => toPytorch(byRows),
      unsupportedLayer('Layer "l1" (BatchNormalization) cannot be exported to PyTorch: PyTorch\'s BatchNorm normalises the channels only, and this layer normalises axis (1,) of a rank-4 tensor.'),
    );
    const ofRows = await oneLayer([3, 4], 'BatchNormalization');
    assert.throws(
      () => toPytorch(ofRows),
      unsupportedLayer('Layer "l1" (BatchNormalization) cannot be exported to PyTorch: PyTorch\'s BatchNorm normalises the channels only, and this layer normalises axis (2,) of a rank-3 tensor.'),
    );
    const ofVector = await oneLayer([6], 'BatchNormalization', { axis: 1 });
    assert.doesNotThrow(() => toPytorch(ofVector), 'axis 1 of a vector is its features');
    assert.throws(() => toPytorch(changed(ofVector, 'l1', (l) => (l.config['axis'] = [1, 1]))), /normalises axis \(1, 1\) of a rank-2 tensor/);
  });

  test('LayerNormalization over axes that are not the last ones', async () => {
    const byRows = await oneLayer([5, 4, 2], 'LayerNormalization', { axis: 1 });
    assert.throws(
      () => toPytorch(byRows),
      unsupportedLayer('Layer "l1" (LayerNormalization) cannot be exported to PyTorch: PyTorch\'s LayerNorm normalises the last dimensions only, and this layer normalises axes (1,).'),
    );
    assert.throws(() => toPytorch(changed(byRows, 'l1', (l) => (l.config['axis'] = [1, 3]))), /normalises axes \(1, 3\)\.$/);
    // The last two axes together are what nn.LayerNorm([h, w]) normalises, in either order.
    assert.doesNotThrow(() => toPytorch(changed(byRows, 'l1', (l) => (l.config['axis'] = [3, 2]))));
  });

  test('an activation no exporter writes', () => {
    const dense = entries.find((e) => e.name === 'Dense with relu')!.description;
    assert.throws(
      () => toPytorch(changed(dense, 'l1', (l) => (l.config['activation'] = 'hard_sigmoid'))),
      unsupportedLayer(
        'Layer "l1" (Dense) cannot be exported to PyTorch: its activation "hard_sigmoid" has no counterpart there (supported: linear, relu, relu6, elu, selu, sigmoid, tanh, softmax, swish, gelu).',
      ),
    );
  });

  test('a layer type without a PyTorch translation', () => {
    const dense = entries.find((e) => e.name === 'Dense without bias')!.description;
    assert.throws(
      () => toPytorch(changed(dense, 'l1', (l) => (l.className = 'Lambda'))),
      unsupportedLayer('Layer "l1" (Lambda) cannot be exported to PyTorch: the exporter has no PyTorch translation for this layer type.'),
    );
  });
});
