/**
 * The export where people use it: a seed-cnn trained by the studio on real
 * Fashion-MNIST images is exported with the CLI; its ONNX file runs in
 * onnxruntime-node and its TensorFlow.js folder loads in @tensorflow/tfjs
 * inside Chromium (Debian's, driven by playwright-core, the files served to
 * the page as a web server would), and both give the same top-1 class as the
 * studio's own `predict` on held-out images, with probabilities within 1e-4.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { main } from '../cli/main.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { createProject } from '../graph/templates.js';
import type { EngineEvent } from '../protocol.js';
import { maxDifference } from './exportModel.js';
import { writeFashionFolder } from '../testing/exportFixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const TF_BUNDLE = createRequire(import.meta.url).resolve('@tensorflow/tfjs/dist/tf.min.js');

let temp: { dir: string; remove: () => Promise<void> };
let exportDir: string;
let images: string[];
let studio: { image: string; top: { className: string; probability: number; index: number }[] }[];
let pixels: Float32Array;

/** Runs the CLI in-process; answers its JSON lines. */
async function cli(...argv: string[]): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const code = await main(argv, (line) => lines.push(line));
  assert.equal(code, 0, lines.join('\n'));
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

before(async () => {
  temp = await makeTempDir('consumers-');
  const trainDir = await writeFashionFolder(join(temp.dir, 'fashion'), { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: 40, split: 'train' });
  const testDir = await writeFashionFolder(join(temp.dir, 'fashion-test'), { classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: 3, split: 'test' });
  const project = createProject('seed-cnn', 'Fashion');
  project.training = { ...project.training, epochs: 2, batchSize: 32 };
  const engine = new Engine({ backend: 'auto' });
  let failure: EngineEvent | null = null;
  engine.onEvent((e) => {
    if (e.type === 'error') failure = e;
  });
  const runDir = join(temp.dir, 'run');
  await engine.execute({ type: 'train.start', project, options: { dataPath: trainDir, runDir } });
  await engine.idle();
  assert.equal(failure, null);

  exportDir = join(temp.dir, 'exported');
  await cli('export', runDir, '--format', 'tfjs,onnx', '--out', exportDir, '--json');
  images = [];
  for (const cls of (await readdir(testDir)).sort()) {
    for (const file of (await readdir(join(testDir, cls))).sort()) images.push(join(testDir, cls, file));
  }
  studio = (await cli('predict', exportDir, ...images, '--top', '10', '--json')) as unknown as typeof studio;
  // The other runtimes' input, prepared as a consumer would from labels.json alone (sharp
  // decodes, the sidecar's normalisation by hand), not by the studio's own preprocessing:
  // a preprocessing bug in the studio then shows as a difference.
  const sidecar = JSON.parse(await readFile(join(exportDir, 'labels.json'), 'utf8'));
  assert.deepEqual(sidecar.input.shape, [28, 28, 1]);
  assert.deepEqual(sidecar.preprocessing.normalization, { mode: 'zero-one', mean: [0], std: [1] }, 'pixels / 255');
  pixels = new Float32Array(images.length * 28 * 28);
  for (const [i, image] of images.entries()) {
    const { data, info } = await sharp(image).greyscale().resize(28, 28, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [28, 28, 1], image);
    data.forEach((byte, p) => (pixels[i * 28 * 28 + p] = byte / 255));
  }
});

after(async () => {
  await temp.remove();
});

/** Probabilities in class order from the studio's top-10 lists. */
function studioProbabilities(): Float32Array {
  const out = new Float32Array(images.length * 10);
  studio.forEach((p, i) => p.top.forEach((t) => (out[i * 10 + t.index] = t.probability)));
  return out;
}

function top1(probabilities: ArrayLike<number>, i: number): number {
  let best = 0;
  for (let c = 1; c < 10; c++) if (probabilities[i * 10 + c]! > probabilities[i * 10 + best]!) best = c;
  return best;
}

describe('exported seed-cnn where people use it', () => {
  test('onnxruntime-node gives the studio\'s top-1 on real Fashion-MNIST images', async () => {
    const session = await ort.InferenceSession.create(join(exportDir, 'onnx', 'model.onnx'));
    const result = await session.run({ input: new ort.Tensor('float32', pixels, [images.length, 28, 28, 1]) });
    await session.release();
    const onnx = result['output']!.data as Float32Array;
    const expected = studioProbabilities();
    for (let i = 0; i < images.length; i++) assert.equal(top1(onnx, i), studio[i]!.top[0]!.index, images[i]);
    const difference = maxDifference(expected, onnx);
    console.log(`ONNX vs studio on ${images.length} real images: top-1 equal, max |Δp| ${difference.toExponential(2)}`);
    assert.ok(difference <= 1e-4);
  });

  test('@tensorflow/tfjs in Chromium loads the TensorFlow.js folder and gives the studio\'s top-1', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is not installed` }, async () => {
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
      const page = await browser.newPage();
      // The export folder served over HTTP, as a web app would host it.
      await page.route('http://studio.test/**', async (route) => {
        const path = new URL(route.request().url()).pathname;
        const types: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.js': 'text/javascript', '.html': 'text/html' };
        const body = path === '/' ? '<!doctype html><title>export</title>' : path === '/tf.min.js' ? await readFile(TF_BUNDLE) : await readFile(join(exportDir, path));
        await route.fulfill({ status: 200, contentType: types[extname(path)] ?? 'text/html', body });
      });
      await page.goto('http://studio.test/');
      await page.addScriptTag({ url: 'http://studio.test/tf.min.js' });
      const browserOutput = await page.evaluate(
        async ({ values, count }) => {
          const tfjs = (globalThis as unknown as { tf: typeof tf & { loadLayersModel: (url: string) => Promise<{ predict: (x: tf.Tensor) => tf.Tensor }> } }).tf;
          await tfjs.setBackend('cpu');
          const model = await tfjs.loadLayersModel('http://studio.test/tfjs/model.json');
          const y = model.predict(tfjs.tensor4d(values, [count, 28, 28, 1]));
          return Array.from(await y.data());
        },
        { values: Array.from(pixels), count: images.length },
      );
      const expected = studioProbabilities();
      for (let i = 0; i < images.length; i++) assert.equal(top1(browserOutput, i), studio[i]!.top[0]!.index, images[i]);
      const difference = maxDifference(expected, browserOutput);
      console.log(`tfjs in Chromium vs studio on ${images.length} real images: top-1 equal, max |Δp| ${difference.toExponential(2)}`);
      assert.ok(difference <= 1e-4);
    } finally {
      await browser?.close();
    }
  });
});
