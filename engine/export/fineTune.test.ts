/**
 * Fine-tuning, end to end through the engine: a small network is trained on
 * five Fashion-MNIST classes, imported back as a graph, frozen up to its
 * features, given a new head and trained on four images of each of the
 * other five classes. Its frozen weights come out bit-identical (including
 * BatchNormalization's moving statistics) while the head's change, and it
 * beats the same network trained from scratch on the same few images.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { evaluateModel } from '../evaluate/evaluate.js';
import { buildModel } from '../graph/tfjs/build.js';
import { chain } from '../testing/graphs.js';
import { defaultTrainingSettings, type Graph, type ProjectFile } from '../project/schema.js';
import { createProject } from '../graph/templates.js';
import type { EngineEvent, TrainOptions } from '../protocol.js';
import { loadModelFolder } from '../model/modelFiles.js';
import { freezeUpTo, replaceHead, setFrozen, upstreamOf } from './fineTune.js';
import { importForFineTuning } from './importForFineTuning.js';
import { writeFashionFolder } from '../testing/exportFixtures.js';

const FIRST_CLASSES = [0, 1, 2, 3, 4];
const OTHER_CLASSES = [5, 6, 7, 8, 9];
const FEW = 4;

let temp: { dir: string; remove: () => Promise<void> };

function project(name: string, graph: Graph, learningRate: number, epochs: number): ProjectFile {
  const base = createProject('seed-cnn', name);
  return {
    ...base,
    graph,
    data: { ...base.data, validationSplit: 0 },
    training: { ...defaultTrainingSettings(), epochs, batchSize: 32, seed: 5, optimizer: { type: 'adam', learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
  };
}

/** Trains through the engine (train.start, as the window does) and answers the run's model folder. */
async function train(p: ProjectFile, options: TrainOptions): Promise<string> {
  const engine = new Engine({ backend: 'auto' });
  let failure: EngineEvent | null = null;
  engine.onEvent((e) => {
    if (e.type === 'error') failure = e;
  });
  const { runDir } = await engine.execute({ type: 'train.start', project: p, options });
  await engine.idle();
  assert.equal(failure, null, JSON.stringify(failure));
  return join(runDir, 'model');
}

async function weightsByName(modelDir: string): Promise<Map<string, Float32Array>> {
  const { model } = await loadModelFolder(modelDir);
  const map = new Map<string, Float32Array>();
  for (const layer of model.layers) {
    const values = layer.getWeights();
    layer.weights.forEach((w, i) => map.set(w.originalName, values[i]!.dataSync() as Float32Array));
  }
  model.dispose();
  return map;
}

before(async () => {
  temp = await makeTempDir('finetune-');
});

after(async () => {
  await temp.remove();
});

