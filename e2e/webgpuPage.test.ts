/**
 * The Electron engine window's path, in headless Chromium: the engine's
 * training core (the webgpu backend as the engine starts it, the engine's
 * graph builder and TrainingRun) runs in a page under a strict CSP on
 * Chromium's own WebGPU (--enable-unsafe-webgpu; SwiftShader here, a real
 * GPU in the desktop app), and trains like the cpu backend does in the same
 * page. There is no Electron binary here, so a plain page stands in for the
 * engine window; e2e/electron-webgpu.test.ts drives the real one where
 * Electron exists. File writes go to an in-memory tree (support/webgpuPage/memoryFiles.ts).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from './support/browser.js';
import type { PageRun } from './support/webgpuPage/pageTrainer.js';

const SHIMS = fileURLToPath(new URL('./support/webgpuPage/memoryFiles.ts', import.meta.url));
const ENTRY = fileURLToPath(new URL('./support/webgpuPage/pageTrainer.ts', import.meta.url));
/** The engine window's policy for scripts: its own bundle only, no eval, no network. */
const CSP = "default-src 'none'; script-src 'self'";

let browser: Browser;
let page: Page;
let skip: string | false = existsSync(CHROMIUM_PATH) ? false : `Chromium is not installed at ${CHROMIUM_PATH} (.ci/run installs Debian's chromium)`;
const consoleLines: string[] = [];

before(async () => {
  if (skip) return;
  const esbuild = await import('esbuild');
  const bundle = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    // Dawn's Node package is never reached in a page (navigator.gpu is there); node:* become the in-memory shims.
    external: ['webgpu'],
    banner: { js: 'globalThis.setImmediate ??= (f, ...a) => setTimeout(f, 0, ...a);' },
    plugins: [{ name: 'node-shims', setup: (b) => b.onResolve({ filter: /^node:/ }, () => ({ path: SHIMS })) }],
    logLevel: 'error',
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'],
  });
  page = await browser.newPage();
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  // http://localhost is a secure context (WebGPU needs one), served from memory: nothing leaves the machine.
  await page.route('http://localhost/**', (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/engine.html') {
      return route.fulfill({ contentType: 'text/html', headers: { 'Content-Security-Policy': CSP }, body: '<!doctype html><title>engine</title><script type="module" src="/engine.js"></script>' });
    }
    if (url.pathname === '/engine.js') return route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0]!.text });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto('http://localhost/engine.html');
  await page.waitForFunction(() => 'studioTrain' in globalThis, undefined, { timeout: 60_000 });
  const adapter = await page.evaluate(async () => Boolean(await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()));
  if (!adapter) skip = 'Chromium offers no WebGPU adapter here (no GPU, and no SwiftShader Vulkan driver)';
});

after(async () => {
  await browser?.close();
});

const train = (backend: 'webgpu' | 'cpu', stopAfterBatches?: number) =>
  page.evaluate(
    ([b, s]) => (globalThis as unknown as { studioTrain: (b: string, s?: number) => Promise<PageRun> }).studioTrain(b, s ?? undefined),
    [backend, stopAfterBatches ?? null] as const,
  );

function ended(run: PageRun) {
  const end = run.events.at(-1)!;
  assert.equal(end.type, 'finished', `${end.type === 'error' ? end.message : end.type}\n${consoleLines.join('\n')}`);
  return end as Extract<typeof end, { type: 'finished' }>;
}

test('the engine\'s TrainingRun trains on Chromium\'s WebGPU in a page as it does on cpu, with flat tensors and checkpoints', { timeout: 300_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const gpu = await train('webgpu');
  const cpu = await train('cpu');
  const gpuEnd = ended(gpu);
  const cpuEnd = ended(cpu);
  t.diagnostic(`adapter ${JSON.stringify(gpu.adapter)}; validation accuracy webgpu ${gpuEnd.metrics.valAccuracy}, cpu ${cpuEnd.metrics.valAccuracy}`);

  const started = gpu.events.find((e) => e.type === 'run-started');
  assert.ok(started?.type === 'run-started' && started.backend === 'webgpu' && started.adapter, 'run-started names the adapter');
  assert.equal(gpu.adapter?.software, true, 'SwiftShader is called out as software');
  assert.equal(gpu.backend, 'webgpu');
  assert.ok(gpuEnd.metrics.valAccuracy! >= cpuEnd.metrics.valAccuracy! - 0.07, `webgpu ${gpuEnd.metrics.valAccuracy} vs cpu ${cpuEnd.metrics.valAccuracy}`);
  assert.ok(gpuEnd.metrics.valAccuracy! > 0.6, 'well above chance (1/3)');
  assert.equal(gpu.epochMemory.length, 3);
  assert.ok(gpu.epochMemory.every((m) => m.tensors === gpu.epochMemory[0]!.tensors && m.gpuBytes === gpu.epochMemory[0]!.gpuBytes), JSON.stringify(gpu.epochMemory));
  assert.equal(gpu.tensorsAfter, gpu.tensorsBefore, 'the run frees every tensor');
  for (const file of ['checkpoints/epoch-003/model.json', 'checkpoints/epoch-003/weights.bin', 'metrics.jsonl', 'model/model.json']) {
    assert.ok(gpu.files.some((f) => f.endsWith(file)), `${file} written (${gpu.files.join(', ')})`);
  }
});

test('stopping the run in the page ends it after the batch and frees every tensor', { timeout: 120_000 }, async (t) => {
  if (skip) return t.skip(skip);
  const run = await train('webgpu', 1);
  assert.equal(ended(run).status, 'stopped');
  assert.equal(run.tensorsAfter, run.tensorsBefore);
});
