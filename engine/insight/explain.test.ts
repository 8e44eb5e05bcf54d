/**
 * Grad-CAM, feature maps and filters on real models and real files: the
 * seed CNN and the small ResNet, trained briefly on real Fashion-MNIST
 * images, explained through the engine and the CLI, and checked against
 * textbook Grad-CAM computed in PyTorch (Debian's python3-torch) on the
 * studio's own PyTorch export of the same model.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { exportModel } from '../export/exportModel.js';
import { runPython, writeFashionFolder } from '../testing/exportFixtures.js';
import { main } from '../cli/main.js';
import { normalise } from '../evaluate/preprocess.js';
import { decodeForModel, loadModelForInference } from '../evaluate/loadedModel.js';
import { explainImages } from './explain.js';
import { featureMaps, nodeOutput } from './featureMaps.js';
import { gradCam } from './gradCam.js';
import { findNode, modelNodes } from './modelNodes.js';
import { testImagePngs, trainedTemplate } from '../testing/trainedModel.js';

const BIN = resolve(import.meta.dirname, '../../bin/convnet-studio.js');

let temp: { dir: string; remove: () => Promise<void> };
const models = new Map<string, { model: tfl.LayersModel; modelDir: string }>();
let images: string[] = [];

before(async () => {
  await selectBackend('wasm');
  temp = await makeTempDir('insight-');
  for (const name of ['seed-cnn', 'resnet-small']) models.set(name, await trainedTemplate(name, temp.dir, 384));
  images = (await testImagePngs(join(temp.dir, 'images'), 12)).paths;
});

after(async () => {
  for (const { model } of models.values()) model.dispose();
  await temp.remove();
});

/**
 * Textbook Grad-CAM in PyTorch: the generated module's forward is run with a
 * trace that keeps its local variables (one per layer, named as the studio
 * names them), then torch.autograd.grad of the target logit (the Linear's
 * output, before F.softmax) with respect to the chosen activation.
 */
async function pytorchGradCam(exportDir: string, imagePaths: string[], activation: string, logits: string, targets: number[]): Promise<number[][][]> {
  const script = `
import importlib.util, json, sys, cv2, numpy as np, torch
spec = importlib.util.spec_from_file_location("exported", ${JSON.stringify(join(exportDir, 'pytorch', 'model.py'))})
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
net = module.load_model().eval()
paths = ${JSON.stringify(imagePaths)}
x = torch.from_numpy(np.stack([cv2.imread(p, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255 for p in paths])[:, None])
kept = {}
def keep_locals(frame, event, arg):
    if event == "return" and frame.f_code.co_name == "forward":
        kept.update(frame.f_locals)
    return keep_locals
sys.settrace(keep_locals)
net(x)
sys.settrace(None)
A = kept[${JSON.stringify(activation)}]
scores = kept[${JSON.stringify(logits)}][torch.arange(len(paths)), torch.tensor(${JSON.stringify(targets)})]
grads = torch.autograd.grad(scores.sum(), A)[0]
weights = grads.mean(dim=(2, 3), keepdim=True)
cam = torch.relu((weights * A).sum(dim=1))
peak = cam.amax(dim=(1, 2), keepdim=True)
cam = torch.where(peak > 0, cam / torch.where(peak > 0, peak, torch.ones_like(peak)), torch.zeros_like(cam))
print(json.dumps(cam.detach().numpy().tolist()))
`;
  return JSON.parse(await runPython(script)) as number[][][];
}

