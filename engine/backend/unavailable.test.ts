/**
 * Backends that fail to load, in a child process: tfjs-node-gpu installed but
 * unable to load (its native library missing: the usual failure on a machine
 * without the right CUDA), and a WebAssembly binary that is not there. 'auto'
 * then falls through to cpu and says why for each; a named backend is refused
 * with that reason. tfjs-node-gpu cannot be installed here (offline), so a
 * stand-in that throws what its binding throws takes its place, through
 * Node's module resolution (a --require preload); the wasm package is pointed
 * at an empty folder the same way. Nothing else is replaced.
 *
 * @subject engine/backend/select.ts engine/backend/tensorflow.ts engine/backend/wasm.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from '../testing/imageFiles.js';
import { nodeChildAnswer } from '../testing/nodeChild.js';

const NATIVE_ERROR = 'libtensorflow.so.2: cannot open shared object file: No such file or directory';

test("a tfjs-node-gpu that cannot load and a missing wasm binary: 'auto' falls to cpu and says why; each named one is refused", { timeout: 120_000 }, async (t) => {
  const { dir, remove } = await makeTempDir('backends-');
  t.after(remove);
  await writeFile(join(dir, 'broken-tfjs-node-gpu.cjs'), `throw new Error(${JSON.stringify(NATIVE_ERROR)});\n`);
  await writeFile(
    join(dir, 'preload.cjs'),
    `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@tensorflow/tfjs-node-gpu') return ${JSON.stringify(join(dir, 'broken-tfjs-node-gpu.cjs'))};
  if (request === '@tensorflow/tfjs-backend-wasm') return ${JSON.stringify(join(dir, 'no-wasm', 'index.js'))};
  return resolve.call(this, request, ...rest);
};
`,
  );
  const select = pathToFileURL(join(import.meta.dirname, 'select.ts')).href;
  const tf = import.meta.resolve('@tensorflow/tfjs-core');
  await writeFile(
    join(dir, 'probe.mts'),
    `import * as tf from ${JSON.stringify(tf)};
import { describeBackends, selectBackend } from ${JSON.stringify(select)};
const refusal = (p: Promise<unknown>) => p.then(() => null, (e) => ({ code: e.code, message: e.message, hint: e.hint }));
const auto = await selectBackend('auto');
const active = tf.getBackend();
const tensorflow = await refusal(selectBackend('tensorflow'));
const wasm = await refusal(selectBackend('wasm'));
const described = await describeBackends();
console.log(JSON.stringify({ auto, active, tensorflow, wasm, described, after: tf.getBackend() }));
`,
  );
  type Status = { name: string; available: boolean; reason: string };
  type Refused = { code: string; message: string; hint: string };
  type Answer = { auto: { name: string; unavailable: Status[] }; active: string; tensorflow: Refused; wasm: Refused; described: Status[]; after: string };
  const { answer: result } = await nodeChildAnswer<Answer>(['--require', join(dir, 'preload.cjs'), '--import', 'tsx', join(dir, 'probe.mts')], { cwd: import.meta.dirname });

  const couldNotLoad = `tfjs-node-gpu is installed but could not load: ${NATIVE_ERROR}`;
  assert.equal(result.auto.name, 'cpu');
  assert.equal(result.active, 'cpu');
  // webgpu is left out of these lists: whether this machine has an adapter is not this test's subject
  // (engine/backend/webgpu*.test.ts covers it); 'auto' went past it to cpu either way.
  const notWebgpu = (s: { name: string }) => s.name !== 'webgpu';
  const unavailable = result.auto.unavailable.filter(notWebgpu);
  assert.deepEqual(unavailable.map((s: { name: string }) => s.name), ['tensorflow', 'wasm']);
  assert.equal(unavailable[0].reason, couldNotLoad);
  assert.match(unavailable[1].reason, /^the WebAssembly binary is missing: .*no-wasm\/tfjs-backend-wasm(-simd)?\.wasm$/);

  assert.equal(result.tensorflow.code, 'backend-unavailable');
  assert.equal(result.tensorflow.message, `The TensorFlow (tfjs-node-gpu) backend cannot be used: ${couldNotLoad}.`);
  assert.match(result.tensorflow.hint, /npm install @tensorflow\/tfjs-node-gpu/);
  assert.equal(result.wasm.code, 'backend-unavailable');
  assert.match(result.wasm.message, /^The WebAssembly backend cannot be used: the WebAssembly binary is missing: /);
  assert.match(result.wasm.hint, /npm install/);

  assert.deepEqual(result.described.filter(notWebgpu), [
    { name: 'tensorflow', available: false, reason: couldNotLoad },
    { name: 'wasm', available: false, reason: unavailable[1].reason },
    { name: 'cpu', available: true },
  ]);
  assert.equal(result.after, 'cpu', 'refused selections and the description leave cpu active');
});
