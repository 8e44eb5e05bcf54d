/**
 * The model description's readers of tfjs configs in every form a converted
 * file can hold them (an int where tfjs writes a pair, a pair where it writes
 * sides), each refusal naming the layer and the key; a missing weight naming
 * what the layer has; weights that fit no layer of the graph; and a labels.json
 * that is not the studio's. The layers are described from real tfjs models.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeTempDir } from '../testing/imageFiles.js';
import { isStudioError } from '../errors.js';
import { buildModel } from '../graph/tfjs/build.js';
import type { Graph } from '../graph/schema.js';
import { configAxes, configPair, configSides, describeModel, requireWeight, type DescribedLayer } from './modelDescription.js';
import { applyInitialWeights } from './initialWeights.js';
import { saveModelFolder } from './modelFiles.js';
import { readSidecar } from './sidecar.js';
import { assertRefused } from '../testing/rejection.js';

let temp: { dir: string; remove: () => Promise<void> };
let conv: DescribedLayer;
let padding: DescribedLayer;

before(async () => {
  await tf.setBackend('cpu');
  temp = await makeTempDir('description-edges-');
  const model = tfl.sequential({
    layers: [
      tfl.layers.inputLayer({ inputShape: [6, 6, 1], name: 'image' }),
      tfl.layers.conv2d({ filters: 2, kernelSize: [3, 2], name: 'conv' }),
      tfl.layers.zeroPadding2d({ padding: [[1, 2], [3, 4]], name: 'pad' }),
    ],
  });
  const description = describeModel(model);
  model.dispose();
  conv = description.layers.find((l) => l.name === 'conv')!;
  padding = description.layers.find((l) => l.name === 'pad')!;
});

after(async () => {
  await temp.remove();
});

const withConfig = (layer: DescribedLayer, key: string, value: unknown): DescribedLayer => ({ ...layer, config: { ...layer.config, [key]: value } });

describe('config values in every form', () => {
  test('a kernel size as tfjs writes it, as one int, and refused as three ints', () => {
    assert.deepEqual(configPair(conv, 'kernelSize'), [3, 2]);
    assert.deepEqual(configPair(withConfig(conv, 'kernelSize', 5), 'kernelSize'), [5, 5]);
    assertRefused(() => configPair(withConfig(conv, 'kernelSize', [1, 2, 3]), 'kernelSize'), 'unsupported-model', /Layer "conv" has kernelSize \[1,2,3\]; expected an int or a pair/);
  });

  test('padding sides as tfjs writes them, as one int, as [vertical, horizontal], and refused otherwise', () => {
    assert.deepEqual(configSides(padding, 'padding'), [[1, 2], [3, 4]]);
    assert.deepEqual(configSides(withConfig(padding, 'padding', 2), 'padding'), [[2, 2], [2, 2]]);
    assert.deepEqual(configSides(withConfig(padding, 'padding', [1, 3]), 'padding'), [[1, 1], [3, 3]]);
    assertRefused(() => configSides(withConfig(padding, 'padding', 'same'), 'padding'), 'unsupported-model', /Layer "pad" has padding "same"; expected \[\[top, bottom\], \[left, right\]\]/);
  });

  test('axes counted from the end become non-negative', () => {
    assert.deepEqual(configAxes(withConfig(conv, 'axis', -1), 4), [3]);
    assert.deepEqual(configAxes(withConfig(conv, 'axis', [1, -2]), 4), [1, 2]);
  });

  test('a missing weight names the layer and the weights it has', () => {
    assert.deepEqual(requireWeight(conv, 'kernel').shape, [3, 2, 1, 2]);
    assertRefused(() => requireWeight(conv, 'gamma'), 'weights-mismatch', /Layer "conv" \(Conv2D\) has no "gamma" weight \(it has kernel, bias\)/);
    assertRefused(() => requireWeight(padding, 'kernel'), 'weights-mismatch', /Layer "pad" \(ZeroPadding2D\) has no "kernel" weight \(it has none\)/);
  });
});

describe('starting weights that fit no layer', () => {
  test('a model whose layers match none of the graph’s by name and shape is refused, naming the model folder', async () => {
    const source = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3, name: 'elsewhere' })] });
    const dir = join(temp.dir, 'unrelated');
    await saveModelFolder(source, dir);
    source.dispose();
    const graph: Graph = {
      nodes: [
        { id: 'x', type: 'Input', params: { shape: [4] }, position: { x: 0, y: 0 } },
        { id: 'mine', type: 'Dense', params: { units: 3 }, position: { x: 0, y: 100 } },
        { id: 'output', type: 'Output', params: {}, position: { x: 0, y: 200 } },
      ],
      edges: [
        { id: 'a', source: 'x', target: 'mine' },
        { id: 'b', source: 'mine', target: 'output' },
      ],
    };
    const model = buildModel(graph, { seed: 1 });
    try {
      await assert.rejects(applyInitialWeights(model, graph, dir), (e: unknown) => {
        assert.ok(isStudioError(e));
        assert.equal(e.code, 'weights-mismatch');
        assert.match(e.message, new RegExp(`None of the graph's layers match a layer of ${dir} by name and shape, so no weights would load`));
        return true;
      });
    } finally {
      model.dispose();
    }
  });
});

describe('labels.json files that are not the studio’s', () => {
  test('a labels.json that is not JSON is named', async () => {
    const dir = join(temp.dir, 'labels-text');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'labels.json'), 'cat,dog');
    await assert.rejects(readSidecar(dir), (e: unknown) => isStudioError(e) && e.code === 'sidecar-unreadable' && e.message.startsWith(`${dir}/labels.json is not valid JSON (`));
  });

  test('no labels.json is none; one of another format, or without class names, is named', async () => {
    const dir = join(temp.dir, 'labels');
    await mkdir(dir, { recursive: true });
    assert.equal(await readSidecar(dir), null);
    for (const content of [{ format: 'someone-else', classNames: ['a'] }, { format: 'convnet-studio.labels', classNames: 'a,b' }]) {
      await writeFile(join(dir, 'labels.json'), JSON.stringify(content));
      await assert.rejects(readSidecar(dir), (e: unknown) => {
        assert.ok(isStudioError(e));
        assert.equal(e.code, 'sidecar-unreadable');
        assert.match(e.message, new RegExp(`${dir}/labels\\.json is not a Convnet Studio labels file`));
        return true;
      });
    }
  });
});
