/**
 * The desktop window through Playwright's Electron driver. These run where
 * the Electron binary is installed (`npx install-electron`); on machines
 * without it (an offline install) they are skipped, with the reason printed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { ensureElectronBuilt, ensureRendererBuilt, ROOT } from '../scripts/build.js';
import { findElectronBinary } from '../electron/electronBinary.js';
import { CONTENT_SECURITY_POLICY } from '../engine/host/contentSecurityPolicy.js';
import { listTemplates } from '../engine/graph/templates.js';
import { screenshot } from './support/artefacts.js';
import { sampleData } from './support/sampleData.js';

const electron = findElectronBinary(ROOT);
const skip = electron.found ? false : `the Electron binary is not installed: ${electron.reason}`;

let app: ElectronApplication;
let page: Page;
let userData: string;

before(async () => {
  if (!electron.found) return;
  await ensureRendererBuilt();
  await ensureElectronBuilt();
  userData = await mkdtemp(join(tmpdir(), 'cnnstudio-electron-user-'));
  // These test the utility process; e2e/electron-webgpu.test.ts tests the engine window.
  app = await _electron.launch({ executablePath: electron.path, args: [ROOT, `--user-data-dir=${userData}`], env: { ...process.env, CONVNET_STUDIO_ENGINE_HOST: 'utility' } });
  page = await app.firstWindow();
});

after(async () => {
  await app?.close();
});

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

test('the window is locked down: studio:// origin, CSP, no Node, only the bridge', { skip }, async () => {
  assert.equal(new URL(page.url()).origin, 'studio://app');
  // One window shown; the engine window, where WebGPU has a GPU, is never shown.
  assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().filter((w) => w.isVisible()).length), 1);
  const csp = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
  assert.equal(csp, CONTENT_SECURITY_POLICY);
  const surface = await page.evaluate(() => ({
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    bridge: Object.keys((window as unknown as { convnetStudio: object }).convnetStudio).sort(),
    // contextBridge hands the page a frozen copy: the page cannot swap the bridge's methods.
    frozen: Object.isFrozen((window as unknown as { convnetStudio: object }).convnetStudio),
  }));
  assert.deepEqual(surface, {
    require: 'undefined',
    process: 'undefined',
    bridge: ['chooseFolder', 'chooseProjectSavePath', 'chooseProjectToOpen', 'onMenu', 'onMessage', 'send'],
    frozen: true,
  });
  // Navigation away and new windows are refused. Main is watched for the navigation attempt
  // (its own handler, registered first, has refused it by then) instead of sleeping.
  await app.evaluate(({ BrowserWindow }) => {
    const contents = BrowserWindow.getAllWindows()[0]!.webContents;
    (globalThis as { navigationSeen?: Promise<string> }).navigationSeen = new Promise((resolve) => contents.once('will-navigate', (_event, url) => resolve(url)));
  });
  await page.evaluate(() => {
    window.open('https://example.com');
    location.href = 'https://example.com';
  });
  const attempted = await app.evaluate(() => (globalThis as { navigationSeen?: Promise<string> }).navigationSeen!);
  assert.equal(new URL(attempted).origin, 'https://example.com');
  assert.equal(await app.evaluate(({ BrowserWindow }) => new URL(BrowserWindow.getAllWindows()[0]!.webContents.getURL()).origin), 'studio://app');
  assert.equal(new URL(page.url()).origin, 'studio://app');
  // One window shown; the engine window, where WebGPU has a GPU, is never shown.
  assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().filter((w) => w.isVisible()).length), 1);
});

test('create a project, train one epoch in the utility process, see the epoch', { skip }, async () => {
  const data = sampleData();
  await byTestId('engine-ready').waitFor();
  assert.equal(await page.locator('[data-testid^="template-"]').count(), listTemplates().length + 1, 'the templates and the empty project');
  await byTestId('template-seed-cnn').check();
  await byTestId('create-project').click();
  await byTestId('graph-summary').waitFor();
  const projectPath = join(userData, 'desktop.cnnstudio.json');
  await byTestId('project-path').fill(projectPath);
  await byTestId('save-project').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="save-project"]')?.hasAttribute('disabled'));
  assert.equal(JSON.parse(await readFile(projectPath, 'utf8')).format, 'convnet-studio.project');
  await byTestId('data-path').fill(data);
  await byTestId('epochs').fill('1');
  await byTestId('train').click();
  await byTestId('epoch-row').first().waitFor({ timeout: 120_000 });
  await screenshot(page, 'electron studio after one epoch');
});

test('the engine utility process killed: the window says so and trains again', { skip }, async () => {
  const pid = await app.evaluate(({ app: electronApp }) => electronApp.getAppMetrics().find((m) => m.type === 'Utility' && m.serviceName === 'Convnet Studio engine')?.pid);
  assert.ok(pid, 'the engine runs in a utility process');
  process.kill(pid, 'SIGKILL');
  await page.locator('[data-testid="notice"][data-code="engine-crashed"]').waitFor({ timeout: 30_000 });
  await byTestId('engine-ready').waitFor();
  assert.equal(await byTestId('graph-summary').count(), 1, 'the project is still open');
});
