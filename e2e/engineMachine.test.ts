/**
 * The status line's account of where the engine runs (renderer/src/lib/panels/backend.ts):
 * a pure function of the engine's `info`, checked here without a browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineInfo } from '../engine/protocol.js';
import { engineMachineLine, engineMachineTitle } from '../renderer/src/lib/panels/backend.js';
import { engineInfo } from './support/engineInfo.js';

const info = engineInfo({ host: 'gpu-box' });

test('before the first run the line names the machine and the backend the run will take', () => {
  assert.equal(engineMachineLine(info), 'engine on gpu-box · wasm at first run');
  assert.match(engineMachineTitle(info), /^Engine 0\.1\.0 on gpu-box \(Node v20, TensorFlow\.js 4\.22\.0\)\.\nThe backend is chosen when the first run starts\.\nTensorFlow \(native\): not available — tfjs-node-gpu is not installed/);
});

test('once a backend runs, the line names it and its device; an engine that names no host is still described', () => {
  const running: EngineInfo = { ...info, backend: 'tensorflow', device: 'GPU', devices: ['NVIDIA H200'], backends: [{ name: 'tensorflow', available: true }] };
  assert.equal(engineMachineLine(running), 'engine on gpu-box · GPU · TensorFlow (native)');
  assert.match(engineMachineTitle(running), /Backend: GPU · TensorFlow \(native\) — NVIDIA H200\./);
  const { host: _host, ...older } = info;
  assert.equal(engineMachineLine(older), 'engine · wasm at first run');
});