describe('Grad-CAM', () => {
  for (const [name, activation, logits] of [
    ['seed-cnn', 'conv3_relu', 'dense2'],
    ['resnet-small', 'block2_relu', 'predictions'],
  ] as const) {
    test(`${name}: heatmaps equal textbook Grad-CAM in PyTorch on the studio's export (≥ 10 real Fashion-MNIST images, 1e-3)`, async (t) => {
      const { modelDir } = models.get(name)!;
      const studio = await explainImages({ model: modelDir, images });
      const exportDir = join(temp.dir, `${name}-export`);
      await exportModel({ source: modelDir, formats: ['pytorch'], outDir: exportDir });
      const targets = studio.explanations.map((e) => e.target.index);
      const torchMaps = await pytorchGradCam(exportDir, images, activation, logits, targets);
      let worst = 0;
      let nonZero = 0;
      studio.explanations.forEach((e, i) => {
        assert.equal(e.heatmap.length, torchMaps[i]!.length, 'rows');
        e.heatmap.forEach((row, r) =>
          row.forEach((v, c) => {
            worst = Math.max(worst, Math.abs(v - torchMaps[i]![r]![c]!));
            if (v > 0) nonZero++;
          }),
        );
      });
      t.diagnostic(`${name}: ${images.length} images at ${studio.layer}, max |Δ| vs PyTorch ${worst.toExponential(2)}`);
      assert.ok(worst <= 1e-3, `max difference ${worst}`);
      assert.ok(nonZero > images.length, 'the heatmaps are not all zero');
      assert.equal(studio.layer, name === 'seed-cnn' ? 'conv3' : 'block2_relu', 'the default layer is the last spatial node');
    });
  }

  test('the class score is the logit: a Dense with softmax is differentiated before its activation', async () => {
    const { model } = models.get('seed-cnn')!;
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    // The same network ending in a linear Dense plus a separate softmax Activation gives the same heatmaps.
    const split = tfl.model({ inputs: model.inputs, outputs: tfl.layers.activation({ activation: 'softmax' }).apply(
      tfl.layers.dense({ units: 10, weights: model.getLayer('dense2').getWeights() }).apply(model.getLayer('dense1').output as tfl.SymbolicTensor),
    ) as tfl.SymbolicTensor });
    const a = await gradCam(model, x, { classes: 3 });
    const b = await gradCam(split, x, { node: 'conv3', classes: 3 });
    const c = await gradCam(model, x, { classes: 4 });
    x.dispose();
    assert.deepEqual(Array.from(a.heatmaps[0]!, (v) => v.toFixed(5)), Array.from(b.heatmaps[0]!, (v) => v.toFixed(5)));
    assert.notDeepEqual(Array.from(a.heatmaps[0]!), Array.from(c.heatmaps[0]!), 'another class explains differently');
  });

  test('the tensor count stays flat over 1,000 explain calls (tiny model)', async () => {
    const input = tfl.input({ shape: [6, 6, 1] });
    const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
    const head = tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(tfl.layers.flatten().apply(conv)) as tfl.SymbolicTensor;
    const tiny = tfl.model({ inputs: input, outputs: head });
    const x = tf.randomUniform([1, 6, 6, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    await gradCam(tiny, x);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) await gradCam(tiny, x, { classes: i % 3 });
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    tiny.dispose();
  });

  test('wasm and cpu backends give the same heatmaps', async () => {
    const { modelDir } = models.get('resnet-small')!;
    const onWasm = await explainImages({ model: modelDir, images: images.slice(0, 3) });
    await selectBackend('cpu');
    try {
      const onCpu = await explainImages({ model: modelDir, images: images.slice(0, 3) });
      onCpu.explanations.forEach((e, i) => e.heatmap.forEach((row, r) => row.forEach((v, c) => assert.ok(Math.abs(v - onWasm.explanations[i]!.heatmap[r]![c]!) < 1e-4))));
    } finally {
      await selectBackend('wasm');
    }
  });
});

describe('feature maps and filters', () => {
  test('feature maps equal the tfjs model\'s intermediate outputs exactly, for every node', async () => {
    const { model, modelDir } = models.get('resnet-small')!;
    const loaded = await loadModelForInference(modelDir);
    const x = normalise([await decodeForModel(images[0]!, loaded.spec)], loaded.spec);
    loaded.model.dispose();
    for (const node of modelNodes(model).filter((n) => n.className !== 'InputLayer')) {
      const reference = tfl.model({ inputs: model.inputs, outputs: model.getLayer(node.outputLayer).output as tfl.SymbolicTensor });
      const expected = reference.predict(x) as tf.Tensor;
      const want = (await expected.data()) as Float32Array;
      expected.dispose();
      const got = await nodeOutput(model, x, findNode(model, node.id));
      assert.deepEqual(got.values, want, `node ${node.id}`);
    }
    const maps = await featureMaps(model, x, 'block1_relu');
    x.dispose();
    assert.equal(maps.channelCount, 16);
    assert.equal(maps.channels.length, 16);
    assert.ok(maps.channels.every((c) => c.image?.startsWith('data:image/png;base64,') && c.zeroFraction >= 0 && c.zeroFraction <= 1 && c.max >= c.mean));
    assert.ok(maps.zeroFraction > 0, 'a ReLU output has zeros');
  });

  test('model.featureMaps caps the channels, model.filters draws the first convolution and every weight histogram', async () => {
    const engine = new Engine({ backend: 'wasm' });
    const { modelDir } = models.get('seed-cnn')!;
    const capped = await engine.execute({ type: 'model.featureMaps', model: modelDir, image: images[1]!, node: 'conv2' });
    assert.equal(capped.channelCount, 64);
    assert.equal(capped.channels.length, 64);
    const few = await engine.execute({ type: 'model.featureMaps', model: modelDir, image: images[1]!, node: 'dense1', maxChannels: 8 });
    assert.deepEqual([few.channels.length, few.channels[0]!.image], [8, null]);
    const filters = await engine.execute({ type: 'model.filters', model: modelDir });
    assert.equal(filters.firstConvolution?.node, 'conv1');
    assert.equal(filters.firstConvolution?.filters.length, 32);
    assert.deepEqual(filters.firstConvolution?.kernelShape, [3, 3, 1]);
    assert.deepEqual(filters.histograms.map((h) => h.weight), ['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias', 'conv3/kernel', 'conv3/bias', 'dense1/kernel', 'dense1/bias', 'dense2/kernel', 'dense2/bias']);
    const kernel = filters.histograms[0]!;
    assert.equal(kernel.counts.reduce((a, b) => a + b, 0), 3 * 3 * 32);
  });
});

describe('images sent as bytes (a file dropped in the window)', () => {
  test('model.explain and model.featureMaps take imageData and answer with the sent name; a non-image is named', async () => {
    const engine = new Engine({ backend: 'wasm' });
    const { modelDir } = models.get('seed-cnn')!;
    const base64 = (await readFile(images[2]!)).toString('base64');
    const sent = await engine.execute({ type: 'model.explain', model: modelDir, images: [], imageData: [{ name: 'dropped.png', base64 }] });
    const byPath = await engine.execute({ type: 'model.explain', model: modelDir, images: [images[2]!] });
    assert.equal(sent.explanations[0]!.image, 'dropped.png');
    assert.deepEqual(sent.explanations[0]!.heatmap, byPath.explanations[0]!.heatmap);
    const maps = await engine.execute({ type: 'model.featureMaps', model: modelDir, image: '', imageData: { name: 'dropped.png', base64 }, node: 'conv1', maxChannels: 2 });
    assert.equal(maps.channels.length, 2);
    await assert.rejects(
      engine.execute({ type: 'model.explain', model: modelDir, images: [], imageData: [{ name: 'notes.txt', base64: Buffer.from('not an image').toString('base64') }] }),
      (e: Error) => /"notes\.txt"/.test(e.message) && !/cnnstudio-explain-/.test(e.message),
    );
  });
});

describe('explain from the CLI', () => {
  test('--json prints one line per image in the documented format, and --out writes the overlays', async () => {
    const { modelDir } = models.get('seed-cnn')!;
    const outDir = join(temp.dir, 'overlays');
    const child = spawn(process.execPath, [BIN, 'explain', modelDir, images[0]!, images[1]!, '--class', 'Trouser', '--out', outDir, '--json', '--layer', 'conv2']);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    for (const [i, line] of lines.entries()) {
      assert.deepEqual(Object.keys(line), ['type', 'image', 'predicted', 'target', 'layer', 'heatmap', 'overlay']);
      assert.equal(line['type'], 'explanation');
      assert.equal(line['image'], images[i]);
      assert.deepEqual(Object.keys(line['predicted'] as object), ['index', 'name', 'probability']);
      assert.deepEqual(line['target'], { index: 1, name: 'Trouser' });
      assert.equal(line['layer'], 'conv2');
      const heatmap = line['heatmap'] as number[][];
      assert.deepEqual([heatmap.length, heatmap[0]!.length], [11, 11]);
      assert.ok(heatmap.flat().every((v) => v >= 0 && v <= 1));
      const overlay = line['overlay'] as string;
      assert.ok(overlay.startsWith(outDir) && existsSync(overlay), `overlay ${overlay}`);
      assert.deepEqual([...(await readFile(overlay)).subarray(1, 4)], [...Buffer.from('PNG')]);
    }
  });

  test('without --json: a short table with the overlay paths, the overlays written to --out', async () => {
    const { modelDir } = models.get('seed-cnn')!;
    const outDir = join(temp.dir, 'table-overlays');
    const out: string[] = [];
    assert.equal(await main(['explain', modelDir, images[3]!, images[4]!, '--out', outDir], (l) => out.push(l)), 0);
    assert.match(out[0]!, /^Grad-CAM at node "conv3" \(3×3\) of /);
    assert.match(out[1]!, /^Image\s+Predicted\s+Explained class\s+Peak \(row, col\)\s+Overlay$/);
    assert.equal(out.length, 4);
    for (const row of out.slice(2)) {
      const overlay = row.split(/\s+/).at(-1)!;
      assert.ok(overlay.startsWith(outDir) && existsSync(overlay), row);
    }
  });

  test('bad input is refused with one message naming it, exit 1', async () => {
    const { modelDir } = models.get('seed-cnn')!;
    const notImage = join(temp.dir, 'notes.txt');
    await writeFile(notImage, 'not an image');
    const cases: [string[], RegExp][] = [
      [['--layer', 'conv9'], /no node "conv9".*conv1, pool1/s],
      [['--layer', 'dense1'], /"dense1" has output shape \[64\].*spatial/s],
      [["--class", "Hat"], /no class "Hat".*T-shirt_top/s],
      [['--class', '10'], /no class "10".*0 to 9/s],
    ];
    for (const [flags, pattern] of cases) {
      const out: string[] = [];
      assert.equal(await main(['explain', modelDir, images[0]!, ...flags, '--json'], (l) => out.push(l)), 1, flags.join(' '));
      const error = JSON.parse(out.at(-1)!) as { message: string; hint: string };
      assert.match(`${error.message} ${error.hint}`, pattern);
    }
    const out: string[] = [];
    assert.equal(await main(['explain', modelDir, notImage, '--json'], (l) => out.push(l)), 1);
    assert.match(out.at(-1)!, /notes\.txt/);
  });
});

describe('imported and fine-tuned models', () => {
  test('a model imported for fine-tuning (frozen up to conv3, new 3-class head) and trained through the Engine is explained from its run folder', async () => {
    const engine = new Engine({ backend: 'wasm' });
    const { modelDir } = models.get('seed-cnn')!;
    const imported = await engine.execute({ type: 'model.import', path: modelDir, freezeUpTo: 'conv3', classCount: 3 });
    const data = await writeFashionFolder(join(temp.dir, 'tune-data'), { classes: [5, 7, 9], perClass: 12, split: 'train' });
    const project = { ...imported.project, training: { ...imported.project.training, epochs: 1, batchSize: 12 } };
    const runDir = join(temp.dir, 'tuned-run');
    const ended = new Promise<string>((r) => engine.onEvent((e) => (e.type === 'finished' || e.type === 'error' ? r(e.type) : undefined)));
    await engine.execute({ type: 'train.start', project, options: { dataPath: data, runDir, initialWeights: imported.initialWeights } });
    assert.equal(await ended, 'finished');
    await engine.idle();
    const result = await engine.execute({ type: 'model.explain', model: runDir, images: images.slice(0, 3), layer: 'conv2' });
    assert.deepEqual(result.classNames, ['Ankle_boot', 'Sandal', 'Sneaker']);
    assert.equal(result.layer, 'conv2');
    assert.equal(result.explanations.length, 3);
    assert.ok(result.explanations.every((e) => e.heatmap.length === 11 && e.overlay === null && e.overlayImage.startsWith('data:image/png')));
    // The frozen layers kept the base model's weights, so their feature maps are the base model's.
    const tuned = await engine.execute({ type: 'model.featureMaps', model: runDir, image: images[0]!, node: 'conv2' });
    const base = await engine.execute({ type: 'model.featureMaps', model: modelDir, image: images[0]!, node: 'conv2' });
    assert.deepEqual(tuned.channels.map((c) => c.mean), base.channels.map((c) => c.mean));
  });
});
