/**
 * The CLI as a user runs it: the real bin script in a child process, on real
 * project files and a real folder of PNG images. Bad input must give a
 * one-line error with a hint and a non-zero exit, never a stack trace.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { runNode } from '../testing/nodeChild.js';

const BIN = resolve(import.meta.dirname, '../../bin/convnet-studio.js');
let work: string;
let data: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cnnstudio-cli-'));
  data = await writePatternFolder({ perClass: 12, size: 12, seed: 3 });
});

after(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

const cli = (...args: string[]) => runNode([BIN, ...args], { cwd: work, env: { ...process.env, FORCE_COLOR: '0' } });

/** A user error: non-zero exit, the message, and no stack trace. */
function assertCleanError(r: { code: number; stderr: string }, code: number, pattern: RegExp) {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, pattern);
  assert.match(r.stderr, /^convnet-studio: .+\n {2}hint: .+\n$/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('new → validate → train --json on real image files ends with `finished`', async () => {
  const created = await cli('new', 'p.cnnstudio.json', '--template', 'seed-cnn');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created p\.cnnstudio\.json \(\d+ layers, 93,322 parameters\)/);

  const valid = await cli('validate', 'p.cnnstudio.json');
  assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  assert.match(valid.stdout, /Total params: 93,322/);
  assert.match(valid.stdout, /is valid/);

  // The template has 10 outputs and the folder 3 classes: refused, naming the layer and the fix.
  const mismatch = await cli('train', 'p.cnnstudio.json', '--data', data, '--epochs', '1');
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /Node "(\w+)", parameter units: The model outputs 10 values but the data has 3 classes\..*\n {2}hint: Set units of "\1" to 3\./);

  const project = JSON.parse(await readFile(join(work, 'p.cnnstudio.json'), 'utf8'));
  project.graph.nodes.filter((n: { type: string }) => n.type === 'Dense').at(-1).params.units = 3;
  await writeFile(join(work, 'p3.cnnstudio.json'), JSON.stringify(project));
  const run = await cli('train', 'p3.cnnstudio.json', '--data', data, '--epochs', '1', '--batch-size', '8', '--threads', '2', '--json', '--out', join(work, 'run1'));
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(events.every((e) => typeof e.type === 'string'), 'every line is an event with a type');
  const epoch = events.find((e) => e.type === 'epoch');
  for (const key of ['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy']) assert.equal(typeof epoch[key], 'number', key);
  const last = events.at(-1);
  assert.equal(last.type, 'finished');
  assert.equal(last.runDir, join(work, 'run1'));
  assert.ok(existsSync(join(work, 'run1', 'model', 'model.json')));
  assert.equal(typeof last.metrics.valAccuracy, 'number');
  // --threads 2 on a CPU backend: the engine's thread and one worker replica, recorded (a GPU backend would say 1).
  const started = events.find((e) => e.type === 'run-started');
  const used = started.backend === 'wasm' || started.backend === 'cpu' ? 2 : 1;
  assert.equal(started.threads, used);
  assert.deepEqual(JSON.parse(await readFile(join(work, 'run1', 'run.json'), 'utf8')).threads, { requested: 2, used });
});

test('validate lists every problem with its node and exits 1', async () => {
  const project = JSON.parse(await readFile(join(work, 'p.cnnstudio.json'), 'utf8').catch(async () => {
    await cli('new', 'p.cnnstudio.json');
    return readFile(join(work, 'p.cnnstudio.json'), 'utf8');
  }));
  const conv = project.graph.nodes.find((n: { type: string }) => n.type === 'Conv2D');
  conv.params.kernal_size = 3;
  const dense = project.graph.nodes.filter((n: { type: string }) => n.type === 'Dense').at(-1);
  dense.params.units = 'ten';
  await writeFile(join(work, 'broken.json'), JSON.stringify(project));
  const r = await cli('validate', 'broken.json');
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`node "${conv.id}", kernal_size: [^\\n]*\\n\\s+fix: Did you mean kernel_size\\?`));
  assert.match(r.stdout, new RegExp(`node "${dense.id}", units`));
  const json = await cli('validate', 'broken.json', '--json');
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.equal(report.valid, false);
  assert.ok(report.problems.some((p: { nodeId: string; param: string }) => p.nodeId === conv.id && p.param === 'kernal_size'));
});

