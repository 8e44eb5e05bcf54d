/**
 * Transfer learning from the terminal, with the real bin script in a child
 * process: `new --template mobilenetv2-imagenet`, then `train` downloads the
 * base from a mirror on 127.0.0.1 (a studio-written MobileNetV2 0.35 with
 * random weights: ImageNet's cannot be fetched here) and fine-tunes it on
 * real Fashion-MNIST images; a second `train` takes the base from the cache
 * with the mirror gone; with neither, one line names the URL and the way out.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { writeFashionFolder } from '../testing/exportFixtures.js';
import { runNode } from '../testing/nodeChild.js';
import { findBase } from '../pretrained/registry.js';
import { randomBaseModel, serveFolder, writeKerasH5Fixture, writeTfjsBaseFixture, type FixtureServer } from '../testing/pretrainedBases.js';

const BIN = resolve(import.meta.dirname, '../../bin/convnet-studio.js');
let work: string;
let data: string;
let server: FixtureServer;
let deadUrl: string;

const cli = (env: Record<string, string>, ...args: string[]) => runNode([BIN, ...args], { cwd: work, env: { ...process.env, FORCE_COLOR: '0', ...env } });

before(async () => {
  await tf.setBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'cnnstudio-transfer-cli-'));
  const base = await randomBaseModel(0.35, 224, 21);
  await writeTfjsBaseFixture(base, join(work, 'mirror'));
  await writeKerasH5Fixture(base, join(work, 'mirror', ...findBase('mobilenetv2-keras-0.35-96').file.split('/')));
  base.dispose();
  server = await serveFolder(join(work, 'mirror'));
  data = await writeFashionFolder(join(work, 'fashion'), { classes: [1, 5, 8], perClass: 6, split: 'train' });
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/`;
  await new Promise<void>((r) => probe.close(() => r()));
});

after(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

test('new --template mobilenetv2-imagenet, then train downloads the base, fine-tunes, and the next train uses the cache', async () => {
  const env = { CONVNET_STUDIO_DATA: join(work, 'user-data') };
  const created = await cli(env, 'new', 'p.cnnstudio.json', '--template', 'mobilenetv2-imagenet');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /Created p\.cnnstudio\.json \(158 layers, 423,018 parameters\)/);

  // 96 px keeps the test quick on two cores; one epoch per phase, the top block unfrozen.
  const project = JSON.parse(await readFile(join(work, 'p.cnnstudio.json'), 'utf8'));
  project.graph.nodes.find((n: { type: string }) => n.type === 'Input').params.shape = [96, 96, 3];
  project.training.batchSize = 8;
  project.training.transfer.fineTuneEpochs = 1;
  project.training.transfer.fineTuneBlocks = 1;
  await writeFile(join(work, 'p.cnnstudio.json'), JSON.stringify(project));

  const first = await cli(env, 'train', 'p.cnnstudio.json', '--data', data, '--epochs', '1', '--bases-url', server.url, '--backend', 'cpu');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Downloading model\.json /);
  assert.match(first.stdout, /Downloading weights\.bin █{24} 1\.6\/1\.6 MiB/);
  assert.match(first.stdout, /epoch 1\/2 .*\nFine-tuning: the base's top blocks train too from epoch 2, at learning rate 0\.000100\.\nepoch 2\/2/);
  assert.match(first.stdout, /Finished after 2 epochs/);

  const requests = server.requests.length;
  const second = await cli({ ...env, CONVNET_STUDIO_BASES_URL: deadUrl }, 'train', 'p.cnnstudio.json', '--data', data, '--epochs', '1', '--backend', 'cpu');
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stdout, /Downloading/);
  assert.equal(server.requests.length, requests);
  const saved = JSON.parse(await readFile(join(work, 'p.cnnstudio.json'), 'utf8'));
  assert.equal(saved.runs.length, 2);
});

test('offline with an empty cache: one line naming the URL and the alternatives', async () => {
  const env = { CONVNET_STUDIO_DATA: join(work, 'empty-user-data'), CONVNET_STUDIO_BASES_URL: deadUrl };
  const created = await cli(env, 'new', 'q.cnnstudio.json', '--template', 'mobilenetv2-imagenet');
  assert.equal(created.code, 0, created.stderr);
  const r = await cli(env, 'train', 'q.cnnstudio.json', '--data', data, '--epochs', '1', '--backend', 'cpu');
  assert.equal(r.code, 1);
  const url = `${deadUrl}teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json`;
  assert.ok(r.stderr.includes(`convnet-studio: Cannot download ${url} (connection refused`), r.stderr);
  assert.match(r.stderr, /\n {2}hint: Work offline: put .*model\.json at .*empty-user-data.*--bases-url or CONVNET_STUDIO_BASES_URL\) to a mirror.*convnet-studio import/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('bases lists licence and source; bases fetch fills the cache from a mirror', async () => {
  const listed = await cli({}, 'bases');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^mobilenetv2-0\.35-224 +MobileNetV2 α 0\.35, 224 px \(TensorFlow\.js, Teachable Machine\)\n +Apache License 2\.0\. /);
  assert.match(listed.stdout, /mobilenetv2-keras-1\.0-224 /);

  const env = { CONVNET_STUDIO_DATA: join(work, 'fetch-user-data') };
  const fetched = await cli(env, 'bases', 'fetch', 'mobilenetv2-keras-0.35-96', '--bases-url', server.url);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.match(fetched.stdout, /^Downloaded: .*fetch-user-data\/pretrained\/tensorflow\/keras-applications\/mobilenet_v2\/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0\.35_96_no_top\.h5 \(\d\.\d MiB, SHA-256 ([0-9a-f]{64})\)\nSHA256_PINS lines \(engine\/pretrained\/registry\.ts\):\n {2}'tensorflow\/keras-applications\/mobilenet_v2\/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0\.35_96_no_top\.h5': '\1',\n$/);
  const again = await cli(env, 'bases', 'fetch', 'mobilenetv2-keras-0.35-96');
  assert.match(again.stdout, /^In the cache: /);
});
