/**
 * writeJob in the engine's own process, without training: what the job
 * folder says about the project (class names from --data, from the
 * project's own folder, or none; starting weights from a saved model; kernel
 * regularizers and frozen nodes in job.json, read back by train.py's own
 * StudioWeights in Debian's python3 + torch), and every project it refuses
 * with nothing written, each naming what to fix. The torchrun training
 * itself is job.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { makeTempDir } from '../testing/imageFiles.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { PYTHON } from '../testing/exportFixtures.js';
import { isStudioError } from '../errors.js';
import { buildModel } from '../graph/tfjs/build.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { decodeSafetensors } from '../export/safetensors.js';
import type { ProjectFile } from '../project/schema.js';
import { jobCommands, writeJob } from './writeJob.js';
import type { JobRecipe } from './jobRecipe.js';

let temp: { dir: string; remove: () => Promise<void> };
let images: string;
let count = 0;
const fresh = () => join(temp.dir, `job${count++}`);

before(async () => {
  temp = await makeTempDir('write-job-');
  images = await writePatternFolder({ perClass: 2, size: 8 });
});

after(async () => {
  await temp.remove();
  const { rm } = await import('node:fs/promises');
  await rm(images, { recursive: true, force: true });
});

/** The tiny CNN on 8×8 grey images (3 classes), with the data folder at `path`. */
function project(path: string | null, edit: (p: ProjectFile) => void = () => undefined): ProjectFile {
  const p = tinyCnnProject({ size: 8, name: 'patterns', data: { path } });
  edit(p);
  return p;
}

async function recipeOf(dir: string): Promise<JobRecipe> {
  return JSON.parse(await readFile(join(dir, 'job.json'), 'utf8')) as JobRecipe;
}

async function refuses(promise: Promise<unknown>, code: string, pattern: RegExp, hint?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isStudioError(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    if (hint) assert.match(e.hint, hint);
    return true;
  });
}

