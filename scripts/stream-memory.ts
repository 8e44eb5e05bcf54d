/**
 * The "more data than memory" check: trains the Seed CNN on a Fashion-MNIST
 * PNG folder with a memory budget far below the decoded dataset, and prints
 * the process's resident memory after every epoch, so a reader can see it
 * stay flat while every batch is read from disk.
 *
 *   node --import tsx scripts/stream-memory.ts [--data DIR] [--budget-mb N] [--epochs N] [--per-class N]
 *
 * DIR defaults to /tmp/fashion-folders (written from Debian's
 * dataset-fashion-mnist when missing); --per-class N trains on the first N
 * training images of each class (default: all 60 000).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine.js';
import { createProject } from '../engine/graph/templates.js';
import type { EngineEvent } from '../engine/protocol.js';

const { values } = parseArgs({
  options: { data: { type: 'string' }, 'budget-mb': { type: 'string' }, epochs: { type: 'string' }, 'per-class': { type: 'string' } },
});
const dataDir = values.data ?? '/tmp/fashion-folders';
const budgetMB = Number(values['budget-mb'] ?? 16);
const epochs = Number(values.epochs ?? 3);
if (!existsSync(dataDir)) {
  const made = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fashion-mnist-to-folders.ts', '--out', dataDir, ...(values['per-class'] ? ['--per-class', values['per-class']] : [])], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
}

const project = createProject('seed-cnn', 'stream-memory');
project.data = { ...project.data, path: dataDir, validationSplit: 0.1, cache: { memoryBudgetMB: budgetMB } };
project.training = { ...project.training, epochs, batchSize: 128 };
const runDir = await mkdtemp(join(tmpdir(), 'stream-memory-'));
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const engine = new Engine();
const ended = new Promise<EngineEvent>((resolve) =>
  engine.onEvent((event) => {
    if (event.type === 'run-started') {
      console.log(`mode ${event.dataLoading?.mode}: decoded dataset ${mib(event.dataLoading?.datasetBytes ?? 0)} MiB, budget ${mib(event.dataLoading?.budgetBytes ?? 0)} MiB; ${event.dataset.train} training images, ${event.batchesPerEpoch} batches per epoch`);
      console.log(`RSS at start: ${mib(process.memoryUsage().rss)} MiB`);
    }
    if (event.type === 'epoch') {
      const memory = process.memoryUsage();
      console.log(`epoch ${event.epoch}: RSS ${mib(memory.rss)} MiB, array buffers ${mib(memory.arrayBuffers)} MiB, tensors ${event.tensors}, ${event.seconds.toFixed(1)} s, val_acc ${event.valAccuracy?.toFixed(4)}`);
    }
    if (event.type === 'finished' || event.type === 'error') resolve(event);
  }),
);
await engine.execute({ type: 'train.start', project, options: { runDir } });
const end = await ended;
await engine.idle();
await rm(runDir, { recursive: true, force: true });
console.log(end.type === 'finished' ? `finished: ${end.status}` : `error: ${end.type === 'error' ? end.message : ''}`);
