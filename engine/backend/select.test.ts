/**
 * Backend selection on a machine where tfjs-node-gpu could not be
 * installed (this one): 'auto' falls to wasm and says why TensorFlow is
 * missing, a named backend is used alone or refused with a StudioError.
 * Where tfjs-node-gpu is installed the expectations about its absence skip.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { isStudioError } from '../errors.js';
import { backendMemory, currentBackend, describeBackends, selectBackend } from './select.js';

const tensorflowInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
})();
const withoutTensorflow = { skip: tensorflowInstalled ? 'tfjs-node-gpu is installed here' : false };

test("'auto' picks wasm and says why tensorflow is unavailable", withoutTensorflow, async () => {
  const selected = await selectBackend();
  assert.equal(selected.name, 'wasm');
  assert.equal(selected.device, 'CPU');
  assert.equal(tf.getBackend(), 'wasm');
  // webgpu is passed over too: here there is no GPU, only (with VK_ICD_FILENAMES) SwiftShader.
  assert.deepEqual(selected.unavailable.map((s) => s.name), ['tensorflow', 'webgpu']);
  const [tensorflow, webgpu] = selected.unavailable;
  assert.match(webgpu!.reason ?? '', /no WebGPU adapter|software one|webgpu. package/);
  assert.equal(tensorflow!.name, 'tensorflow');
  assert.equal(tensorflow!.available, false);
  assert.match(tensorflow!.reason ?? '', /tfjs-node-gpu is not installed.*libtensorflow/);
  assert.deepEqual(currentBackend(), { name: 'wasm', device: 'CPU', devices: ['CPU: WebAssembly (XNNPACK, SIMD, 1 thread)'] });
});

test("'auto' twice, and concurrently, gives the same answer", async () => {
  const [a, b] = await Promise.all([selectBackend('auto'), selectBackend('auto')]);
  const c = await selectBackend('auto');
  assert.equal(a.name, tensorflowInstalled ? c.name : 'wasm');
  assert.deepEqual(a, b);
  assert.deepEqual(b, c);
  assert.equal(tf.getBackend(), c.name);
});

test('selections made at once run one after the other: the last one asked for is the one active', async () => {
  await selectBackend('cpu');
  // wasm takes longer to switch to than cpu; run side by side, its switch would land last.
  const [first, second] = await Promise.all([selectBackend('wasm'), selectBackend('cpu')]);
  assert.equal(first.name, 'wasm');
  assert.equal(second.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(currentBackend()?.name, 'cpu');
});

test("'tensorflow' alone is refused with the reason and how to install it", withoutTensorflow, async () => {
  await selectBackend('wasm');
  await assert.rejects(selectBackend('tensorflow'), (e: unknown) => {
    assert.ok(isStudioError(e));
    assert.equal(e.code, 'backend-unavailable');
    assert.match(e.message, /tfjs-node-gpu is not installed: npm could not download libtensorflow/);
    assert.match(e.hint, /npm install @tensorflow\/tfjs-node-gpu/);
    return true;
  });
  // A refused selection leaves the active backend alone.
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(currentBackend()?.name, 'wasm');
});

test("'cpu' alone works, and 'wasm' switches back", async () => {
  assert.deepEqual(await selectBackend('cpu'), { name: 'cpu', device: 'CPU', unavailable: [] });
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]), 6);
  assert.deepEqual(await selectBackend('wasm'), { name: 'wasm', device: 'CPU', unavailable: [] });
  assert.equal(tf.getBackend(), 'wasm');
});

test('describeBackends reports each backend without switching', async () => {
  await selectBackend('cpu');
  const statuses = await describeBackends();
  assert.deepEqual(
    statuses.map((s) => s.name),
    ['tensorflow', 'webgpu', 'wasm', 'cpu'],
  );
  assert.equal(statuses[2]!.available, true);
  assert.equal(statuses[3]!.available, true);
  if (!tensorflowInstalled) assert.match(statuses[0]!.reason ?? '', /not installed/);
  assert.equal(tf.getBackend(), 'cpu');
});

test('backendMemory counts live tensors and their bytes', async () => {
  await selectBackend('wasm');
  const before = backendMemory();
  const t = tf.zeros([10, 10]);
  const during = backendMemory();
  t.dispose();
  assert.equal(during.tensors, before.tensors + 1);
  assert.equal(during.bytes, before.bytes + 400);
  assert.deepEqual(backendMemory(), before);
});
