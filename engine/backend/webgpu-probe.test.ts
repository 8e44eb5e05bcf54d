/**
 * How the WebGPU probe and start fail, each in a child process (the probe's
 * answer is kept for the life of a process): the probe child crashing after
 * a driver warning, the `webgpu` package missing or failing to load in it or
 * in the engine's own process, an adapter the probe found that this process
 * is not offered, no Vulkan driver at all; and a page that has its own
 * navigator.gpu (as the Electron engine window has Chromium's), with and
 * without an adapter. The adapter, where there is one, is SwiftShader's
 * (engine/testing/swiftshader.ts). Where the `webgpu` package or its native
 * library has to fail, a Node module hook puts a module that fails in its
 * place (the package is installed here and loads); a crashing driver is a
 * preload that prints Dawn's warning and dies of SIGSEGV. Nothing else is
 * replaced. Then the adapter's description and label from what adapters report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from '../testing/imageFiles.js';
import { nodeChildAnswer } from '../testing/nodeChild.js';
import { SWIFTSHADER_ICD, webgpuSkipReason } from '../testing/swiftshader.js';
import { adapterLabel, describeAdapter } from './webgpu.js';

const skip = await webgpuSkipReason();
const modules = {
  webgpu: pathToFileURL(join(import.meta.dirname, 'webgpu.ts')).href,
  select: pathToFileURL(join(import.meta.dirname, 'select.ts')).href,
};

interface Answer {
  probe: { loaded: boolean; reason?: string; hint?: string; adapter?: { software: boolean; vendor: string } };
  selected?: { name: string; adapter?: { software: boolean } };
  refused?: { code: string; message: string };
  memory?: { tensors: number; gpuBytes?: number };
}

/**
 * Runs `script` (after the probe imports) in a child with `env`; it ends by printing
 * the probe and what selecting webgpu did. Files in `files` are written first.
 */
async function inChild(files: Record<string, string>, script: string, env: Record<string, string | undefined>): Promise<{ answer: Answer; stderr: string }> {
  const { dir, remove } = await makeTempDir('webgpu-probe');
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text.replaceAll('$DIR', dir));
    await writeFile(
      join(dir, 'child.mts'),
      `import { probeWebgpu } from ${JSON.stringify(modules.webgpu)};
import { backendMemory, selectBackend } from ${JSON.stringify(modules.select)};
${script.replaceAll('$DIR', dir)}
const answer: Record<string, unknown> = { probe: await probeWebgpu() };
await (globalThis as { beforeSelect?: () => Promise<void> }).beforeSelect?.();
try {
  answer.selected = await selectBackend('webgpu');
  answer.memory = backendMemory();
} catch (e) {
  answer.refused = { code: (e as { code: string }).code, message: (e as Error).message };
}
console.log(JSON.stringify(answer));
process.exit(0);
`,
    );
    const childEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    return await nodeChildAnswer<Answer>(['--import', 'tsx', join(dir, 'child.mts')], { cwd: import.meta.dirname, env: childEnv });
  } finally {
    await remove();
  }
}

/** A module hook: `webgpu` is missing, or resolves to a module that throws what a broken native build throws. */
function webgpuHook(kind: 'missing' | 'load'): Record<string, string> {
  return {
    'broken-webgpu.mjs': "throw new Error('dawn.node: undefined symbol: wgpuCreateInstance');\n",
    'hooks.mjs': `export async function resolve(specifier, context, next) {
  if (specifier !== 'webgpu') return next(specifier, context);
  ${
    kind === 'missing'
      ? "throw Object.assign(new Error(\"Cannot find package 'webgpu' imported from \" + context.parentURL), { code: 'ERR_MODULE_NOT_FOUND' });"
      : "return { url: new URL('broken-webgpu.mjs', import.meta.url).href, shortCircuit: true };"
  }
}
`,
    'register.mjs': "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
  };
}

const INSTALL_HINT = /^Install the Vulkan driver for your GPU and the Vulkan loader/;
const swiftshader = { VK_ICD_FILENAMES: SWIFTSHADER_ICD, VK_DRIVER_FILES: undefined };

test('a probe child that crashes after a driver warning: the failure and Dawn\'s words, one line', { skip }, async () => {
  const files = {
    'crash.cjs': "process.stderr.write('error: XDG_RUNTIME_DIR is invalid\\nWarning: vkEnumeratePhysicalDevices failed with VK_ERROR_INITIALIZATION_FAILED.\\n');\nprocess.kill(process.pid, 'SIGSEGV');\n",
  };
  // Only the probe child gets the preload: it is set after this process started.
  const { answer } = await inChild(files, "process.env.NODE_OPTIONS = '--require $DIR/crash.cjs';", swiftshader);
  assert.equal(answer.probe.loaded, false);
  assert.match(answer.probe.reason!, /^asking the GPU driver for a WebGPU adapter failed: Command failed: .*webgpuProbe\.mjs \(Dawn: vkEnumeratePhysicalDevices failed with VK_ERROR_INITIALIZATION_FAILED\)$/);
  assert.match(answer.probe.hint!, INSTALL_HINT);
  assert.equal(answer.refused?.code, 'backend-unavailable');
  assert.equal(answer.refused?.message, `The WebGPU backend cannot be used: ${answer.probe.reason}.`);
});

