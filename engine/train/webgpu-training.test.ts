/**
 * Training on the webgpu backend through the Engine, on real PNG files: the
 * run reaches the accuracy the wasm run reaches with the same seed, tensors
 * and GPU bytes stay flat from epoch to epoch, everything is freed after a
 * finished, a stopped and a failed run, and a GPU out-of-memory stops the
 * run with the batch size and the model size and keeps the checkpoint.
 *
 * Runs on SwiftShader here (engine/testing/swiftshader.ts), which is slow:
 * 12×12 images, 4 filters, 3 epochs. The out-of-memory itself cannot be
 * caused on SwiftShader without exhausting this machine's memory, so that
 * test hands the live device a real GPUOutOfMemoryError event, exactly as
 * WebGPU delivers one; the run's reaction to it is what is tested.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { webgpuSkipReason } from '../testing/swiftshader.js';
import { Engine } from '../engine.js';
import type { BackendPreference, EngineEvent, FinishedEvent, RunErrorEvent } from '../protocol.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { selectBackend } from '../backend/select.js';

const skip = await webgpuSkipReason();

let dataDir: string;
let runsDir: string;

before(async () => {
  dataDir = await writePatternFolder({ perClass: 20, size: 12, seed: 7 });
  runsDir = await mkdtemp(join(tmpdir(), 'cnnstudio-webgpu-runs-'));
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(runsDir, { recursive: true, force: true });
});

const project = () =>
  tinyCnnProject({
    size: 12,
    filters: 4,
    pool: true,
    data: { validationSplit: 0.25 },
    training: { epochs: 3, batchSize: 15, seed: 11, optimizer: { type: 'adam', learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
  });

/** What the GPU holds at each epoch's end, read as the epoch event arrives. */
interface EpochMemory {
  tensors: number;
  gpuBytes: number;
}

async function train(
  backend: BackendPreference,
  onEvent?: (e: EngineEvent, engine: Engine, runId: string) => void,
): Promise<{ end: FinishedEvent | RunErrorEvent; events: EngineEvent[]; memory: EpochMemory[]; runDir: string }> {
  const engine = new Engine({ backend });
  const events: EngineEvent[] = [];
  const memory: EpochMemory[] = [];
  let runId = '';
  const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) => {
    engine.onEvent((e) => {
      events.push(e);
      if (e.type === 'epoch') {
        const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
        memory.push({ tensors: m.numTensors, gpuBytes: m.numBytesInGPU ?? -1 });
      }
      onEvent?.(e, engine, runId);
      if (e.type === 'finished' || e.type === 'error') resolve(e);
    });
  });
  const runDir = join(runsDir, `${backend}-${Date.now()}`);
  ({ runId } = await engine.execute({ type: 'train.start', project: project(), options: { dataPath: dataDir, runDir } }));
  const end = await ended;
  await engine.idle();
  return { end, events, memory, runDir };
}

function finished(end: FinishedEvent | RunErrorEvent): FinishedEvent {
  assert.equal(end.type, 'finished', end.type === 'error' ? `run failed: ${end.message}` : '');
  return end as FinishedEvent;
}

test('webgpu trains to the wasm run\'s accuracy, with tensors and GPU bytes flat per epoch and all freed at the end', { skip }, async (t) => {
  await selectBackend('wasm');
  const wasm = finished((await train('wasm')).end);

  await selectBackend('webgpu');
  const tensorsBefore = tf.memory().numTensors;
  const run = await train('webgpu');
  const gpu = finished(run.end);
  const started = run.events.find((e) => e.type === 'run-started');
  assert.equal(started?.type === 'run-started' && started.backend, 'webgpu');
  assert.ok(started?.type === 'run-started' && started.adapter, 'run-started names the adapter');
  t.diagnostic(`validation accuracy: webgpu ${gpu.metrics.valAccuracy}, wasm ${wasm.metrics.valAccuracy}; per epoch ${JSON.stringify(run.memory)}`);

  assert.ok(gpu.metrics.valAccuracy! >= wasm.metrics.valAccuracy! - 0.05, `webgpu ${gpu.metrics.valAccuracy} vs wasm ${wasm.metrics.valAccuracy}`);
  assert.ok(gpu.metrics.valAccuracy! > 0.6, 'well above chance (1/3)');
  assert.equal(run.memory.length, 3);
  assert.ok(run.memory.every((m) => m.tensors === run.memory[0]!.tensors), 'tensor count flat per epoch');
  assert.ok(run.memory.every((m) => m.gpuBytes === run.memory[0]!.gpuBytes && m.gpuBytes > 0), 'GPU bytes flat per epoch');
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the finished run frees every tensor it made');
  assert.equal((tf.memory() as { numBytesInGPU?: number }).numBytesInGPU, 0, 'and every GPU buffer in use');
});

test('a stopped webgpu run frees every tensor', { skip }, async () => {
  await selectBackend('webgpu');
  const tensorsBefore = tf.memory().numTensors;
  let asked = false;
  const { end } = await train('webgpu', (e, engine, runId) => {
    if (e.type === 'batch' && !asked) {
      asked = true;
      void engine.execute({ type: 'train.stop', runId });
    }
  });
  assert.equal(finished(end).status, 'stopped');
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

test('a GPU out of memory stops the run with the batch size and model size, keeps the checkpoint and frees every tensor', { skip }, async () => {
  await selectBackend('webgpu');
  const tensorsBefore = tf.memory().numTensors;
  const { end, events } = await train('webgpu', (e) => {
    if (e.type !== 'epoch' || e.epoch !== 1) return;
    // What WebGPU does when an allocation does not fit: an uncapturederror event on the device.
    const device = (tf.backend() as unknown as { device: EventTarget }).device;
    const { GPUOutOfMemoryError, GPUUncapturedErrorEvent } = globalThis as unknown as Record<string, new (...args: never[]) => Event & object>;
    device.dispatchEvent(new GPUUncapturedErrorEvent('uncapturederror' as never, { error: new GPUOutOfMemoryError('Out of memory: allocation failed' as never) } as never));
  });
  assert.equal(end.type, 'error');
  const error = end as RunErrorEvent;
  assert.equal(error.code, 'gpu-out-of-memory');
  assert.match(error.message, /^The GPU \(.+\(software\)\) ran out of memory at epoch 2, batch 1: a batch of 15 images with a model of [\d,]+ parameters \(/);
  assert.match(error.message, /The last checkpoint, .+epoch-001, is kept\./);
  assert.match(error.hint, /smaller batch size \(try 7: --batch-size 7/);
  assert.ok(error.lastCheckpoint && existsSync(join(error.lastCheckpoint, 'model.json')), 'the checkpoint is on disk');
  assert.equal(events.filter((e) => e.type === 'checkpoint').length, 1);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'the failed run frees every tensor it made');
});
