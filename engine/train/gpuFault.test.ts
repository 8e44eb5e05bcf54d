/**
 * The error a training step on the GPU stops with. Without a device fault:
 * what the step threw decides (an out-of-memory message in an Error or a
 * bare string; anything else is not the GPU's). With one: real errors of the
 * WebGPU device on this machine's software adapter (SwiftShader,
 * engine/testing/swiftshader.ts): a buffer with no usage is a validation
 * error, one past the adapter's maximum size an out-of-memory that replaces
 * an earlier validation error as the cause, and a device destroyed on
 * purpose is not a fault.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { webgpuSkipReason } from '../testing/swiftshader.js';
import { selectBackend } from '../backend/select.js';
import { takeGpuFault } from '../backend/webgpu.js';
import type { GpuAdapterInfo } from '../protocol.js';
import { gpuFaultError } from './gpuFault.js';

const skip = await webgpuSkipReason();
const ADAPTER: GpuAdapterInfo = { vendor: 'acme', architecture: 'rdna9', device: '', description: 'Acme GPU 9000', software: false };
const base = { where: 'epoch 2, batch 7', batchSize: 64, params: 1_048_576 };

test('without a device fault, only an out-of-memory the step threw is the GPU\'s', () => {
  takeGpuFault();
  assert.equal(gpuFaultError({ ...base }), null, 'nothing thrown, nothing reported');
  assert.equal(gpuFaultError({ ...base, thrown: new Error('Cannot read properties of undefined') }), null);
  assert.equal(gpuFaultError({ ...base, thrown: 42 }), null);

  const fromString = gpuFaultError({ ...base, thrown: 'GPUOutOfMemoryError: Out of memory', adapter: ADAPTER, lastCheckpoint: '/runs/r/checkpoint' });
  assert.equal(fromString?.code, 'gpu-out-of-memory');
  assert.equal(
    fromString?.message,
    'The GPU (acme rdna9 — Acme GPU 9000) ran out of memory at epoch 2, batch 7: a batch of 64 images with a model of 1,048,576 parameters (4.0 MiB of weights, about 16.0 MiB with gradients and optimizer state) does not fit. The last checkpoint, /runs/r/checkpoint, is kept.',
  );
  assert.match(fromString!.hint, /^Train with a smaller batch size \(try 32: --batch-size 32, or the Batch size setting\)/);

  const first = gpuFaultError({ ...base, batchSize: 1, thrown: new Error('Buffer size (9) exceeds the max buffer size limit (8).') });
  assert.match(first!.message, /^The GPU ran out of memory at epoch 2, batch 7: a batch of 1 images .* No checkpoint was written yet \(it failed in the first epoch\)\.$/);
  assert.match(first!.hint, /try 1: --batch-size 1/, 'never less than one image');
});

test('real device errors: validation, then an out-of-memory that becomes the cause; a destroyed device is no fault', { skip }, async () => {
  const selected = await selectBackend('webgpu');
  assert.equal(selected.name, 'webgpu');
  takeGpuFault();
  const device = (tf.backend() as unknown as { device: { createBuffer(d: object): unknown; destroy(): void; queue: { onSubmittedWorkDone(): Promise<void> } } }).device;
  const settle = async () => {
    await device.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 50));
  };

  device.createBuffer({ size: 4, usage: 0 });
  await settle();
  const validation = gpuFaultError({ ...base, adapter: selected.adapter });
  assert.equal(validation?.code, 'gpu-error');
  assert.match(validation!.message, /^The GPU \(.*swiftshader.*\(software\)\) reported an error at epoch 2, batch 7, so the step's results cannot be trusted: Buffer usages must not be 0\. No checkpoint/i);
  assert.equal(validation!.hint, 'Train on another backend (--backend wasm) and report this GPU error with its adapter (`convnet-studio info`).');
  assert.equal(gpuFaultError({ ...base }), null, 'the fault was taken');

  device.createBuffer({ size: 4, usage: 0 });
  device.createBuffer({ size: 2 ** 40, usage: 8 });
  device.createBuffer({ size: 4, usage: 0 });
  await settle();
  const oom = gpuFaultError({ ...base, lastCheckpoint: 'c' });
  assert.equal(oom?.code, 'gpu-out-of-memory', 'the allocation that failed is the cause, not the validation error before it');

  device.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(takeGpuFault(), null, 'destroying the device on purpose is not a fault');
  await selectBackend('cpu');
});
