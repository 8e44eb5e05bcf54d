/**
 * How the webgpu backend is chosen, on this machine's software adapter
 * (SwiftShader; engine/testing/swiftshader.ts): 'auto' passes it over and
 * says why, `--backend webgpu` uses it and names it, `info` lists it with its
 * adapter, and where Vulkan has no driver at all `train --backend webgpu`
 * fails with the reason and what to install.
 *
 * @subject engine/backend/select.ts engine/backend/webgpu.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { SWIFTSHADER_ICD, webgpuSkipReason } from '../testing/swiftshader.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { describeBackends, selectBackend } from './select.js';

const skip = await webgpuSkipReason();
const BIN = join(import.meta.dirname, '../../bin/convnet-studio.js');

test("'auto' never picks a software adapter, and says so", { skip }, async () => {
  const selected = await selectBackend('auto');
  assert.notEqual(selected.name, 'webgpu');
  const webgpu = selected.unavailable.find((s) => s.name === 'webgpu');
  assert.ok(webgpu?.adapter?.software, 'the skipped adapter is named, as software');
  assert.match(webgpu.reason ?? '', /only adapter is a software one \(google swiftshader .*\(software\)\), slower than WebAssembly; `--backend webgpu` uses it anyway/);
});

test("'webgpu' by name runs on the software adapter and names it; describeBackends lists it without switching", { skip }, async () => {
  const selected = await selectBackend('webgpu');
  assert.equal(selected.name, 'webgpu');
  assert.equal(selected.device, 'GPU');
  assert.equal(selected.adapter?.software, true);
  assert.match(`${selected.adapter?.vendor} ${selected.adapter?.architecture}`, /swiftshader/i);
  assert.equal(tf.getBackend(), 'webgpu');
  const sum = tf.sum(tf.tensor1d([1, 2, 3]));
  assert.equal((await sum.data())[0], 6);
  sum.dispose();

  await selectBackend('cpu');
  const statuses = await describeBackends();
  assert.deepEqual(statuses.map((s) => s.name), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
  assert.equal(statuses[1]!.available, true);
  assert.equal(statuses[1]!.adapter?.software, true);
  assert.equal(tf.getBackend(), 'cpu');
});

test('`info --json` lists webgpu with its adapter', { skip }, () => {
  const child = spawnSync(process.execPath, [BIN, 'info', '--json'], { encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD } });
  assert.equal(child.status, 0, child.stderr);
  const info = JSON.parse(child.stdout) as { backends: Array<{ name: string; available: boolean; adapter?: { software: boolean; description: string } }> };
  const webgpu = info.backends.find((b) => b.name === 'webgpu');
  assert.equal(webgpu?.available, true);
  assert.equal(webgpu?.adapter?.software, true);
  assert.match(webgpu?.adapter?.description ?? '', /SwiftShader/);
});

test('train --backend webgpu without any adapter fails with the reason and what to install', { skip: process.platform !== 'linux' && 'the no-driver case is arranged through Vulkan (Linux)' }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'cnnstudio-noadapter-'));
  try {
    const data = await writePatternFolder({ perClass: 4, size: 8, seed: 1 });
    await writeFile(join(work, 'p.cnnstudio.json'), JSON.stringify(tinyCnnProject({ size: 8 })));
    // A Vulkan loader pointed at a driver file that does not exist finds no GPU at all.
    const child = spawnSync(process.execPath, [BIN, 'train', 'p.cnnstudio.json', '--data', data, '--backend', 'webgpu', '--epochs', '1'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, VK_ICD_FILENAMES: join(work, 'no-such-driver.json') },
    });
    await rm(data, { recursive: true, force: true });
    assert.equal(child.status, 1);
    const ours = child.stderr.split('\n').filter((line) => line.startsWith('convnet-studio:'));
    assert.equal(ours.length, 1, child.stderr);
    assert.ok(
      ours[0]!.startsWith(`convnet-studio: The WebGPU backend cannot be used: no WebGPU adapter was found: the Vulkan driver named by VK_ICD_FILENAMES (${join(work, 'no-such-driver.json')}) offered none that Dawn can use`),
      ours[0],
    );
    assert.match(child.stderr, /hint: Install the Vulkan driver for your GPU and the Vulkan loader/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