describe('fine-tuning graph edits', () => {
  const graph = createProject('seed-cnn').graph;

  test('"everything up to here" freezes a node and all it depends on, and nothing after', () => {
    const frozen = freezeUpTo(graph, 'conv2').nodes.filter((n) => n.frozen).map((n) => n.id);
    assert.deepEqual(frozen, ['input', 'conv1', 'pool1', 'conv2']);
    assert.deepEqual([...upstreamOf(graph, 'pool1')].sort(), ['conv1', 'input', 'pool1']);
    assert.ok(!graph.nodes.some((n) => n.frozen), 'the input graph is left as it was');
  });

  test('layers freeze and thaw one by one', () => {
    const once = setFrozen(graph, ['conv3'], true);
    assert.deepEqual(once.nodes.filter((n) => n.frozen).map((n) => n.id), ['conv3']);
    assert.ok(!setFrozen(once, ['conv3'], false).nodes.some((n) => n.frozen));
    assert.throws(() => setFrozen(graph, ['nope'], true), /There is no node "nope"/);
  });

  test('a new head replaces the last Dense, or everything after a chosen node', () => {
    const small = replaceHead(graph, { classCount: 4 });
    assert.deepEqual(small.nodes.map((n) => n.id), ['input', 'conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'flatten', 'dense1', 'head', 'output']);
    const afterFlatten = replaceHead(graph, { classCount: 2, after: 'flatten' });
    assert.deepEqual(afterFlatten.nodes.map((n) => n.id), ['input', 'conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'flatten', 'head', 'output']);
    assert.deepEqual(afterFlatten.edges.filter((e) => e.target === 'head' || e.source === 'head').map((e) => e.id), ['flatten->head', 'head->output']);
    assert.throws(() => replaceHead(graph, { classCount: 0 }), /at least 1/);
  });
});

describe('fine-tuning a pre-trained base', () => {
  test('frozen weights stay bit-identical, the head learns, and it beats training from scratch', async () => {
    await selectBackend('auto'); // the backend the runs use, so its tensor count is the one measured
    const tensorsAtStart = tf.memory().numTensors;
    const firstTrain = await writeFashionFolder(join(temp.dir, 'first'), { classes: FIRST_CLASSES, perClass: 150, split: 'train' });
    const fewTrain = await writeFashionFolder(join(temp.dir, 'few'), { classes: OTHER_CLASSES, perClass: FEW, split: 'train' });
    const otherTest = await writeFashionFolder(join(temp.dir, 'held-out'), { classes: OTHER_CLASSES, perClass: 40, split: 'test' });

    // 1. A base trained on the first five classes.
    const base = chain([28, 28, 1], [
      { id: 'conv1', type: 'Conv2D', params: { filters: 16, kernel_size: 3, activation: 'relu' } },
      { id: 'pool1', type: 'MaxPooling2D', params: { pool_size: 2 } },
      { id: 'conv2', type: 'Conv2D', params: { filters: 32, kernel_size: 3, activation: 'relu' } },
      { id: 'bn', type: 'BatchNormalization', params: {} },
      { id: 'pool2', type: 'MaxPooling2D', params: { pool_size: 2 } },
      { id: 'features', type: 'Flatten' },
      { id: 'classes', type: 'Dense', params: { units: 5, activation: 'softmax' } },
    ]);
    const baseModel = await train(project('base', base, 0.002, 4), { dataPath: firstTrain, runDir: join(temp.dir, 'run-base') });

    // 2. Imported back as a graph, frozen up to its features, with a new head.
    const imported = await importForFineTuning({ path: join(temp.dir, 'run-base'), freezeUpTo: 'pool2', classCount: OTHER_CLASSES.length, headAfter: 'features' });
    assert.equal(imported.initialWeights, baseModel);
    const tunedGraph = imported.project.graph;
    assert.deepEqual(tunedGraph.nodes.filter((n) => n.frozen).map((n) => n.id), ['input', 'conv1', 'pool1', 'conv2', 'bn', 'pool2']);
    const tunedModel = await train(project('tuned', tunedGraph, 0.01, 25), {
      dataPath: fewTrain,
      runDir: join(temp.dir, 'run-tuned'),
      initialWeights: imported.initialWeights,
    });

    // 3. The same network from scratch on the same few images.
    const scratchGraph = { ...tunedGraph, nodes: tunedGraph.nodes.map(({ frozen: _frozen, ...n }) => n) };
    const scratchModel = await train(project('scratch', scratchGraph, 0.01, 25), { dataPath: fewTrain, runDir: join(temp.dir, 'run-scratch') });

    const before = await weightsByName(baseModel);
    const tuned = await weightsByName(tunedModel);
    for (const name of ['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'conv2/bias', 'bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']) {
      assert.deepEqual(tuned.get(name), before.get(name), `${name} is bit-identical after fine-tuning`);
    }
    const fresh = buildModel(tunedGraph, { seed: 5 });
    const initialHead = fresh.getLayer('head').getWeights()[0]!.dataSync();
    fresh.dispose();
    const trainedHead = tuned.get('head/kernel')!;
    const changed = trainedHead.filter((v, i) => v !== initialHead[i]).length;
    assert.ok(changed > trainedHead.length * 0.9, `the head learned (${changed} of ${trainedHead.length} weights changed)`);

    const tunedAccuracy = (await evaluateModel(tunedModel, otherTest)).accuracy;
    const scratchAccuracy = (await evaluateModel(scratchModel, otherTest)).accuracy;
    console.log(`held-out accuracy on classes ${OTHER_CLASSES.join(',')} after ${FEW} images each: fine-tuned ${tunedAccuracy.toFixed(3)}, from scratch ${scratchAccuracy.toFixed(3)}`);
    assert.ok(tunedAccuracy > scratchAccuracy + 0.05, `fine-tuned ${tunedAccuracy} beats scratch ${scratchAccuracy}`);
    assert.equal(tf.memory().numTensors, tensorsAtStart, 'three runs, the weight reads and two evaluations leave no tensor behind');
  });

  test('a frozen node that finds no weights in the source is refused before training', async () => {
    const source = join(temp.dir, 'run-base');
    const graph = replaceHead(createProject('transfer').graph, { classCount: OTHER_CLASSES.length });
    const engine = new Engine({ backend: 'auto' });
    let error: EngineEvent | null = null;
    engine.onEvent((e) => {
      if (e.type === 'error') error = e;
    });
    await engine.execute({ type: 'train.start', project: project('transfer', graph, 0.01, 1), options: { dataPath: join(temp.dir, 'few', 'train'), runDir: join(temp.dir, 'run-transfer'), initialWeights: source } });
    await engine.idle();
    const e = error as unknown as { message: string; code: string } | null;
    assert.ok(e, 'the run failed');
    assert.equal(e.code, 'weights-mismatch');
    assert.match(e.message, /Node "conv1" is frozen, but its weights \(kernel \[3,3,1,32\], bias \[32\]\) differ from layer "conv1" of the source \(kernel \[3,3,1,16\], bias \[16\]\)/);
  });
});