describe('what the job folder says about the project', () => {
  test('without any data folder: no class names, `<project>.cnnstudio.json` in the commands (no project file known), the seeded weights', async () => {
    const out = fresh();
    const result = await writeJob({ project: project(null), outDir: out, backend: 'cpu' });
    assert.equal(result.classNames, null);
    assert.equal(result.commands.record, 'convnet-studio runs add <project>.cnnstudio.json <run folder>');
    const recipe = await recipeOf(out);
    assert.equal(recipe.classNames, null);
    assert.equal(recipe.outputUnits, 3);
    assert.equal(recipe.model.initialWeights, null);
    const readme = await readFile(join(out, 'README.md'), 'utf8');
    assert.match(readme, /weights\.safetensors` its starting weights \(the studio's seeded initialisation\)/);
    assert.match(readme, /convnet-studio runs add <project>\.cnnstudio\.json <run folder>/);
    assert.match(readme, /early stopping off, seed/);
    assert.match(await readFile(join(out, 'model.py'), 'utf8'), /seeded initial weights, seed \d+/);
  });

  test("a project data folder that is not there gives no class names; one beside the project file gives them", async () => {
    const missing = await writeJob({ project: project('no-such-images'), projectPath: join(temp.dir, 'p.cnnstudio.json'), outDir: fresh(), backend: 'cpu' });
    assert.equal(missing.classNames, null);
    const projectPath = join(temp.dir, 'beside', 'p.cnnstudio.json');
    await mkdir(join(temp.dir, 'beside'), { recursive: true });
    const { cp } = await import('node:fs/promises');
    await cp(images, join(temp.dir, 'beside', 'images'), { recursive: true });
    const found = await writeJob({ project: project('images'), projectPath, outDir: fresh(), backend: 'cpu' });
    assert.deepEqual(found.classNames, ['checks', 'horizontal', 'vertical']);
    assert.equal(found.commands.record, `convnet-studio runs add ${projectPath} <run folder>`);
  });

  test('--data names the folder the class names come from, over the project’s own', async () => {
    const out = fresh();
    const result = await writeJob({ project: project('no-such-images', (p) => (p.training.earlyStopping = { ...p.training.earlyStopping, enabled: true })), dataPath: images, outDir: out, backend: 'cpu' });
    assert.match(await readFile(join(out, 'README.md'), 'utf8'), /early stopping on, seed/);
    assert.deepEqual(result.classNames, ['checks', 'horizontal', 'vertical']);
    assert.deepEqual((await recipeOf(out)).classNames, ['checks', 'horizontal', 'vertical']);
  });

  test('a job written again into its own folder replaces it whole (a __pycache__ there is no foreign file, and goes with the old job)', async () => {
    const out = fresh();
    await writeJob({ project: project(null), outDir: out, backend: 'cpu' });
    await mkdir(join(out, '__pycache__'));
    const again = await writeJob({ project: project(null, (p) => (p.name = 'patterns v2')), outDir: out, backend: 'cpu' });
    assert.equal((await recipeOf(out)).project, 'patterns v2');
    assert.deepEqual([...(await readdir(out))].sort(), [...again.files].sort());
  });

  test('--weights: weights.safetensors holds the saved model’s weights, and job.json and the README name where they came from', async () => {
    const p = project(null);
    const saved = join(temp.dir, 'trained-model');
    const trained = buildModel(p.graph, { seed: 77 });
    const expected = new Map<string, Float32Array>();
    for (const layer of trained.layers) for (const w of layer.weights) expected.set(`${layer.name}/${w.originalName.split('/').at(-1)}`, w.read().dataSync() as Float32Array);
    await saveModelFolder(trained, saved);
    trained.dispose();
    const out = fresh();
    await writeJob({ project: p, outDir: out, initialWeights: saved, backend: 'cpu' });
    const recipe = await recipeOf(out);
    assert.equal(recipe.model.initialWeights, saved);
    assert.match(await readFile(join(out, 'README.md'), 'utf8'), new RegExp(`its starting weights \\(from ${saved}\\)`));
    assert.match(await readFile(join(out, 'model.py'), 'utf8'), new RegExp(`starting from ${saved}`));
    const { arrays } = decodeSafetensors(new Uint8Array(await readFile(join(out, 'weights.safetensors'))));
    assert.deepEqual([...arrays.keys()].sort(), [...expected.keys()].sort());
    for (const [key, values] of expected) assert.deepEqual(arrays.get(key)!.data, values, key);
  });

  test('kernel regularizers and frozen nodes reach job.json, and train.py maps them onto the PyTorch tensors', async () => {
    const out = fresh();
    const p = project(null, (q) => {
      const conv = q.graph.nodes.find((n) => n.id === 'conv')!;
      conv.params['kernel_regularizer'] = { l1: 0.001, l2: 0.0005 };
      conv.frozen = true;
      q.graph.nodes.find((n) => n.id === 'dense')!.params['kernel_regularizer'] = { l1: 0, l2: 0 };
    });
    await writeJob({ project: p, outDir: out, backend: 'cpu' });
    const weights = new Map((await recipeOf(out)).weights.map((w) => [w.key, w]));
    assert.deepEqual(weights.get('conv/kernel'), { name: 'conv/kernel', key: 'conv/kernel', shape: [3, 3, 1, 4], trainable: false, regularizer: { l1: 0.001, l2: 0.0005 } });
    assert.deepEqual(weights.get('conv/bias'), { name: 'conv/bias', key: 'conv/bias', shape: [4], trainable: false }, 'a bias carries no kernel regularizer');
    assert.deepEqual(weights.get('dense/kernel'), { name: 'dense/kernel', key: 'dense/kernel', shape: [144, 3], trainable: true }, 'a zero regularizer is none');
    const script = `
import json, sys, importlib.util
sys.path.insert(0, ${JSON.stringify(out)})
spec = importlib.util.spec_from_file_location("train", ${JSON.stringify(join(out, 'train.py'))})
train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
job = json.load(open(${JSON.stringify(join(out, 'job.json'))}))
weights = train.StudioWeights(train.load_model_module(), job)
print(json.dumps({"frozen": sorted(weights.frozen_tensors()), "regularized": weights.regularized()}))
`;
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], { cwd: out });
    const seen = JSON.parse(stdout) as { frozen: string[]; regularized: [string, number, number][] };
    assert.equal(seen.frozen.length, 2, `the frozen conv's kernel and bias: ${seen.frozen.join(', ')}`);
    assert.equal(seen.regularized.length, 1);
    assert.deepEqual(seen.regularized[0]!.slice(1), [0.001, 0.0005]);
    assert.ok(seen.frozen.includes(seen.regularized[0]![0]), 'the regularized tensor is the frozen conv kernel');
  });

  test('the commands name the project file when it is known', () => {
    assert.deepEqual(jobCommands('/p/x.cnnstudio.json'), {
      single: 'python3 train.py --data <image folder> --out <run folder>',
      torchrun: 'torchrun --standalone --nproc_per_node=<N> train.py --data <image folder> --out <run folder>',
      evaluate: 'convnet-studio evaluate <run folder> --data <test image folder>',
      record: 'convnet-studio runs add /p/x.cnnstudio.json <run folder>',
    });
  });
});

describe('projects the job refuses, writing nothing', () => {
  test('IDX data says how to write the images as folders; CSV data says to point at a folder', async () => {
    const idx = fresh();
    await refuses(
      writeJob({ project: project(null, (p) => (p.data = { ...p.data, kind: 'idx' } as ProjectFile['data'])), outDir: idx }),
      'job-unsupported-data',
      /Project "patterns" reads its data from IDX files; the PyTorch job reads image folders/,
      /scripts\/fashion-mnist-to-folders\.ts --out DIR/,
    );
    const csv = fresh();
    await refuses(
      writeJob({ project: project(null, (p) => (p.data = { ...p.data, kind: 'csv' } as ProjectFile['data'])), outDir: csv }),
      'job-unsupported-data',
      /reads its data from a CSV file/,
      /Set data\.kind to image-folder and point data\.path at a folder of class sub-folders/,
    );
    assert.ok(!existsSync(idx) && !existsSync(csv));
  });

  test('a graph with a problem names the node; an input that is not an image names the shape', async () => {
    const broken = fresh();
    await refuses(
      writeJob({ project: project(null, (p) => (p.graph.nodes.find((n) => n.id === 'conv')!.params['filters'] = 0)), outDir: broken }),
      'invalid-graph',
      /^Node "conv": /,
    );
    const twoChannels = fresh();
    await refuses(
      writeJob({ project: project(null, (p) => (p.graph.nodes.find((n) => n.id === 'input')!.params['shape'] = [8, 8, 2])), outDir: twoChannels }),
      'invalid-graph',
      /^The Input's shape \[8,8,2\] is not an image \[height, width, 1 or 3\]\.$/,
      /Set the Input shape to e\.g\. \[28, 28, 1\] or \[64, 64, 3\]/,
    );
    assert.ok(!existsSync(broken) && !existsSync(twoChannels));
  });

  test('a problem of the whole graph (no Output) is given without a node', async () => {
    const out = fresh();
    await refuses(
      writeJob({ project: project(null, (p) => ((p.graph.nodes = p.graph.nodes.filter((n) => n.type !== 'Output')), (p.graph.edges = p.graph.edges.filter((e) => e.target !== 'output')))), outDir: out }),
      'invalid-graph',
      /^The graph has no Output node, so nothing says which layer makes the prediction\.$/,
      /Add an Output node/,
    );
    assert.ok(!existsSync(out));
  });

  test('an output that does not fit the classes the data has names the node', async () => {
    const twoClasses = join(temp.dir, 'two-classes');
    const { cp } = await import('node:fs/promises');
    for (const name of ['checks', 'vertical']) await cp(join(images, name), join(twoClasses, name), { recursive: true });
    const out = fresh();
    await refuses(writeJob({ project: project(null), dataPath: twoClasses, outDir: out }), 'invalid-graph', /^Node "dense": .*3.*2|^Node "dense": .*2.*3/);
    assert.ok(!existsSync(out));
  });

  test('an --out folder holding other files, or an --out that is a file, is not written over', async () => {
    const out = fresh();
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    await refuses(writeJob({ project: project(null), outDir: out }), 'job-folder-not-empty', new RegExp(`${out} already holds files that are not a job's \\(e\\.g\\. "notes\\.txt"\\)`));
    assert.deepEqual(await readdir(out), ['notes.txt']);
    const file = join(temp.dir, 'a-file');
    await writeFile(file, 'x');
    await refuses(writeJob({ project: project(null), outDir: file }), 'job-folder-not-empty', new RegExp(`\\(e\\.g\\. "${file}"\\)`));
    assert.equal(await readFile(file, 'utf8'), 'x');
  });
});

after(() => {
  // Every model writeJob built was disposed: nothing it made stays in memory.
  assert.equal(tf.memory().numTensors, 0);
});
