/**
 * The Train panel's backend badge with WebGPU: it names the adapter, calls a
 * software one out, and says why the GPU is not used in the engine's words.
 * Pure function of the engine's `info` and `run-started`; no browser needed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GpuAdapterInfo, RunStartedEvent } from '../engine/protocol.js';
import { backendBadge } from '../renderer/src/lib/panels/backend.js';
import { engineInfo, NO_NATIVE_TENSORFLOW } from './support/engineInfo.js';

const swiftshader: GpuAdapterInfo = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', software: true };
const ampere: GpuAdapterInfo = { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA GeForce RTX 3060', software: false };

const info = engineInfo({
  backends: [NO_NATIVE_TENSORFLOW, { name: 'webgpu', available: true, adapter: swiftshader }, { name: 'wasm', available: true }, { name: 'cpu', available: true }],
});

test('a run on a hardware adapter names it and needs no hint', () => {
  const started = { type: 'run-started', backend: 'webgpu', device: 'GPU', adapter: ampere } as RunStartedEvent;
  const badge = backendBadge({ ...info, backends: [info.backends[0]!, { name: 'webgpu', available: true, adapter: ampere }] }, started);
  assert.equal(badge.label, 'GPU · WebGPU · nvidia ampere');
  assert.equal(badge.device, 'GPU');
  assert.equal(badge.hint, '');
  assert.match(badge.detail, /WebGPU: available on nvidia ampere — NVIDIA GeForce RTX 3060/);
});

test('a run on a software adapter says so, and what to install', () => {
  const badge = backendBadge({ ...info, backend: 'webgpu', device: 'GPU', adapter: swiftshader }, null);
  assert.equal(badge.label, 'GPU · WebGPU · google swiftshader (software)');
  assert.match(badge.hint, /software adapter \(google swiftshader\), slower than WebAssembly: install the GPU's driver/);
});

test('on wasm the hint gives TensorFlow\'s and WebGPU\'s reasons', () => {
  const onWasm = backendBadge({ ...info, backend: 'wasm', device: 'CPU' }, null);
  assert.equal(onWasm.label, 'WASM · WebAssembly');
  assert.equal(onWasm.hint, 'The GPU is not used: tfjs-node-gpu is not installed. WebGPU found only a software adapter (google swiftshader).');
  const noVulkan = backendBadge(
    { ...info, backend: 'wasm', device: 'CPU', backends: [info.backends[0]!, { name: 'webgpu', available: false, reason: 'no WebGPU adapter was found: Vulkan has no driver here that Dawn can use' }] },
    null,
  );
  assert.match(noVulkan.hint, /WebGPU: no WebGPU adapter was found: Vulkan has no driver here/);
});
