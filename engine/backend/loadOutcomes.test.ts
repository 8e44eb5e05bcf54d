/**
 * What the selection does with each way a backend can load, in child
 * processes (each selection is once per process):
 * - tfjs-node-gpu that loads on the processor (no CUDA): looking at it puts
 *   back the backend it had switched to by itself; 'auto' passes it over; by name it
 *   runs, on the CPU; `info` lists it as available. And one that loads on a
 *   CUDA GPU: 'auto' takes it. tfjs-node-gpu cannot be installed here
 *   (offline; no CUDA GPU), so a stand-in does what its index does: it
 *   registers a 'tensorflow' backend (tfjs's own cpu kernels under that name,
 *   with the binding's isUsingGpuDevice flag) and makes it active.
 * - tfjs-node-gpu whose load throws something that is not an Error, and no
 *   tfjs-backend-wasm package at all.
 * - a wasm binary that is not WebAssembly (a truncated download), in its
 *   SIMD and its plain build.
 * Nothing else is replaced; the stand-ins reach the engine through Node's
 * module resolution (a --require preload), as in unavailable.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from '../testing/imageFiles.js';
import { nodeChildAnswer } from '../testing/nodeChild.js';

interface Outcome {
  activeAfterDescribe: string;
  auto: { name: string; device: string; unavailable: { name: string; reason: string }[] };
  activeAfterAuto: string;
  named: Record<string, { name?: string; device?: string; code?: string; message?: string }>;
  described: { name: string; available: boolean; reason?: string }[];
  current: { name: string; devices: string[] } | null;
}

const require = createRequire(import.meta.url);

/** Runs the selection in a child whose module resolution `redirects` changes; returns what it saw. */
async function selectIn(dir: string, redirects: Record<string, string | null>, named: string[], before = ''): Promise<Outcome> {
  await writeFile(
    join(dir, 'preload.cjs'),
    `const Module = require('node:module');
const redirects = ${JSON.stringify(redirects)};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request in redirects) {
    if (redirects[request] === null) throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
    return redirects[request];
  }
  return resolve.call(this, request, ...rest);
};
`,
  );
  const select = pathToFileURL(join(import.meta.dirname, 'select.ts')).href;
  await writeFile(
    join(dir, 'probe.mts'),
    `import * as tf from ${JSON.stringify(import.meta.resolve('@tensorflow/tfjs-core'))};
import { currentBackend, describeBackends, selectBackend } from ${JSON.stringify(select)};
${before}
const outcome = (p: Promise<{ name: string; device: string }>) => p.then((s) => ({ name: s.name, device: s.device }), (e) => ({ code: e.code, message: e.message }));
await tf.setBackend('cpu');
// The first look at the backends loads tfjs-node-gpu, which activates itself: cpu must stay active.
await describeBackends();
const activeAfterDescribe = tf.getBackend();
const auto = await selectBackend('auto');
const activeAfterAuto = tf.getBackend();
const named: Record<string, unknown> = {};
for (const name of ${JSON.stringify(named)}) named[name] = await outcome(selectBackend(name as never));
const described = await describeBackends();
console.log(JSON.stringify({ activeAfterDescribe, auto, activeAfterAuto, named, described, current: currentBackend() }));
`,
  );
  const { answer } = await nodeChildAnswer<Outcome>(['--require', join(dir, 'preload.cjs'), '--import', 'tsx', join(dir, 'probe.mts')], {
    cwd: import.meta.dirname,
    // No WebGPU adapter in these children: a driver file that does not exist (webgpu is not their subject).
    env: { ...process.env, VK_ICD_FILENAMES: join(dir, 'no-driver.json') },
  });
  return answer;
}

/** A stand-in for tfjs-node-gpu's index: registers 'tensorflow' and activates it, as the package does on require. */
function tensorflowStandIn(onGpu: boolean): string {
  return `const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs-core'))});
const { MathBackendCPU } = require(${JSON.stringify(require.resolve('@tensorflow/tfjs-backend-cpu'))});
tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: ${onGpu} }), 3);
tf.setBackend('tensorflow');
`;
}


