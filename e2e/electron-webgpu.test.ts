/**
 * The desktop engine window (electron/engineWindow.ts) through Playwright's
 * Electron driver: where Chromium's WebGPU has a hardware adapter the engine
 * runs hidden in it, locked down, and `info` names the adapter; elsewhere it
 * falls back to the utility process. Skipped where the Electron binary is not
 * installed (these build machines are offline, so `npx install-electron`
 * cannot fetch it); e2e/webgpuPage.test.ts runs the same training core in
 * headless Chromium meanwhile.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { findElectronBinary } from '../electron/electronBinary.js';
import { ensureElectronBuilt, ensureRendererBuilt, ROOT } from '../scripts/build.js';
import type { EngineInfo } from '../engine/protocol.js';

const electron = findElectronBinary(ROOT);
const skip = electron.found ? false : `the Electron binary is not installed: ${electron.reason}`;

let app: ElectronApplication;
let page: Page;

before(async () => {
  if (!electron.found) return;
  await ensureRendererBuilt();
  await ensureElectronBuilt();
  const userData = await mkdtemp(join(tmpdir(), 'cnnstudio-electron-webgpu-'));
  app = await _electron.launch({ executablePath: electron.path, args: [ROOT, `--user-data-dir=${userData}`] });
  page = await app.firstWindow();
});

after(async () => {
  await app?.close();
});

/** The engine's `info`, asked through the window's bridge as the renderer asks it. */
function engineInfo(): Promise<EngineInfo> {
  return page.evaluate(
    () =>
      new Promise<EngineInfo>((resolve) => {
        const bridge = (window as unknown as { convnetStudio: { send(t: string): void; onMessage(l: (t: string) => void): () => void } }).convnetStudio;
        const stop = bridge.onMessage((text) => {
          const message = JSON.parse(text) as { kind: string; id?: number; result?: EngineInfo };
          if (message.kind === 'response' && message.id === 424242) {
            stop();
            resolve(message.result!);
          }
        });
        bridge.send(JSON.stringify({ kind: 'request', id: 424242, command: { type: 'info' } }));
      }),
  );
}

test('with a hardware WebGPU adapter the engine runs in a hidden, locked-down engine window; without one, in the utility process', { skip }, async (t) => {
  const info = await engineInfo();
  const webgpu = info.backends.find((b) => b.name === 'webgpu');
  const windows = await app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows().map((w) => ({ visible: w.isVisible(), url: w.webContents.getURL(), throttled: w.webContents.getBackgroundThrottling() })),
  );
  const engineWindow = windows.find((w) => w.url.endsWith('/electron/engineWindow.html'));
  if (!webgpu?.available || webgpu.adapter?.software) {
    const utility = await app.evaluate(({ app: a }) => a.getAppMetrics().some((m) => m.type === 'Utility' && m.serviceName === 'Convnet Studio engine'));
    assert.ok(utility, 'without a hardware adapter the engine runs in the utility process');
    assert.equal(engineWindow, undefined, 'and the engine window is gone');
    t.skip(`no hardware WebGPU adapter on this machine (${webgpu?.reason ?? 'software adapter'}): the fallback was checked, the engine window was not`);
    return;
  }
  assert.ok(engineWindow, 'the engine window exists');
  assert.equal(engineWindow.visible, false);
  assert.equal(engineWindow.throttled, false);
  assert.equal(webgpu.adapter?.software, false);

  // The page has no Node, no script of its own, and cannot leave its file.
  const facts = await app.evaluate(async ({ BrowserWindow }) => {
    const w = BrowserWindow.getAllWindows().find((x) => x.webContents.getURL().endsWith('/electron/engineWindow.html'))!;
    const before = w.webContents.getURL();
    const inPage = await w.webContents.executeJavaScript(
      `({ require: typeof require, process: typeof process, csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? null })`,
    );
    await w.webContents.executeJavaScript(`location.href = 'https://example.com/'; 1`).catch(() => 0);
    await new Promise((r) => setTimeout(r, 500));
    return { ...inPage, stayed: w.webContents.getURL() === before };
  });
  assert.equal(facts.require, 'undefined');
  assert.equal(facts.process, 'undefined');
  assert.match(facts.csp ?? '', /default-src 'none'/);
  assert.equal(facts.stayed, true);
});
