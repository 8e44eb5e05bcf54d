/**
 * The engine bundles (scripts/build.ts → dist/engine) run as plain JavaScript:
 * built into a temporary folder whose node_modules holds every package but
 * tsx and esbuild, and started with no loader flags, the bundled CLI, the
 * engine process and the decode worker do real work on real files. Were any
 * of them to reach for TypeScript or tsx at run time, the import would fail.
 */
import { strict as assert } from 'node:assert';
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ensureEngineBuilt, ROOT } from '../../scripts/build.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import type { DecodeRequest, DecodeResponse } from '../data/decodePool.js';

/** Packages a user's install does not have: the bundles must not need them. */
const DEVELOPMENT_ONLY = new Set(['tsx', 'esbuild', '@esbuild', '.bin']);
const PER_CLASS = 4;
const SIZE = 12;

let root: string;
let bundles: string;
let images: string;
/** The children's environment: no NODE_OPTIONS that could slip a loader in, and no CONVNET_STUDIO_RUN_SOURCES (set by `npm run coverage`) that would send the launcher to the sources. */
const env = { ...process.env };
delete env.NODE_OPTIONS;
delete env.CONVNET_STUDIO_RUN_SOURCES;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cnnstudio-bundle-'));
  bundles = await ensureEngineBuilt({ outDir: join(root, 'dist', 'engine'), force: true });
  await mkdir(join(root, 'node_modules'));
  for (const entry of await readdir(join(ROOT, 'node_modules'))) {
    if (!DEVELOPMENT_ONLY.has(entry)) await symlink(join(ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  images = await writePatternFolder({ perClass: PER_CLASS, size: SIZE, seed: 7 });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(images, { recursive: true, force: true });
});

function runCli(args: string[], program = join(bundles, 'cli.mjs')): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [program, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the bundled CLI answers info --json and validates a new project without tsx', async () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const info = await runCli(['info', '--json']);
  assert.equal(info.code, 0, info.stderr);
  const line = JSON.parse(info.stdout.trim().split('\n').at(-1)!) as { type: string; version: string; backends: { name: string; available: boolean }[] };
  assert.equal(line.type, 'info');
  assert.equal(line.version, version, 'the bundle carries the version of package.json');
  assert.ok(line.backends.some((b) => b.name === 'cpu' && b.available));

  const project = join(root, 'seed.cnnstudio.json');
  const created = await runCli(['new', project, '--template', 'seed-cnn']);
  assert.equal(created.code, 0, created.stderr);
  const validated = await runCli(['validate', project, '--json']);
  assert.equal(validated.code, 0, validated.stderr);
  const report = JSON.parse(validated.stdout.trim().split('\n').at(-1)!) as { type: string; valid: boolean; nodes: Record<string, { params: number }> };
  assert.equal(report.type, 'validation');
  assert.equal(report.valid, true);
  assert.equal(report.nodes['conv1']?.params, 320);

  // A broken project is refused by the bundle too, with the exit code for invalid input.
  await writeFile(join(root, 'broken.cnnstudio.json'), '{ "not": "a project"');
  const broken = await runCli(['validate', join(root, 'broken.cnnstudio.json')]);
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
});

test('the bundled CLI trains a tiny CNN on wasm on two threads, whose kernels and replica worker it loads from beside the bundle', async () => {
  const project = join(root, 'tiny.cnnstudio.json');
  await writeFile(project, JSON.stringify(tinyCnnProject({ size: SIZE, pool: true })));
  const runDir = join(root, 'run');
  const run = await runCli(['train', project, '--data', images, '--epochs', '1', '--batch-size', '4', '--backend', 'wasm', '--threads', '2', '--out', runDir, '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  // Two threads: the training replica's worker (replicaWorker.mjs) starts from beside the bundle, without tsx.
  const started = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; threads?: number }).find((e) => e.type === 'run-started');
  assert.equal(started?.threads, 2);
  const finished = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { type: string; status: string; epochs: number };
  assert.deepEqual([finished.type, finished.status, finished.epochs], ['finished', 'completed', 1]);
  assert.ok(readFileSync(join(runDir, 'model', 'model.json'), 'utf8').includes('modelTopology'));

  // The job's train.py is read from beside the bundle as well: the same file as the source's.
  const jobDir = join(root, 'job');
  const job = await runCli(['job', project, '--out', jobDir, '--data', images]);
  assert.equal(job.code, 0, job.stdout + job.stderr);
  assert.equal(readFileSync(join(jobDir, 'train.py'), 'utf8'), readFileSync(join(ROOT, 'engine', 'job', 'train.py'), 'utf8'));
});