test('tfjs-node-gpu on the processor: looking at it puts cpu back; auto passes it over; by name it runs on the CPU; info lists it', { timeout: 120_000 }, async (t) => {
  const { dir, remove } = await makeTempDir('tf-cpu');
  t.after(remove);
  await writeFile(join(dir, 'tfjs-node-gpu.cjs'), tensorflowStandIn(false));
  const result = await selectIn(dir, { '@tensorflow/tfjs-node-gpu': join(dir, 'tfjs-node-gpu.cjs') }, ['tensorflow']);
  const passedOver = result.auto.unavailable.find((s) => s.name === 'tensorflow');
  assert.equal(passedOver?.reason, 'TensorFlow loaded but found no CUDA GPU, so it would run on the processor');
  assert.notEqual(result.auto.name, 'tensorflow');
  assert.equal(result.activeAfterDescribe, 'cpu', 'the backend tfjs-node-gpu switched to by itself is switched back');
  assert.equal(result.activeAfterAuto, result.auto.name);
  assert.deepEqual(result.named['tensorflow'], { name: 'tensorflow', device: 'CPU' });
  assert.deepEqual(result.current, { name: 'tensorflow', device: 'CPU', devices: ['CPU: libtensorflow'] });
  assert.deepEqual(result.described[0], { name: 'tensorflow', available: true });
});

test('tfjs-node-gpu on a CUDA GPU: auto takes it first', { timeout: 120_000 }, async (t) => {
  const { dir, remove } = await makeTempDir('tf-gpu');
  t.after(remove);
  await writeFile(join(dir, 'tfjs-node-gpu.cjs'), tensorflowStandIn(true));
  const result = await selectIn(dir, { '@tensorflow/tfjs-node-gpu': join(dir, 'tfjs-node-gpu.cjs') }, []);
  assert.deepEqual([result.auto.name, result.auto.device, result.auto.unavailable], ['tensorflow', 'GPU', []]);
  assert.deepEqual(result.current?.devices, ['GPU: CUDA through libtensorflow']);
});

test('tfjs-node-gpu that throws a non-Error, and no tfjs-backend-wasm package: auto falls to cpu naming both', { timeout: 120_000 }, async (t) => {
  const { dir, remove } = await makeTempDir('no-wasm');
  t.after(remove);
  await writeFile(join(dir, 'tfjs-node-gpu.cjs'), "throw 'libcudart.so.11.0 missing';\n");
  const result = await selectIn(dir, { '@tensorflow/tfjs-node-gpu': join(dir, 'tfjs-node-gpu.cjs'), '@tensorflow/tfjs-backend-wasm': null }, ['wasm']);
  assert.equal(result.auto.name, 'cpu');
  const reasons = Object.fromEntries(result.auto.unavailable.map((s) => [s.name, s.reason]));
  assert.equal(reasons['tensorflow'], 'tfjs-node-gpu is installed but could not load: libcudart.so.11.0 missing');
  assert.equal(reasons['wasm'], '@tensorflow/tfjs-backend-wasm is not installed');
  assert.equal(result.named['wasm']?.message, 'The WebAssembly backend cannot be used: @tensorflow/tfjs-backend-wasm is not installed.');
});

test('a wasm binary that is not WebAssembly is refused as not compiling, the SIMD build where SIMD is on and the plain one where it is off', { timeout: 180_000 }, async (t) => {
  const { dir, remove } = await makeTempDir('bad-wasm');
  t.after(remove);
  for (const simd of [true, false]) {
    // Only the build this mode reads is there, and it is a download cut short (a page, not a module):
    // reading the other one would say "missing".
    const dist = join(dir, `wasm-dist-${simd}`);
    await mkdir(dist);
    await writeFile(join(dist, simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm'), '<html>502 Bad Gateway</html>');
    const result = await selectIn(dir, { '@tensorflow/tfjs-backend-wasm': join(dist, 'index.js') }, ['wasm'], `tf.env().set('WASM_HAS_SIMD_SUPPORT', ${simd});`);
    const reason = result.auto.unavailable.find((s) => s.name === 'wasm')?.reason ?? '';
    assert.match(reason, /^the WebAssembly binary does not compile here: WebAssembly\.compile\(\): expected magic word/, `SIMD ${simd}`);
    assert.equal(result.auto.name, 'cpu');
    assert.equal(result.named['wasm']?.message, `The WebAssembly backend cannot be used: ${reason}.`);
    assert.deepEqual(result.described.find((s) => s.name === 'wasm'), { name: 'wasm', available: false, reason });
  }
});
