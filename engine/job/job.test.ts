/**
 * The PyTorch training job end to end, on the 600 real Fashion-MNIST PNGs of
 * resources/sample-data: `convnet-studio job` writes the folder, Debian's
 * torchrun trains it on two gloo processes, and the run folder comes back
 * into the studio (evaluate, run.read, runs add) with the accuracy train.py
 * reported. One job and a few short trainings (3 epochs each) are shared by
 * every assertion: two processes, one process, one killed and resumed, and
 * the studio's own (wasm) training of the same recipe.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../engine.js';
import { selectBackend } from '../backend/select.js';
import { readRun } from '../train/readRun.js';
import { loadModelFolder } from '../model/modelFiles.js';
import { decodeForModel, inputSpecOf } from '../evaluate/preprocess.js';
import { normalizeBytes } from '../data/batches.js';
import { decodeImageInto } from '../data/decode.js';
import type { ProjectFile } from '../project/schema.js';
import type { FinishedEvent } from '../protocol.js';
import { PYTHON } from '../testing/exportFixtures.js';
import { writeJob } from './writeJob.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/convnet-studio.js');
const DATA = join(ROOT, 'resources/sample-data/fashion-mnist/images');
const TEST_DATA = join(DATA, 'test');
const SAMPLE_PROJECT = join(ROOT, 'resources/sample-project/fashion-mnist.cnnstudio.json');

let work: string;
let projectPath: string;
let jobDir: string;
const runs: Record<'two' | 'one' | 'resumed' | 'studio', string> = { two: '', one: '', resumed: '', studio: '' };

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A child process to its end; one that runs past `timeoutMs` (a hung process group) is terminated, so the test fails instead of waiting. */
function run(command: string, args: string[], options: { cwd?: string; onSpawn?: (pid: number) => void; timeoutMs?: number } = {}): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? work, env: { ...process.env, FORCE_COLOR: '0' } });
    options.onSpawn?.(child.pid!);
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 300_000);
    child.on('close', () => clearTimeout(timer));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const studio = (...args: string[]) => run(process.execPath, [BIN, ...args]);
const trainPy = (...args: string[]) => run(PYTHON, [join(jobDir, 'train.py'), ...args]);

