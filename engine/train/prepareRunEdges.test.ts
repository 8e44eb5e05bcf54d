/**
 * What a run is prepared from, at its edges: the epochs and batch size given
 * for one run over the project's, checked as one; data and initial-weights
 * paths, absolute or relative to the project file, the caller's working
 * folder or the process's; an Input that is not an image; a graph whose
 * problem names no node; and a head that does not match the classes found
 * in real image files, refused with the data folder named and nothing left
 * allocated.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/select.js';
import type { StudioError } from '../errors.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { checkRunRequest, effectiveSettings, initialWeightsPath, prepareRun, resolveDataPath } from './prepareRun.js';

let data: string;
let temp: { dir: string; remove: () => Promise<void> };

before(async () => {
  await selectBackend('cpu');
  temp = await makeTempDir('prepare-run');
  data = await writePatternFolder({ perClass: 3, size: 8, seed: 5 });
});
after(async () => {
  await temp.remove();
  await import('node:fs/promises').then((fs) => fs.rm(data, { recursive: true, force: true }));
});

function refusedWith(e: unknown, code: string): StudioError {
  assert.equal((e as StudioError).code, code, String(e));
  return e as StudioError;
}

test('epochs and batch size for one run override the project\'s and are checked as one', () => {
  const project = tinyCnnProject({ size: 8, training: { epochs: 4, batchSize: 16 } });
  assert.deepEqual([effectiveSettings(project, {}).epochs, effectiveSettings(project, {}).batchSize], [4, 16]);
  const settings = effectiveSettings(project, { epochs: 2, batchSize: 8 });
  assert.deepEqual([settings.epochs, settings.batchSize], [2, 8]);
  assert.throws(() => effectiveSettings(project, { batchSize: 0 }), (e) => refusedWith(e, 'invalid-training-setting').message === 'tiny: training.batchSize is 0; it must be a whole number of at least 1.');
});

test('data and initial-weights paths: the caller\'s from the working folder; the project\'s from the project file, else the working folder', () => {
  const project = tinyCnnProject({ size: 8, data: { path: 'images' }, training: { initialWeights: 'runs/run-1' } });
  assert.equal(resolveDataPath(project, {}, '/p/q/x.cnnstudio.json'), '/p/q/images');
  assert.equal(resolveDataPath(project, {}), resolve(process.cwd(), 'images'), 'an unsaved project: the working folder');
  assert.equal(resolveDataPath(project, { dataPath: 'given' }, '/p/q/x.cnnstudio.json'), resolve('given'), '--data is the caller\'s, from the working folder');
  assert.equal(resolveDataPath(tinyCnnProject({ size: 8, data: { path: '/abs/images' } }), {}, '/p/x.json'), '/abs/images');

  assert.equal(initialWeightsPath(project, {}, '/p/q/x.cnnstudio.json'), '/p/q/runs/run-1');
  assert.equal(initialWeightsPath(project, {}), resolve(process.cwd(), 'runs/run-1'));
  assert.equal(initialWeightsPath(project, { initialWeights: 'w' }, '/p/x.json'), resolve('w'));
  assert.equal(initialWeightsPath(tinyCnnProject({ size: 8, training: { initialWeights: '/abs/run' } }), {}, '/p/x.json'), '/abs/run');
  assert.equal(initialWeightsPath(tinyCnnProject({ size: 8 }), {}), null);
});

test('an Input that is not an image of 1 or 3 channels is refused before any data is read', async () => {
  const project = tinyCnnProject({ size: 8, data: { path: data } });
  project.graph.nodes.find((n) => n.id === 'input')!.params['shape'] = [8, 8, 2];
  await assert.rejects(checkRunRequest(project, {}, undefined, 'cpu'), (e) => {
    const error = refusedWith(e, 'bad-input-shape');
    assert.equal(error.message, 'Input "input" has shape [8,8,2]; image training needs [height, width, 1 or 3].');
    return true;
  });
});

test('a graph problem that names no node is said without a node', async () => {
  const project = tinyCnnProject({ size: 8, data: { path: data } });
  project.graph.nodes = project.graph.nodes.filter((n) => n.type !== 'Output');
  project.graph.edges = project.graph.edges.filter((e) => e.target !== 'output');
  await assert.rejects(checkRunRequest(project, {}, undefined, 'cpu'), (e) => {
    const error = refusedWith(e, 'invalid-graph');
    assert.equal(error.message, 'The graph has no Output node, so nothing says which layer makes the prediction.');
    return true;
  });
});

test('a head of 5 units for 3 classes of images is refused naming the node, the parameter and the data; nothing stays allocated', async () => {
  const project = tinyCnnProject({ size: 8, data: { path: data } });
  project.graph.nodes.find((n) => n.id === 'dense')!.params['units'] = 5;
  const tensors = tf.memory().numTensors;
  await assert.rejects(prepareRun({ runId: 'r', runDir: join(temp.dir, 'r'), project, options: {}, backend: 'cpu', emit: () => undefined }), (e) => {
    const error = refusedWith(e, 'invalid-graph');
    assert.match(error.message, new RegExp(`^Node "dense", parameter units: .*3.* \\[data: ${data.replace(/[.]/g, '\\.')}\\]$`));
    return true;
  });
  assert.equal(tf.memory().numTensors, tensors);
});

test('a network whose batch cannot fit is refused before anything is allocated, the first problem named and the others counted', async () => {
  const project = tinyCnnProject({ size: 1024, filters: 512, data: { path: data }, training: { batchSize: 4096 } });
  const tensors = tf.memory().numTensors;
  await assert.rejects(checkRunRequest(project, {}, undefined, 'cpu'), (e) => {
    const error = refusedWith(e, 'too-much-memory');
    assert.equal(
      error.message,
      'Node "conv": Conv2D "conv" outputs 534,775,808 values per image, 2,190,441,709,568 for a batch of 4096; one tensor can hold at most 2,147,483,647 values. (and 2 more problems; run `convnet-studio validate` to list them)',
    );
    return true;
  });
  assert.equal(tf.memory().numTensors, tensors);
});
