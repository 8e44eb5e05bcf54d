/**
 * The engine's training core in a page: the webgpu backend as the engine
 * starts it (engine/backend/webgpu.ts, here on Chromium's navigator.gpu),
 * the graph built by the engine (engine/graph/tfjs/build.ts) and trained by the
 * engine's TrainingRun, with its events, checkpoints and GPU error handling.
 * Bundled by webgpuPage.test.ts with memoryFiles.ts in place of node:fs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { activateWebgpu } from '../../../engine/backend/webgpu.js';
import { buildModel } from '../../../engine/graph/tfjs/build.js';
import type { EngineEvent, GpuAdapterInfo } from '../../../engine/protocol.js';
import type { ImageDataset, MemorySplit } from '../../../engine/data/types.js';
import { createOptimizer } from '../../../engine/train/optimizers.js';
import { TrainingRun } from '../../../engine/train/trainingRun.js';
import { tinyCnnProject } from '../../../engine/testing/tinyCnnProject.js';
import { files } from './memoryFiles.js';

const SIZE = 12;
const CLASSES = ['checks', 'horizontal', 'vertical'];

/** Grey 12×12 stripes and checks with noise, drawn from a seed: the same images on every run. */
function patternSplit(perClass: number, seed: number): MemorySplit {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648), state / 2147483648);
  const count = perClass * CLASSES.length;
  const images = new Uint8Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES.length;
    const phase = Math.floor(random() * 2);
    labels[i] = label;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const on = label === 0 ? (x + y + phase) % 2 === 0 : label === 1 ? (y + phase) % 2 === 0 : (x + phase) % 2 === 0;
        images[i * SIZE * SIZE + y * SIZE + x] = Math.max(0, Math.min(255, (on ? 200 : 50) + Math.round((random() - 0.5) * 80)));
      }
    }
  }
  return { count, height: SIZE, width: SIZE, channels: 1, labels, files: [...labels].map((l, i) => `${CLASSES[l]}/${i}.png`), images };
}

export interface PageRun {
  backend: string;
  adapter: GpuAdapterInfo | null;
  events: EngineEvent[];
  /** tf.memory() at each epoch's end, and after the run. */
  epochMemory: Array<{ tensors: number; gpuBytes: number }>;
  tensorsBefore: number;
  tensorsAfter: number;
  files: string[];
}

async function train(backend: 'webgpu' | 'cpu', stopAfterBatches?: number): Promise<PageRun> {
  let adapter: GpuAdapterInfo | null = null;
  if (backend === 'webgpu') {
    const probe = await activateWebgpu();
    if (!probe.loaded) throw new Error(`WebGPU did not start in the page: ${probe.reason}`);
    adapter = probe.adapter;
  } else {
    await tf.setBackend('cpu');
  }
  const tensorsBefore = tf.memory().numTensors;
  const project = tinyCnnProject({ size: SIZE, filters: 4, pool: true, training: { epochs: 3, batchSize: 15, seed: 11 } });
  const settings = { ...project.training, optimizer: { type: 'adam' as const, learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } };
  const model = buildModel(project.graph, { seed: settings.seed });
  const optimizer = createOptimizer(settings.optimizer);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const empty: MemorySplit = { count: 0, height: SIZE, width: SIZE, channels: 1, labels: new Int32Array(), files: [], images: new Uint8Array() };
  const dataset: ImageDataset = { classNames: CLASSES, train: patternSplit(20, 7), validation: patternSplit(5, 8), test: empty, skipped: [] };
  const events: EngineEvent[] = [];
  const epochMemory: PageRun['epochMemory'] = [];
  let batches = 0;
  const runDir = `/runs/${backend}-${stopAfterBatches ?? 'full'}`;
  const run: TrainingRun = new TrainingRun({
    runId: `${backend}-run`,
    runDir,
    model,
    optimizer,
    dataset,
    settings,
    backend: { name: backend, device: backend === 'webgpu' ? 'GPU' : 'CPU', ...(adapter ? { adapter } : {}) },
    modelMetadata: { classNames: CLASSES },
    emit: (event) => {
      events.push(event);
      if (event.type === 'epoch') {
        const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
        epochMemory.push({ tensors: m.numTensors, gpuBytes: m.numBytesInGPU ?? -1 });
      }
      if (event.type === 'batch' && stopAfterBatches !== undefined && ++batches >= stopAfterBatches) run.stop();
    },
  });
  await run.run();
  run.dispose();
  return {
    backend: tf.getBackend(),
    adapter,
    events,
    epochMemory,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    files: [...files.keys()].filter((f) => f.startsWith(runDir)).sort(),
  };
}

(globalThis as unknown as { studioTrain: typeof train }).studioTrain = train;
