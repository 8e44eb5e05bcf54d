/**
 * Past its memory budget a dataset streams from disk: the same batches as
 * when cached, only a few batches of pixels held at once however many
 * epochs run, and a training run that reports the mode and trains the same.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/select.js';
import { Engine } from '../engine.js';
import { defaultDataSource, type DataSource } from '../project/schema.js';
import type { EngineEvent, FinishedEvent, RunErrorEvent, RunStartedEvent } from '../protocol.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { batchTensors, sequentialOrder, shuffledOrder } from './batches.js';
import { loadDataset } from './dataset.js';
import { DecodePool } from './decodePool.js';
import { READ_AHEAD_BATCHES } from './streamedImages.js';
import { encodePng, greyPng, imagesOf, makeTempDir, writeTree } from '../testing/imageFiles.js';
import type { ImageInputShape, ImageSplit } from './types.js';

const input: ImageInputShape = { height: 12, width: 12, channels: 1 };
const folder = await writePatternFolder({ perClass: 40, size: 12, seed: 3 });
after(() => rm(folder, { recursive: true, force: true }));

const source = (budgetMB: number | null, changes: Partial<DataSource> = {}): DataSource =>
  ({ ...defaultDataSource(), path: folder, validationSplit: 0.25, cache: { memoryBudgetMB: budgetMB }, ...changes }) as DataSource;

/** A pool that counts the images being decoded at any moment. */
class CountingPool extends DecodePool {
  inFlight = 0;
  maxInFlight = 0;
  override async decodeMany(...args: Parameters<DecodePool['decodeMany']>) {
    this.inFlight += args[0].length;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await super.decodeMany(...args);
    } finally {
      this.inFlight -= args[0].length;
    }
  }
}

async function batchBytes(split: ImageSplit, order: Int32Array, start: number, end: number): Promise<number[]> {
  const { x, y } = await batchTensors(split, order, start, end);
  const values = [...x.dataSync()];
  tf.dispose([x, y]);
  return values;
}

test('under a small budget the splits stream, with the same images in the same order as the cached ones', async () => {
  await tf.setBackend('cpu');
  const cached = await loadDataset(source(null), folder, input);
  const pool = new CountingPool();
  after(() => pool.close());
  // 120 images of 144 bytes need 17 280 bytes; 0.01 MiB is 10 486.
  const streamed = await loadDataset(source(0.01), folder, input, { pool });
  assert.equal(cached.loading.mode, 'memory');
  assert.deepEqual(streamed.loading, { mode: 'stream', datasetBytes: 120 * 144, budgetBytes: 0.01 * 2 ** 20 });
  assert.equal(streamed.train.storage, 'stream');
  assert.deepEqual(streamed.train.files, cached.train.files);
  assert.deepEqual(streamed.validation.labels, cached.validation.labels);

  pool.maxInFlight = 0;
  const batch = 10;
  for (let epoch = 1; epoch <= 4; epoch++) {
    const order = shuffledOrder(streamed.train.count, 42, epoch);
    for (let start = 0; start < order.length; start += batch) {
      const end = Math.min(order.length, start + batch);
      assert.deepEqual(await batchBytes(streamed.train, order, start, end), await batchBytes(cached.train, order, start, end));
    }
  }
  const order = sequentialOrder(streamed.validation.count);
  assert.deepEqual(await batchBytes(streamed.validation, order, 0, order.length), await batchBytes(cached.validation, order, 0, order.length));
  assert.ok(
    pool.maxInFlight <= (READ_AHEAD_BATCHES + 1) * batch,
    `at most the batch and ${READ_AHEAD_BATCHES} read ahead are being decoded at once (${pool.maxInFlight} images)`,
  );
  assert.ok(pool.maxInFlight >= 2 * batch, 'the next batch is read while the current one is used');
});