test('bad input gets one clear line and a non-zero exit, never a stack trace', async () => {
  await writeFile(join(work, 'notjson.json'), 'this is not json');
  assertCleanError(await cli('validate', 'notjson.json'), 1, /notjson\.json is not valid JSON/);
  await writeFile(join(work, 'future.json'), JSON.stringify({ format: 'convnet-studio.project', version: 7, graph: { nodes: [], edges: [] } }));
  assertCleanError(await cli('validate', 'future.json'), 1, /newer Convnet Studio/);
  assertCleanError(await cli('validate', 'missing.json'), 1, /missing\.json does not exist/);
  if (!existsSync(join(work, 'p.cnnstudio.json'))) await cli('new', 'p.cnnstudio.json');
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--epochs', 'ten', '--data', data), 2, /--epochs must be a whole number of at least 1 \(got "ten"\)/);
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--epochs', '0', '--data', data), 2, /--epochs must be a whole number/);
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--threads', '0', '--data', data), 2, /--threads must be a whole number of at least 1 \(got "0"\)/);
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--threads', 'abc', '--data', data), 2, /--threads must be a whole number of at least 1 \(got "abc"\)/);
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--data', join(work, 'no-such-folder'), '--epochs', '1'), 1, /no-such-folder/);
  const oneClass = join(data, 'checks');
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--data', oneClass, '--epochs', '1'), 1, new RegExp(oneClass.replace(/[/.]/g, '\\$&')));
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--backend', 'quantum'), 2, /--backend must be one of auto, tensorflow, webgpu, wasm, cpu/);
  assertCleanError(await cli('new', 'p.cnnstudio.json'), 1, /already exists; not overwriting it/);
  assertCleanError(await cli('new', 'q.json', '--template', 'alexnet-9000'), 1, /alexnet-9000/);
  assertCleanError(await cli('frobnicate'), 2, /Unknown command "frobnicate"/);
  assertCleanError(await cli('train', 'p.cnnstudio.json', '--epoch', '3'), 2, /Unknown option --epoch\b/);
});

test('a --json failure ends with an error event line', async () => {
  if (!existsSync(join(work, 'p.cnnstudio.json'))) await cli('new', 'p.cnnstudio.json');
  const r = await cli('train', 'p.cnnstudio.json', '--data', join(work, 'nowhere'), '--json');
  assert.equal(r.code, 1);
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(last.type, 'error');
  assert.match(last.message, /nowhere/);
  assert.ok(last.hint.length > 0);
});

test('info lists the backends and says why the unavailable ones are', async () => {
  const r = await cli('info', '--json');
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.type, 'info');
  assert.deepEqual(info.backends.map((b: { name: string }) => b.name), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
  for (const b of info.backends) if (!b.available) assert.ok(b.reason && b.reason.length > 10, `${b.name} says why it is unavailable`);
  assert.ok(info.backends.find((b: { name: string }) => b.name === 'cpu').available);
  const human = await cli('info');
  assert.match(human.stdout, /Backends, in the order training picks them:/);
});

/** A 3-class copy of the seed template, written as a person might (with a field of their own). */
async function threeClassProject(name: string): Promise<Record<string, unknown>> {
  if (!existsSync(join(work, 'p.cnnstudio.json'))) await cli('new', 'p.cnnstudio.json');
  const project = JSON.parse(await readFile(join(work, 'p.cnnstudio.json'), 'utf8'));
  project.graph.nodes.filter((n: { type: string }) => n.type === 'Dense').at(-1).params.units = 3;
  project.notes = 'kept as written';
  await writeFile(join(work, name), JSON.stringify(project, null, 2) + '\n');
  return project;
}

test('train records the run in the project file: its folder relative to the file, its status, the rest unchanged', async () => {
  const before = await threeClassProject('hist.cnnstudio.json');
  const r = await cli('train', 'hist.cnnstudio.json', '--data', data, '--epochs', '1', '--batch-size', '8', '--out', join(work, 'runs', 'first'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'nothing extra is printed when the run is recorded');
  const after = JSON.parse(await readFile(join(work, 'hist.cnnstudio.json'), 'utf8'));
  assert.equal(after.runs.length, 1);
  const [record] = after.runs;
  assert.equal(record.folder, 'runs/first');
  assert.equal(record.status, 'finished');
  assert.match(record.id, /^run-/);
  assert.ok(!Number.isNaN(Date.parse(record.startedAt)));
  for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy']) assert.equal(typeof record.metrics[key], 'number', key);
  assert.deepEqual({ ...after, runs: [] }, before, 'everything but runs is as it was');
  // A run refused before training (this folder holds images, not class folders) is not recorded.
  const refused = await cli('train', 'hist.cnnstudio.json', '--data', join(data, 'checks'), '--epochs', '1');
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /Image folder ".*checks" has no class sub-folders\./);
  assert.equal(JSON.parse(await readFile(join(work, 'hist.cnnstudio.json'), 'utf8')).runs.length, 1);
});

test('a project file that became unreadable during the run gets one warning line; the exit code is the run’s', async () => {
  await threeClassProject('spoilt.cnnstudio.json');
  const child = spawn(process.execPath, [BIN, 'train', 'spoilt.cnnstudio.json', '--data', data, '--epochs', '2', '--batch-size', '8', '--json'], { cwd: work });
  let stdout = '';
  let stderr = '';
  let spoilt: Promise<void> | null = null;
  child.stdout.on('data', (d) => {
    stdout += d;
    // Overwritten while the run trains, as another tool might.
    if (!spoilt && stdout.includes('"type":"run-started"')) spoilt = writeFile(join(work, 'spoilt.cnnstudio.json'), '{ half a file');
  });
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number>((done, fail) => {
    child.on('close', (c) => done(c ?? -1));
    child.on('error', fail);
  });
  await spoilt;
  assert.equal(code, 0, stderr);
  assert.match(stderr, /^convnet-studio: warning: run run-\S+ was not recorded in spoilt\.cnnstudio\.json: it is not valid JSON any more .*\n$/);
  assert.equal(await readFile(join(work, 'spoilt.cnnstudio.json'), 'utf8'), '{ half a file', 'the file is left as it was found');
});