async function lines(runDir: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(join(runDir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function finishedOf(runDir: string): Promise<FinishedEvent & { test?: { accuracy: number; loss: number; count: number } }> {
  const end = (await lines(runDir)).find((e) => e.type === 'finished');
  assert.ok(end, `${runDir} has no finished line`);
  return end as unknown as FinishedEvent & { test?: { accuracy: number; loss: number; count: number } };
}

function epochLines(events: Array<Record<string, unknown>>): Array<Record<string, number>> {
  return events.filter((e) => e.type === 'epoch') as Array<Record<string, number>>;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cnnstudio-job-'));
  const sample = JSON.parse(await readFile(SAMPLE_PROJECT, 'utf8')) as ProjectFile;
  // The sample recipe, with augmentation off so the studio and PyTorch see the same pixels, batches and initial weights.
  const project: ProjectFile = {
    ...sample,
    data: {
      ...sample.data,
      path: DATA,
      augmentation: Object.fromEntries(Object.entries(sample.data.augmentation!).map(([k, v]) => [k, typeof v === 'boolean' ? false : 0])) as never,
    },
    training: { ...sample.training, epochs: 3, optimizer: { ...sample.training.optimizer, learningRate: 0.002 } as never },
    runs: [],
  };
  projectPath = join(work, 'fashion.cnnstudio.json');
  await writeFile(projectPath, JSON.stringify(project, null, 2));
  jobDir = join(work, 'job');
  const made = await studio('job', projectPath, '--out', jobDir);
  assert.equal(made.code, 0, made.stderr);

  runs.two = join(work, 'run-two');
  // Debian's torch 1.13 under Python 3.11 cannot parse torchrun's default --redirects/--tee ("0"); 1 works and shows rank 0's output.
  const two = await run('torchrun', ['--standalone', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', join(jobDir, 'train.py'), '--data', DATA, '--out', runs.two]);
  assert.equal(two.code, 0, two.stderr.slice(-2000));

  runs.one = join(work, 'run-one');
  const one = await trainPy('--data', DATA, '--out', runs.one);
  assert.equal(one.code, 0, one.stderr);

  runs.studio = join(work, 'run-studio');
  const s = await studio('train', projectPath, '--out', runs.studio, '--backend', 'wasm');
  assert.equal(s.code, 0, s.stderr);
  await selectBackend('auto');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('job writes model.py, train.py, job.json (the recipe as data), the studio model and a README with the commands', async () => {
  const recipe = JSON.parse(await readFile(join(jobDir, 'job.json'), 'utf8'));
  assert.equal(recipe.format, 'convnet-studio.job');
  assert.deepEqual(recipe.classNames, ['Ankle_boot', 'Bag', 'Coat', 'Dress', 'Pullover', 'Sandal', 'Shirt', 'Sneaker', 'T-shirt_top', 'Trouser']);
  assert.deepEqual(recipe.input, { height: 28, width: 28, channels: 1 });
  assert.equal(recipe.training.epochs, 3);
  assert.equal(recipe.training.optimizer.learningRate, 0.002);
  assert.equal(recipe.data.validationSplit, 0.2);
  assert.deepEqual(recipe.data.preprocessing, { resize: 'stretch', normalization: 'zero-one' });
  assert.ok(recipe.weights.some((w: { key: string }) => w.key === 'conv1/kernel'));
  const readme = await readFile(join(jobDir, 'README.md'), 'utf8');
  assert.match(readme, /torchrun --standalone --nproc_per_node=<N> train\.py --data <image folder> --out <run folder>/);
  assert.match(readme, /convnet-studio evaluate <run folder>/);
  assert.match(await readFile(join(jobDir, 'model.py'), 'utf8'), /class ConvnetStudioModel\(nn\.Module\)/);
});

test('torchrun on 2 processes finishes with every epoch in metrics.jsonl, and the studio evaluates it to the accuracy train.py reported', async () => {
  const events = await lines(runs.two);
  assert.equal(events[0]!.type, 'run-started');
  assert.equal(events[0]!.worldSize, 2);
  assert.equal(events[0]!.batchSize, 32);
  assert.equal(events[0]!.perProcessBatch, 16);
  assert.deepEqual(epochLines(events).map((e) => e.epoch), [1, 2, 3]);
  const back = await readRun(runs.two);
  assert.equal(back.status, 'completed');
  assert.equal(back.epochs.length, 3);
  const end = await finishedOf(runs.two);
  assert.ok(end.test && end.test.count === 100, 'train.py reports the test split it held');
  for (const file of ['run.json', 'split.json', 'model/model.json', 'model/weights.bin', 'checkpoints/epoch-003/model.json']) assert.ok(existsSync(join(runs.two, file)), file);
  const runJson = JSON.parse(await readFile(join(runs.two, 'run.json'), 'utf8'));
  assert.equal(runJson.backend.name, 'pytorch');
  assert.equal(runJson.backend.distributed, 'gloo');

  const engine = new Engine();
  const report = await engine.execute({ type: 'model.evaluate', model: runs.two, dataPath: TEST_DATA });
  assert.equal(report.count, 100);
  assert.ok(Math.abs(report.accuracy - end.test!.accuracy) < 1e-9, `studio ${report.accuracy} vs train.py ${end.test!.accuracy}`);
  assert.ok(report.accuracy > 0.3, `it learned (${report.accuracy})`);
});

test('1 process and 2 processes give the same run for the same global batch and seed', async () => {
  const one = epochLines(await lines(runs.one));
  const two = epochLines(await lines(runs.two));
  assert.equal(one.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(one[i]!.loss! - two[i]!.loss!) < 2e-3, `epoch ${i + 1} loss ${one[i]!.loss} vs ${two[i]!.loss}`);
    assert.ok(Math.abs(one[i]!.valLoss! - two[i]!.valLoss!) < 2e-3, `epoch ${i + 1} val loss ${one[i]!.valLoss} vs ${two[i]!.valLoss}`);
  }
  const a = await loadModelFolder(join(runs.one, 'model'));
  const b = await loadModelFolder(join(runs.two, 'model'));
  const difference = Math.max(...a.model.getWeights().map((w, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(w, b.model.getWeights()[i]!))).dataSync()[0]!)));
  a.model.dispose();
  b.model.dispose();
  // Adam divides by the gradients' own size, so summation-order differences of the all-reduce grow to ~1e-3 over 3 epochs.
  assert.ok(difference < 5e-3, `weights differ by ${difference}`);
  assert.equal((await finishedOf(runs.one)).metrics.valAccuracy, (await finishedOf(runs.two)).metrics.valAccuracy);
});

test('the job trains on exactly the split the studio makes, and reaches the studio’s test accuracy within 3 points', async () => {
  const splitOf = async (dir: string) => {
    const { train, validation, test: testSplit, classNames } = JSON.parse(await readFile(join(dir, 'split.json'), 'utf8'));
    return { train, validation, test: testSplit, classNames };
  };
  assert.deepEqual(await splitOf(runs.two), await splitOf(runs.studio));
  const engine = new Engine();
  const studioReport = await engine.execute({ type: 'model.evaluate', model: runs.studio, dataPath: TEST_DATA });
  const job = (await finishedOf(runs.two)).test!.accuracy;
  assert.ok(Math.abs(studioReport.accuracy - job) <= 0.03 + 1e-9, `studio ${studioReport.accuracy} vs job ${job}`);
});

test('the weights round-trip: the studio’s predictions on the job’s model equal PyTorch’s own within 1e-4 on real images', async () => {
  const files = ['Bag', 'Coat', 'Sneaker', 'Trouser', 'Shirt'].flatMap((c) => [0, 1, 2].map((i) => ({ c, i })));
  const { readdir } = await import('node:fs/promises');
  const images: string[] = [];
  for (const { c, i } of files) images.push(join(TEST_DATA, c, (await readdir(join(TEST_DATA, c))).sort()[i]!));
  const script = `
import json, sys, importlib.util, torch
sys.path.insert(0, ${JSON.stringify(jobDir)})
spec = importlib.util.spec_from_file_location("train", ${JSON.stringify(join(jobDir, 'train.py'))})
train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
module = train.load_model_module()
model = module.ConvnetStudioModel()
model.load_state_dict(torch.load(${JSON.stringify(join(runs.two, 'model', 'pytorch.pt'))}))
model.eval()
meta = json.load(open(${JSON.stringify(join(runs.two, 'model', 'model.json'))}))["userDefinedMetadata"]
inputs = train.Inputs(meta["preprocessing"]["normalization"], {"noise": 0}, 0, torch.device("cpu"))
batch = torch.stack([torch.from_numpy(train.decode_image(p, 28, 28, 1, "stretch")) for p in ${JSON.stringify(images)}])
with torch.no_grad():
    print(json.dumps(model(inputs(batch)).tolist()))
`;
  const python = await run(PYTHON, ['-c', script]);
  assert.equal(python.code, 0, python.stderr);
  const torchOut = JSON.parse(python.stdout) as number[][];

  const { model, metadata } = await loadModelFolder(join(runs.two, 'model'));
  const spec = inputSpecOf(metadata.inputShape as number[], metadata.preprocessing, 'the job model');
  let largest = 0;
  for (let k = 0; k < images.length; k++) {
    const bytes = await decodeForModel(images[k]!, spec);
    const studioOut = tf.tidy(() => (model.predict(tf.tensor4d(normalizeBytes(bytes, 1, { mode: 'zero-one', mean: spec.mean, std: spec.std }), [1, 28, 28, 1])) as tf.Tensor).dataSync());
    studioOut.forEach((v, j) => (largest = Math.max(largest, Math.abs(v - torchOut[k]![j]!))));
  }
  model.dispose();
  assert.ok(largest < 1e-4, `largest difference ${largest}`);
});

test('augmentation follows the studio’s rules: a flip mirrors the image or leaves it, a shift moves it whole pixels with black behind', async () => {
  const script = `
import json, importlib.util, torch
spec = importlib.util.spec_from_file_location("train", ${JSON.stringify(join(jobDir, 'train.py'))})
train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
off = {k: 0 for k in ["rotation", "zoom", "translation", "crop", "brightness", "contrast", "saturation", "noise", "cutout"]}
x = torch.rand(16, 6, 5, 1, dtype=torch.float32)
flipped = train.augment(x, {**off, "horizontalFlip": True, "verticalFlip": False}, list(range(16)))
kinds = ["same" if torch.allclose(f, i, atol=1e-6) else "mirrored" if torch.allclose(f, i.flip(1), atol=1e-6) else "other" for f, i in zip(flipped, x)]
draw = train.draw_image(train.Mulberry32(7), {**off, "horizontalFlip": False, "verticalFlip": False, "translation": 0.4}, 6, 5)
print(json.dumps({"kinds": kinds, "shift": draw["transform"]}))
`;
  const out = await run(PYTHON, ['-c', script]);
  assert.equal(out.code, 0, out.stderr);
  const { kinds, shift } = JSON.parse(out.stdout) as { kinds: string[]; shift: number[] };
  assert.ok(kinds.includes('same') && kinds.includes('mirrored'), kinds.join(','));
  assert.ok(!kinds.includes('other'), kinds.join(','));
  // Translation alone: identity rotation and scale, offsets of at most 0.4 of each side.
  assert.deepEqual([shift[0], shift[1], shift[3], shift[4]].map((v) => v! + 0), [1, 0, 0, 1]);
  assert.ok(Math.abs(shift[2]!) <= 0.4 * 5 && Math.abs(shift[5]!) <= 0.4 * 6 && (shift[2] !== 0 || shift[5] !== 0));
});

test('train.py decodes, flattens and resizes images to the studio’s pixels exactly, in every resize mode', async () => {
  const { readdir } = await import('node:fs/promises');
  const sharp = (await import('sharp')).default;
  const bags = (await readdir(join(TEST_DATA, 'Bag'))).sort().slice(0, 3).map((f) => join(TEST_DATA, 'Bag', f));
  // An RGBA PNG with a transparency gradient: alpha is flattened onto black before resizing.
  const rgba = join(work, 'rgba.png');
  const pixels = Buffer.alloc(23 * 19 * 4);
  for (let i = 0; i < 23 * 19; i++) pixels.set([(i * 7) % 256, (i * 13) % 256, (i * 29) % 256, (i * 11) % 256], i * 4);
  await sharp(pixels, { raw: { width: 23, height: 19, channels: 4 } }).png().toFile(rgba);
  const files = [...bags, rgba];
  const cases = [['stretch', 20, 17, 1], ['center-crop', 40, 24, 3], ['letterbox', 13, 31, 3], ['stretch', 56, 56, 1]] as const;
  const studioPixels: number[][] = [];
  for (const [mode, height, width, channels] of cases) {
    for (const file of files) {
      const target = new Uint8Array(height * width * channels);
      await decodeImageInto(file, { height, width, channels }, target, mode);
      studioPixels.push(Array.from(target));
    }
  }
  const script = `
import json, importlib.util, numpy as np
spec = importlib.util.spec_from_file_location("train", ${JSON.stringify(join(jobDir, 'train.py'))})
train = importlib.util.module_from_spec(spec); spec.loader.exec_module(train)
out = [train.decode_image(f, h, w, c, mode).reshape(-1).tolist() for mode, h, w, c in ${JSON.stringify(cases)} for f in ${JSON.stringify(files)}]
print(json.dumps(out))
`;
  const python = await run(PYTHON, ['-c', script]);
  assert.equal(python.code, 0, python.stderr);
  const pythonPixels = JSON.parse(python.stdout) as number[][];
  assert.equal(pythonPixels.length, studioPixels.length);
  pythonPixels.forEach((p, k) => assert.deepEqual(p, studioPixels[k], `case ${k}`));
});

test('a job killed mid-epoch resumes from its last checkpoint and ends as the uninterrupted run', async () => {
  runs.resumed = join(work, 'run-resumed');
  let pid = 0;
  const first = run(PYTHON, [join(jobDir, 'train.py'), '--data', DATA, '--out', runs.resumed], { onSpawn: (p) => (pid = p) });
  // Freeze it the moment epoch 1's checkpoint is logged (epoch 2 has begun), check, then kill it.
  const log = join(runs.resumed, 'metrics.jsonl');
  for (;;) {
    const text = existsSync(log) ? await readFile(log, 'utf8') : '';
    if (text.includes('"type": "checkpoint"')) break;
    if (text.includes('"type": "finished"')) assert.fail('the run ended before it could be killed');
    await new Promise((r) => setTimeout(r, 5));
  }
  process.kill(pid, 'SIGSTOP');
  const before = epochLines(await lines(runs.resumed));
  process.kill(pid, 'SIGKILL');
  const killed = await first;
  assert.equal(killed.code, null, 'killed by a signal');
  assert.deepEqual(before.map((e) => e.epoch), [1], 'killed inside epoch 2');

  const resumed = await trainPy('--data', DATA, '--out', runs.resumed, '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  const events = await lines(runs.resumed);
  assert.deepEqual(epochLines(events).map((e) => e.epoch), [1, 2, 3], 'every epoch once');
  assert.ok(events.some((e) => e.type === 'resumed' && e.epoch === 2));
  const a = await finishedOf(runs.resumed);
  const b = await finishedOf(runs.one);
  assert.ok(Math.abs(a.metrics.loss - b.metrics.loss) < 1e-6, `${a.metrics.loss} vs ${b.metrics.loss}`);
  assert.equal(a.metrics.valAccuracy, b.metrics.valAccuracy);
});

test('runs add records a PyTorch run in the project history, once', async () => {
  const recorded = (JSON.parse(await readFile(projectPath, 'utf8')) as ProjectFile).runs.length;
  const added = await studio('runs', 'add', projectPath, runs.two);
  assert.equal(added.code, 0, added.stderr);
  const project = JSON.parse(await readFile(projectPath, 'utf8')) as ProjectFile;
  assert.equal(project.runs.length, recorded + 1);
  const record = project.runs.at(-1)!;
  assert.equal(record.folder, 'run-two');
  assert.equal(record.status, 'finished');
  assert.equal(record.bestEpoch, 3);
  assert.equal(record.metrics.valAccuracy, (await finishedOf(runs.two)).metrics.valAccuracy);
  const again = await studio('runs', 'add', projectPath, runs.two);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already in the history/);
});

test('train.py refuses bad input in one line before any work', async () => {
  const out = join(work, 'never');
  const other = join(work, 'other-classes');
  for (const name of ['Bag', 'Cat']) {
    await mkdir(join(other, name), { recursive: true });
    await cp(join(TEST_DATA, 'Bag'), join(other, name), { recursive: true });
  }
  const cudaHere = (await run(PYTHON, ['-c', 'import torch; print(torch.cuda.is_available())'])).stdout.trim() === 'True';
  const [missing, classes, gpu, resume] = await Promise.all([
    trainPy('--data', join(work, 'no-such-folder'), '--out', out),
    trainPy('--data', other, '--out', out),
    // No CUDA device on the build machines: the real refusal is what runs here (skipped where CUDA exists).
    cudaHere ? null : trainPy('--data', DATA, '--out', out, '--device', 'cuda'),
    trainPy('--data', DATA, '--out', out, '--resume'),
  ]);
  const oneLine = (exit: Exit, pattern: RegExp) => {
    assert.equal(exit.code, 2, exit.stderr);
    assert.equal(exit.stderr.trim().split('\n').length, 1, exit.stderr);
    assert.match(exit.stderr.trim(), pattern);
  };
  oneLine(missing, /^train\.py: data folder .*no-such-folder does not exist$/);
  oneLine(classes, /^train\.py: the classes of .* differ from the project's \(missing \['Ankle_boot', .*\]; not in the project \['Cat'\]\)/);
  if (gpu) oneLine(gpu, /^train\.py: --device cuda was asked for, but this PyTorch sees no CUDA device/);
  oneLine(resume, /^train\.py: --resume: .* has no checkpoint/);
  assert.ok(!existsSync(out), 'no run folder was started');
});

test('job refuses a project the PyTorch exporter refuses, naming the layer, and writes nothing', async () => {
  const project = JSON.parse(await readFile(projectPath, 'utf8')) as ProjectFile;
  // A BatchNormalization over the rows (axis 1), not the channels: PyTorch's BatchNorm cannot express it.
  const edge = project.graph.edges.find((e) => e.source === 'conv1' && e.target === 'pool1')!;
  project.graph.nodes.push({ id: 'rows_bn', type: 'BatchNormalization', params: { axis: 1 }, position: { x: 0, y: 150 } });
  project.graph.edges = [...project.graph.edges.filter((e) => e !== edge), { id: 'e-bn-in', source: 'conv1', target: 'rows_bn' }, { id: 'e-bn-out', source: 'rows_bn', target: 'pool1' }];
  const out = join(work, 'refused-job');
  await assert.rejects(writeJob({ project, outDir: out }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'unsupported-layer');
    assert.match(e.message, /Layer "rows_bn" \(BatchNormalization\) cannot be exported to PyTorch/);
    return true;
  });
  assert.ok(!existsSync(out));
});