test('mean/std normalisation is measured on the training split, the same streamed or cached', async () => {
  const cached = await loadDataset(source(null, { preprocessing: { resize: 'stretch', normalization: 'mean-std' } }), folder, input);
  const streamed = await loadDataset(source(0, { preprocessing: { resize: 'stretch', normalization: 'mean-std' } }), folder, input);
  const pixels = imagesOf(cached.train);
  const mean = pixels.reduce((a, b) => a + b, 0) / pixels.length / 255;
  const std = Math.sqrt(pixels.reduce((a, b) => a + (b / 255 - mean) ** 2, 0) / pixels.length);
  const normalization = cached.preprocessing.normalization;
  assert.equal(normalization.mode, 'mean-std');
  assert.ok(Math.abs(normalization.mean[0]! - mean) < 1e-5 && Math.abs(normalization.std[0]! - std) < 1e-5, `${JSON.stringify(normalization)} vs ${mean}, ${std}`);
  assert.deepEqual(streamed.preprocessing.normalization, normalization);
  const order = sequentialOrder(cached.train.count);
  const values = await batchBytes(cached.train, order, 0, cached.train.count);
  const batchMean = values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(Math.abs(batchMean) < 1e-4, `normalised training pixels have mean 0 (got ${batchMean})`);
});

test('a 20 000 × 20 000 image and a file that lies about being a PNG are skipped with what to do; the rest loads', async (t) => {
  const { dir, remove } = await makeTempDir('huge');
  t.after(remove);
  // Only the header claims 20 000 × 20 000: the decoder must refuse before it allocates.
  const header = encodePng({ width: 1, height: 1, colourType: 0, bitDepth: 8, samples: [0] });
  header.writeUInt32BE(20000, 16);
  header.writeUInt32BE(20000, 20);
  await writeTree(dir, { 'a/huge.png': header, 'a/ok.png': await greyPng(4, 4, 9), 'b/fake.png': 'GIF89a not really', 'b/ok.png': await greyPng(4, 4, 99) });
  const data = await loadDataset(source(null, { path: dir, validationSplit: 0 }), dir, { height: 4, width: 4, channels: 1 });
  assert.deepEqual(data.train.files.map((file) => file.slice(dir.length + 1)), ['a/ok.png', 'b/ok.png']);
  assert.deepEqual(
    data.skipped.map(({ path, reason }) => [path.slice(dir.length + 1), reason]),
    [
      ['a/huge.png', "is 20000×20000 pixels (400 megapixels), more than the decoder's limit of 268 megapixels; shrink it (e.g. to 4096 pixels on its longest side) or move it out of the dataset"],
      ['b/fake.png', data.skipped[1]!.reason],
    ],
  );
  // The decoder's own words (libvips' wording varies by version), which name what the file really is.
  assert.match(data.skipped[1]!.reason, /^cannot be decoded: .*\bgif/i);
  assert.doesNotMatch(data.skipped[1]!.reason, /\n/, 'one line');
});

test('a training run over budget streams, says so in run-started, and learns exactly what the cached run learns', async (t) => {
  await selectBackend('auto');
  const runs = await makeTempDir('stream-runs');
  t.after(runs.remove);
  const train = async (budgetMB: number | null) => {
    const engine = new Engine();
    const events: EngineEvent[] = [];
    const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) =>
      engine.onEvent((event) => {
        events.push(event);
        if (event.type === 'finished' || event.type === 'error') resolve(event);
      }),
    );
    await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 12, name: 'stream', data: source(budgetMB), training: { epochs: 3 } }), options: { runDir: join(runs.dir, String(budgetMB)) } });
    const end = await ended;
    await engine.idle();
    assert.equal(end.type, 'finished', end.type === 'error' ? end.message : '');
    return { events, end: end as FinishedEvent };
  };
  const streamed = await train(0.01);
  const cached = await train(null);
  const started = streamed.events.find((event): event is RunStartedEvent => event.type === 'run-started')!;
  assert.equal(started.dataLoading?.mode, 'stream');
  assert.equal(cached.events.find((event): event is RunStartedEvent => event.type === 'run-started')!.dataLoading?.mode, 'memory');
  assert.deepEqual(streamed.end.metrics, cached.end.metrics);
  const tensors = streamed.events.flatMap((event) => (event.type === 'epoch' ? [event.tensors] : []));
  assert.equal(new Set(tensors).size, 1, `tensors stay flat from epoch to epoch: ${tensors}`);
});