test('the bundled decode worker decodes real PNG files', async () => {
  const folder = join(images, 'checks');
  const paths = (await readdir(folder)).map((name) => join(folder, name));
  const worker = new Worker(new URL(pathToFileURL(join(bundles, 'decodeWorker.mjs'))), { execArgv: [], env });
  try {
    const request: DecodeRequest = { id: 1, paths, input: { height: SIZE, width: SIZE, channels: 1 }, resize: 'stretch' };
    const response = await new Promise<DecodeResponse>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(request);
    });
    assert.deepEqual(response.outcomes, paths.map(() => 'ok'));
    // Stripes of 200 and 50 with noise: a decoded image is neither blank nor flat.
    const first = response.pixels.subarray(0, SIZE * SIZE);
    assert.ok(Math.max(...first) > 150 && Math.min(...first) < 100, `pixels ${Math.min(...first)}..${Math.max(...first)}`);
  } finally {
    await worker.terminate();
  }
});

test('the bundled engine process summarises a real image folder through its decode workers, without tsx', async () => {
  const child = fork(join(bundles, 'engineProcess.mjs'), ['--backend', 'cpu'], { cwd: root, env, execArgv: [], serialization: 'json', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const response = await new Promise<{ ok: boolean; result?: { total: number; classNames: string[] }; error?: unknown }>((resolve, reject) => {
      child.on('message', (message: { client: number | null; text: string }) => {
        const parsed = JSON.parse(message.text) as { kind: string; id?: number };
        if (message.client === 1 && parsed.kind === 'response' && parsed.id === 1) resolve(parsed as never);
      });
      child.on('exit', (code) => reject(new Error(`the engine exited (${code}): ${stderr}`)));
      child.on('error', reject);
      const command = { type: 'data.summary', data: { kind: 'image-folder', path: images, validationSplit: 0.25, seed: 1 }, verify: true };
      // With a callback a send to an engine that already died is this promise's failure, not an 'error' event nobody hears.
      child.send({ client: 1, frame: JSON.stringify({ kind: 'request', id: 1, command }) }, (error) => error && reject(error));
    });
    assert.equal(response.ok, true, JSON.stringify(response.error));
    assert.equal(response.result!.total, 3 * PER_CLASS);
    assert.deepEqual(response.result!.classNames, ['checks', 'horizontal', 'vertical']);
    // The pool says when its workers cannot load and it falls back to the main thread.
    assert.doesNotMatch(stderr, /decode worker/i);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      await exited;
    }
  }
});

test('bin/convnet-studio.js runs a fresh bundle, and without tsx says how to rebuild a stale one', async () => {
  // The launcher as an installed CLI has it: bin/ and the staleness check beside dist/, no tsx.
  await mkdir(join(root, 'bin'));
  await mkdir(join(root, 'scripts'));
  await copyFile(join(ROOT, 'bin', 'convnet-studio.js'), join(root, 'bin', 'convnet-studio.js'));
  await copyFile(join(ROOT, 'scripts', 'staleness.mjs'), join(root, 'scripts', 'staleness.mjs'));
  const bin = join(root, 'bin', 'convnet-studio.js');
  const fresh = await runCli(['info', '--json'], bin);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal((JSON.parse(fresh.stdout.trim().split('\n').at(-1)!) as { type: string }).type, 'info');

  // An engine source newer than the bundle: the bin would need tsx to run the sources, and there is none.
  await mkdir(join(root, 'engine'));
  await writeFile(join(root, 'engine', 'changed.ts'), 'export {};\n');
  const later = new Date(Date.now() + 60_000);
  await utimes(join(root, 'engine', 'changed.ts'), later, later);
  const stale = await runCli(['info', '--json'], bin);
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /cli\.mjs is older than the engine's sources/);
  assert.match(stale.stderr, /npm run build/);
});
