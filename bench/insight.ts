/**
 * `npm run bench:insight`: what seeing inside the network costs, on the seed
 * CNN (Fashion-MNIST, 28 × 28 grey) and the wasm backend:
 * - Grad-CAM of one image, and the feature maps of one node for it, in
 *   median milliseconds: the computation on a loaded model, and the whole
 *   `model.explain` command (loading the model, decoding, PNG overlay);
 * - the overhead of gradient-health checks in % of training step time
 *   (batch 64, Adam): a check step's extra time spread over the default
 *   check interval.
 * Speed is measured here, never asserted in tests. The load average is
 * printed with the figures: other work on the same cores slows every one.
 *
 * Options: --runs N (timed repetitions, default 30), --steps N (training steps, default 60).
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { selectBackend } from '../engine/backend/select.js';
import { makeTempDir } from '../engine/testing/imageFiles.js';
import { readFashionMnist } from '../engine/data/fashionMnist.js';
import { buildModel } from '../engine/graph/tfjs/build.js';
import { createProject } from '../engine/graph/templates.js';
import { explainImages } from '../engine/insight/explain.js';
import { featureMaps } from '../engine/insight/featureMaps.js';
import { gradCam } from '../engine/insight/gradCam.js';
import { encodePng } from '../engine/insight/images.js';
import { FASHION_METADATA } from '../engine/testing/trainedModel.js';
import { saveModelFolder } from '../engine/model/modelFiles.js';
import { DEFAULT_GRADIENT_HEALTH_EVERY, GradientHealth } from '../engine/train/gradientHealth.js';
import { flagValue, loadAverage } from './args.js';

const RUNS = Number(flagValue('runs') ?? 30);
const STEPS = Number(flagValue('steps') ?? 60);
const BATCH = 64;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await f();
    times.push(performance.now() - start);
  }
  return median(times);
}

const loadBefore = loadAverage();
const backend = await selectBackend('wasm');
const data = await readFashionMnist();
const temp = await makeTempDir('bench-insight-');
try {
  const model = buildModel(createProject('seed-cnn').graph, { seed: 1 });
  const modelDir = join(temp.dir, 'model');
  await saveModelFolder(model, modelDir, FASHION_METADATA);
  const image = join(temp.dir, 'image.png');
  await writeFile(image, await encodePng(data.test.images.subarray(0, 784), 28, 28, 1));
  const x = tf.tensor4d(Float32Array.from(data.test.images.subarray(0, 784), (v) => v / 255), [1, 28, 28, 1]);

  const gradCamMs = await timed(RUNS, () => gradCam(model, x));
  const featureMapsMs = await timed(RUNS, () => featureMaps(model, x, 'conv1'));
  const explainCommandMs = await timed(RUNS, () => explainImages({ model: modelDir, images: [image] }));

  // Gradient health: plain steps, then steps with a check on every one, on the same batches.
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'sparseCategoricalCrossentropy' });
  const batch = (s: number) => {
    const start = (s * BATCH) % (data.train.count - BATCH);
    return {
      x: tf.tensor4d(Float32Array.from(data.train.images.subarray(start * 784, (start + BATCH) * 784), (v) => v / 255), [BATCH, 28, 28, 1]),
      y: tf.tensor1d(Array.from(data.train.labels.subarray(start, start + BATCH)), 'float32'),
    };
  };
  const stepTimes = async (health: GradientHealth | null) => {
    const times: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const { x: bx, y: by } = batch(s);
      const start = performance.now();
      await model.trainOnBatch(bx, by);
      await health?.afterStep(bx, 1, s + 1);
      times.push(performance.now() - start);
      tf.dispose([bx, by]);
    }
    return times.slice(3);
  };
  await stepTimes(null);
  const plain = median(await stepTimes(null));
  const health = new GradientHealth({ runId: 'bench', runDir: join(temp.dir, 'run'), model, optimizer: model.optimizer, everyBatches: 1, emit: () => undefined });
  const checked = median(await stepTimes(health));
  health.detach();
  const checkMs = checked - plain;
  const overheadPercent = (100 * checkMs) / (DEFAULT_GRADIENT_HEALTH_EVERY * plain);
  x.dispose();
  model.dispose();

  const result = {
    backend: backend.name,
    template: 'seed-cnn',
    runs: RUNS,
    gradCamMs,
    featureMapsMs,
    explainPlusFeatureMapsMs: gradCamMs + featureMapsMs,
    explainCommandMs,
    trainingStepMs: plain,
    checkStepExtraMs: checkMs,
    checkEvery: DEFAULT_GRADIENT_HEALTH_EVERY,
    gradientHealthOverheadPercent: overheadPercent,
    load: [loadBefore, loadAverage()],
  };
  console.log(`seed-cnn on ${backend.name}, median of ${RUNS} (load average ${loadBefore} → ${loadAverage()}):`);
  console.log(`  Grad-CAM of one image          ${gradCamMs.toFixed(1)} ms`);
  console.log(`  feature maps of conv1          ${featureMapsMs.toFixed(1)} ms`);
  console.log(`  explain + feature maps         ${(gradCamMs + featureMapsMs).toFixed(1)} ms`);
  console.log(`  model.explain command (load, decode, overlay PNG)  ${explainCommandMs.toFixed(1)} ms`);
  console.log(`  training step (batch ${BATCH})        ${plain.toFixed(1)} ms; a gradient-health check adds ${checkMs.toFixed(1)} ms`);
  console.log(`  gradient-health overhead at every ${DEFAULT_GRADIENT_HEALTH_EVERY} steps: ${overheadPercent.toFixed(2)} % of step time`);
  console.log(JSON.stringify(result));
} finally {
  await temp.remove();
}
