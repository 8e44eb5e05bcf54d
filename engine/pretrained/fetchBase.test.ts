/**
 * Fetching pretrained bases from a local HTTP server on 127.0.0.1 (the real
 * upstream cannot be reached here): progress, cache hits, pinned SHA-256,
 * interrupted transfers, servers that cannot resume, offline and stalled
 * servers; then the fetched tfjs base and a Keras .h5 (written by
 * python3-h5py) load by Keras layer names into the studio's own MobileNetV2.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { StudioError } from '../errors.js';
import { buildModel } from '../graph/tfjs/build.js';
import { applyBaseWeights, readBaseWeights } from './baseWeights.js';
import { sha256OfFile } from './download.js';
import { fetchBase, type BaseProgress } from './fetchBase.js';
import { readKerasH5Weights } from '../model/kerasH5.js';
import { findBase, listBases } from './registry.js';
import { baseGraphWithOutput, randomBaseModel, serveFolder, writeKerasH5Fixture, writeTfjsBaseFixture, type FixtureServer } from '../testing/pretrainedBases.js';
import { rejection } from '../testing/rejection.js';

const TFJS = findBase('mobilenetv2-0.35-224');
const KERAS = findBase('mobilenetv2-keras-0.35-96');
let mirror: string;
let source: tfl.LayersModel;
let pins: Record<string, string>;
let server: FixtureServer;
let work: string;

before(async () => {
  await tf.setBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'bases-'));
  mirror = join(work, 'mirror');
  source = await randomBaseModel(0.35, 224, 7);
  await writeTfjsBaseFixture(source, mirror);
  await writeKerasH5Fixture(source, join(mirror, ...KERAS.file.split('/')));
  pins = {};
  for (const file of [TFJS.file, TFJS.file.replace('model.json', 'weights.bin'), KERAS.file]) {
    pins[file] = await sha256OfFile(join(mirror, ...file.split('/')));
  }
  server = await serveFolder(mirror);
});

after(async () => {
  source.dispose();
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe('fetching a pretrained base', () => {
  test('the registry names licence and source for every base, the Keras sizes included', () => {
    const bases = listBases();
    assert.ok(bases.length >= 31);
    for (const b of bases) assert.ok(b.licence && b.source.includes('https://storage.googleapis.com/'), b.id);
    assert.equal(KERAS.file, 'tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5');
    assert.ok(findBase('mobilenetv2-keras-1.0-224').file.endsWith('_1.0_224_no_top.h5'));
  });

  test('first use downloads with progress into the cache; the second takes it from the cache', async () => {
    const cacheDir = join(work, 'cache-1');
    const progress: BaseProgress[] = [];
    const first = await fetchBase(TFJS, { baseUrl: server.url, cacheDir, pins, onProgress: (p) => progress.push(p) });
    assert.deepEqual(first.files.map((f) => [f.file.split('/').at(-1), f.fromCache]), [['model.json', false], ['weights.bin', false]]);
    const last = progress.filter((p) => p.file.endsWith('weights.bin')).at(-1)!;
    assert.equal(last.received, last.total);
    assert.ok(last.total! > 1_500_000, 'the 0.35 base has 410,208 float32 weights');
    assert.ok(progress.length > 3, 'progress arrives while the bytes do');

    const before = server.requests.length;
    const again = await fetchBase(TFJS, { baseUrl: server.url, cacheDir, pins });
    assert.ok(again.files.every((f) => f.fromCache));
    assert.equal(server.requests.length, before, 'a cache hit asks the server nothing');
  });

  test('the environment variable points at the mirror when no setting does', async () => {
    process.env['CONVNET_STUDIO_BASES_URL'] = server.url;
    try {
      const fetched = await fetchBase(KERAS, { cacheDir: join(work, 'cache-env'), pins });
      assert.equal(fetched.files[0]!.fromCache, false);
    } finally {
      delete process.env['CONVNET_STUDIO_BASES_URL'];
    }
  });

  test('a file whose SHA-256 differs from its pin is refused and nothing is kept', async () => {
    const cacheDir = join(work, 'cache-bad');
    const wrong = { ...pins, [KERAS.file]: '0'.repeat(64) };
    const error = await rejection(fetchBase(KERAS, { baseUrl: server.url, cacheDir, pins: wrong }));
    assert.equal(error.code, 'checksum-mismatch');
    assert.match(error.message, new RegExp(`${server.url}tensorflow/.*_0\\.35_96_no_top\\.h5 arrived with SHA-256 ${pins[KERAS.file]}`));
    const folder = join(cacheDir, 'tensorflow', 'keras-applications', 'mobilenet_v2');
    assert.deepEqual(await readdir(folder), [], 'neither the file nor a .part stays');
  });

  test('an interrupted transfer resumes with a Range request and ends verified', async () => {
    const breaking = await serveFolder(mirror, { breakOnce: [KERAS.file] });
    try {
      const fetched = await fetchBase(KERAS, { baseUrl: breaking.url, cacheDir: join(work, 'cache-resume'), pins });
      assert.equal(fetched.files[0]!.sha256, pins[KERAS.file]);
      const ranges = breaking.requests.filter((r) => r.path === KERAS.file).map((r) => r.range);
      assert.equal(ranges.length, 2);
      assert.equal(ranges[0], null);
      assert.match(ranges[1]!, /^bytes=\d+-$/);
      assert.ok(Number(/\d+/.exec(ranges[1]!)![0]) > 0);
    } finally {
      await breaking.close();
    }
  });

  test('a server that cannot resume gets a clean retry from the first byte', async () => {
    const breaking = await serveFolder(mirror, { breakOnce: [KERAS.file], ranges: false });
    try {
      const fetched = await fetchBase(KERAS, { baseUrl: breaking.url, cacheDir: join(work, 'cache-retry'), pins });
      assert.equal(fetched.files[0]!.sha256, pins[KERAS.file]);
    } finally {
      await breaking.close();
    }
  });

  test('offline: one line naming the URL and the alternative, no hang', async () => {
    const closed = await freePort();
    const started = performance.now();
    const error = await rejection(fetchBase(KERAS, { baseUrl: `http://127.0.0.1:${closed}/`, cacheDir: join(work, 'cache-off'), pins, timeoutMs: 2000 }));
    assert.equal(error.code, 'download-failed');
    assert.match(error.message, new RegExp(`^Cannot download http://127\\.0\\.0\\.1:${closed}/tensorflow/.*no_top\\.h5 \\(connection refused`));
    assert.ok(!error.message.includes('\n'));
    assert.match(error.hint, /the Train panel.s field, training\.transfer\.basesUrl, --bases-url or CONVNET_STUDIO_BASES_URL\) to a mirror.*convnet-studio import/);
    assert.ok(performance.now() - started < 2000);
  });

  test('a server that never answers times out', async () => {
    const stalled = await serveFolder(mirror, { stall: [KERAS.file] });
    try {
      const error = await rejection(fetchBase(KERAS, { baseUrl: stalled.url, cacheDir: join(work, 'cache-stall'), pins, timeoutMs: 300 }));
      assert.equal(error.code, 'download-failed');
      assert.match(error.message, /no answer from 127\.0\.0\.1:\d+ within 0\.3 s/);
    } finally {
      await stalled.close();
    }
  });

  test('an unpinned file records its hash; a cached copy altered later is fetched again', async () => {
    const cacheDir = join(work, 'cache-tofu');
    const first = await fetchBase(KERAS, { baseUrl: server.url, cacheDir });
    assert.equal(first.files[0]!.sha256, pins[KERAS.file]);
    await writeFile(first.path, 'altered');
    const again = await fetchBase(KERAS, { baseUrl: server.url, cacheDir });
    assert.equal(again.files[0]!.fromCache, false);
    assert.equal(await sha256OfFile(again.path), pins[KERAS.file]);
  });
});

describe('loading a fetched base into the studio MobileNetV2', () => {
  test('the tfjs base and the Keras .h5 give the same network, at 96 px too', async () => {
    const cacheDir = join(work, 'cache-load');
    const fromTfjs = await fetchBase(TFJS, { baseUrl: server.url, cacheDir, pins });
    const fromKeras = await fetchBase(KERAS, { baseUrl: server.url, cacheDir, pins });
    const graph = baseGraphWithOutput(0.35, 96);
    for (const node of graph.nodes) if (node.type !== 'Input' && node.type !== 'Output') node.group = 'base';
    const a = buildModel(graph, { seed: 1 });
    const b = buildModel(graph, { seed: 2 });
    const reference = buildModel(graph, { seed: 3 });
    reference.setWeights(source.getWeights());
    try {
      const loadedA = applyBaseWeights(a, graph, 'base', await readBaseWeights('tfjs-layers', fromTfjs.path), fromTfjs.path);
      const loadedB = applyBaseWeights(b, graph, 'base', await readBaseWeights('keras-h5', fromKeras.path), fromKeras.path);
      assert.equal(loadedA.length, 104, '52 convolutions and 52 BatchNormalizations');
      assert.deepEqual(loadedA, loadedB);
      const x = tf.randomUniform([2, 96, 96, 3], -1, 1, 'float32', 5);
      const [ya, yb, yr] = [a, b, reference].map((m) => m.predict(x) as tf.Tensor);
      assert.equal(tf.max(tf.abs(tf.sub(ya!, yr!))).dataSync()[0], 0);
      assert.equal(tf.max(tf.abs(tf.sub(yb!, yr!))).dataSync()[0], 0);
      tf.dispose([x, ya!, yb!, yr!]);
    } finally {
      [a, b, reference].forEach((m) => m.dispose());
    }
  });

  test('an .h5 for another width is refused, naming the node and both shapes', async () => {
    const wider = await randomBaseModel(0.5, 96, 3);
    const file = join(work, 'alpha-0.5.h5');
    try {
      await writeKerasH5Fixture(wider, file);
    } finally {
      wider.dispose();
    }
    const graph = baseGraphWithOutput(0.35, 96);
    for (const node of graph.nodes) if (node.type !== 'Input' && node.type !== 'Output') node.group = 'base';
    const weights = await readKerasH5Weights(file);
    const model = buildModel(graph);
    try {
      // Both widths round to the same channels up to block 1's projection (make_divisible).
      assert.throws(
        () => applyBaseWeights(model, graph, 'base', weights, file),
        (e: StudioError) =>
          e.code === 'weights-mismatch' &&
          /^Node "block_1_project" of base base needs kernel \[1,1,48,8\], but .*alpha-0\.5\.h5 has kernel \[1,1,48,16\]/.test(e.message),
      );
    } finally {
      model.dispose();
    }
  });

  test('a file that is not HDF5 is named as such', async () => {
    const file = join(work, 'not.h5');
    await writeFile(file, 'hello');
    const error = await rejection(readKerasH5Weights(file));
    assert.equal(error.code, 'model-wrong-format');
    assert.ok(error.message.includes(file));
    assert.ok(existsSync(file));
  });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
