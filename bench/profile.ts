/**
 * `node --import tsx bench/profile.ts [--template seed-cnn] [--batches 20] [--backend wasm]`:
 * where a training step's time goes, kernel by kernel. Every kernel
 * registered for the backend is wrapped with a timer; a kernel that runs
 * others (the project's JS kernels do) is charged only its own time, so the
 * column adds up to the time spent in kernels, and the rest of the step is
 * the engine's and the layers' JavaScript (tape, gradients, bookkeeping).
 * tf.profile times nested kernels twice, which hides exactly that split.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createProject } from '../engine/graph/templates.js';
import { buildModel } from '../engine/graph/tfjs/build.js';
import { selectBackend } from '../engine/backend/select.js';
import { readFashionMnist } from '../engine/data/fashionMnist.js';
import type { BackendName } from '../engine/protocol.js';
import { flagValue, hasFlag, loadAverage } from './args.js';

const template = flagValue('template') ?? 'seed-cnn';
const batches = Number(flagValue('batches') ?? 20);
const backend = (flagValue('backend') ?? 'wasm') as BackendName;
// --shapes: one row per kernel and input shapes, to tell a network's convolutions apart.
const byShape = hasFlag('shapes');
const BATCH = 64;

await selectBackend(backend);
const backendName = tf.getBackend();

interface Cost {
  calls: number;
  ms: number;
}
const costs = new Map<string, Cost>();
let childMs = [0];

for (const config of tf.getKernelsForBackend(backendName)) {
  const inner = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, backendName);
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      childMs.push(0);
      const t0 = performance.now();
      try {
        return inner(args);
      } finally {
        const total = performance.now() - t0;
        const children = childMs.pop()!;
        childMs[childMs.length - 1]! += total;
        const key = byShape
          ? `${config.kernelName} ${Object.values(args.inputs).filter((t) => t !== undefined).map((t) => `[${t.shape.join(',')}]`).join(' ')}`
          : config.kernelName;
        const cost = costs.get(key) ?? { calls: 0, ms: 0 };
        cost.calls++;
        cost.ms += total - children;
        costs.set(key, cost);
      }
    },
  });
}

const fashion = await readFashionMnist();
const model = buildModel(createProject(template).graph, { seed: 1 });
model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const pixels = 28 * 28;
const batch = (i: number) => {
  const start = (i * BATCH) % (fashion.train.labels.length - BATCH);
  return tf.tidy(() => ({
    x: tf.div(tf.tensor4d(fashion.train.images.subarray(start * pixels, (start + BATCH) * pixels), [BATCH, 28, 28, 1], 'int32'), 255),
    y: tf.tensor1d(Float32Array.from(fashion.train.labels.subarray(start, start + BATCH)), 'float32'),
  }));
};

for (let i = 0; i < 3; i++) {
  const { x, y } = batch(i);
  await model.trainOnBatch(x, y);
  tf.dispose([x, y]);
}
costs.clear();
childMs = [0];
const t0 = performance.now();
for (let i = 0; i < batches; i++) {
  const { x, y } = batch(3 + i);
  await model.trainOnBatch(x, y);
  tf.dispose([x, y]);
}
const stepMs = (performance.now() - t0) / batches;
const kernelMs = childMs[0]! / batches;

console.log(`${template} on ${backendName}, batch ${BATCH}, Adam: ${stepMs.toFixed(1)} ms/step, ${((BATCH * 1000) / stepMs).toFixed(0)} samples/s; load ${loadAverage()}`);
console.log(`kernels ${kernelMs.toFixed(1)} ms, outside kernels ${(stepMs - kernelMs).toFixed(1)} ms per step`);
const rows = [...costs.entries()].sort((a, b) => b[1].ms - a[1].ms);
for (const [name, cost] of rows) {
  const ms = cost.ms / batches;
  if (ms < 0.05) continue;
  console.log(`${name.padEnd(byShape ? 60 : 30)} ${ms.toFixed(2).padStart(7)} ms  ${((100 * ms) / stepMs).toFixed(1).padStart(5)}%  ${(cost.calls / batches).toFixed(0).padStart(4)} calls`);
}