test('the webgpu package missing, or failing to load, in the probe child: said as such', { skip }, async () => {
  const missing = await inChild(webgpuHook('missing'), "process.env.NODE_OPTIONS = '--import $DIR/register.mjs';", swiftshader);
  assert.equal(missing.answer.probe.reason, 'the optional `webgpu` package (Dawn\'s Node bindings) is not installed');
  const broken = await inChild(webgpuHook('load'), "process.env.NODE_OPTIONS = '--import $DIR/register.mjs';", swiftshader);
  assert.equal(broken.answer.probe.reason, 'the `webgpu` package (Dawn\'s Node bindings) could not load: dawn.node: undefined symbol: wgpuCreateInstance');
  assert.equal(broken.answer.refused?.message, `The WebGPU backend cannot be used: ${broken.answer.probe.reason}.`);
});

test('the probe finds an adapter but this process is not offered one, or cannot load webgpu: refused, naming the adapter found', { skip }, async () => {
  // The driver goes away between the probe and the start (the Vulkan loader reads its variable when Dawn starts here).
  const gone = await inChild({}, "(globalThis as { beforeSelect?: () => Promise<void> }).beforeSelect = async () => { process.env.VK_ICD_FILENAMES = '$DIR/gone.json'; };", swiftshader);
  assert.equal(gone.answer.probe.loaded, true);
  assert.equal(gone.answer.refused?.message, 'The WebGPU backend cannot be used: the adapter the probe found is not offered to this process.');

  const files = webgpuHook('missing');
  const missing = await inChild(
    files,
    "(globalThis as { beforeSelect?: () => Promise<void> }).beforeSelect = async () => { const { register } = await import('node:module'); register('$DIR/hooks.mjs', import.meta.url); };",
    swiftshader,
  );
  assert.equal(missing.answer.probe.loaded, true);
  assert.equal(missing.answer.refused?.message, 'The WebGPU backend cannot be used: the optional `webgpu` package (Dawn\'s Node bindings) is not installed.');
});

test('no Vulkan driver named and none Dawn can use: said so, with what to install', { skip: process.platform !== 'linux' && 'arranged through Vulkan (Linux)' }, async (t) => {
  const { answer } = await inChild({}, '', { VK_ICD_FILENAMES: undefined, VK_DRIVER_FILES: undefined });
  if (answer.probe.loaded) {
    t.skip(`this machine has a Vulkan driver Dawn can use (${answer.probe.adapter?.vendor})`);
    return;
  }
  assert.match(answer.probe.reason!, /^no WebGPU adapter was found: Vulkan has no driver here that Dawn can use( \(Dawn: .+\))?$/);
  assert.match(answer.probe.hint!, INSTALL_HINT);
});

/** Gives this process a navigator.gpu of its own, as a Chromium page has: Dawn's, on the driver `VK_ICD_FILENAMES` names. */
const PAGE_GPU = `const dawn = (await import(${JSON.stringify(import.meta.resolve('webgpu'))})) as unknown as { create(f: string[]): unknown; globals: Record<string, unknown> };
Object.assign(globalThis, dawn.globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]) }, configurable: true, writable: true });`;

test('a page with its own navigator.gpu: the probe and the backend use it; GPU bytes are counted', { skip }, async () => {
  const { answer } = await inChild({}, PAGE_GPU, swiftshader);
  assert.equal(answer.probe.loaded, true);
  assert.equal(answer.probe.adapter?.software, true);
  assert.equal(answer.selected?.name, 'webgpu');
  assert.equal(typeof answer.memory?.gpuBytes, 'number', 'on webgpu the memory report has the GPU bytes');
});

test('a page whose navigator.gpu offers no adapter: said so', { skip }, async () => {
  const { answer } = await inChild({}, PAGE_GPU, { VK_ICD_FILENAMES: '/nonexistent/driver.json' });
  assert.deepEqual([answer.probe.loaded, answer.probe.reason], [false, 'the page\'s WebGPU offers no adapter']);
  assert.equal(answer.refused?.message, 'The WebGPU backend cannot be used: the page\'s WebGPU offers no adapter.');
});

test('an adapter described from what it reports: names, fallback flags, software drivers by name; its label', () => {
  const features = { has: () => false };
  const bare = describeAdapter({ features, limits: {}, requestDevice: async () => ({}) as never });
  assert.deepEqual(bare, { vendor: '', architecture: '', device: '', description: '', software: false });
  assert.equal(adapterLabel(bare), 'unnamed adapter');

  const fallback = describeAdapter({ isFallbackAdapter: true, features, limits: {}, requestDevice: async () => ({}) as never });
  assert.equal(fallback.software, true, 'the older adapter-level flag');
  const lavapipe = describeAdapter({ info: { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, features, limits: {}, requestDevice: async () => ({}) as never });
  assert.deepEqual(lavapipe, { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: '', software: true });
  assert.equal(adapterLabel(lavapipe), 'mesa (software)');

  assert.equal(adapterLabel({ vendor: '', architecture: '', device: 'Apple M2', description: 'Apple M2', software: false }), 'Apple M2', 'a description that repeats the name is left out');
  assert.equal(adapterLabel({ vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA RTX A4000', software: false }), 'nvidia ampere — NVIDIA RTX A4000');
});
