/**
 * Transfer learning from the window, on the real web host and engine: the
 * welcome screen names the template's base with its licence and source; a
 * mobilenetv2-imagenet project (32 px, so it stays cheap: the base's weights
 * fit any input size) on a few real Fashion-MNIST images. The Train panel
 * shows the base's licence and source and its transfer settings; a bad value
 * gets the engine's message naming the setting, and an edit is undone like
 * any other. The base URL field points the run at a mirror served from
 * 127.0.0.1 inside this test (the MobileNetV2 0.35 fixture with random
 * weights the engine tests use; ImageNet's files cannot be fetched here),
 * which holds the weights half-way so the window's download progress (bar,
 * bytes, percent) can be seen; the run then trains both phases. A second
 * run takes the base from the cache: nothing is asked of the mirror and no
 * download is shown. The user data folder (the cache) is this test's own,
 * through CONVNET_STUDIO_DATA, which the engine's child process inherits.
 * Screenshots of the Train panel at 1280×720 and 1920×1080, light and dark,
 * are kept in test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { byTestId, openTab } from './support/locators.js';
import { launchChromium } from './support/browser.js';
import { RESULTS_DIR, withPage } from './support/artefacts.js';
import { startWebStudio, type WebStudio } from './support/webStudio.js';
import { createProject } from '../engine/graph/templates.js';
import type { ProjectFile } from '../engine/protocol.js';
import { writeFashionFolder } from '../engine/testing/exportFixtures.js';
import { DATA_FOLDER_ENV } from '../engine/pretrained/cacheFolder.js';
import { findBase } from '../engine/pretrained/registry.js';
import { randomBaseModel, serveFolder, writeTfjsBaseFixture, type FixtureServer } from '../engine/testing/pretrainedBases.js';

let studio: WebStudio;
let browser: Browser;
let server: FixtureServer;
let workDir: string;
let projectPath: string;
const previousDataFolder = process.env[DATA_FOLDER_ENV];

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'cnnstudio-e2e-transfer-'));
  // Set before the web host forks its engine, which inherits it.
  process.env[DATA_FOLDER_ENV] = join(workDir, 'user-data');
  // The mirror's base is made here, with tfjs in this process (the engine runs in its own).
  await tf.setBackend('cpu');
  const source = await randomBaseModel(0.35, 224, 3);
  await writeTfjsBaseFixture(source, join(workDir, 'mirror'));
  source.dispose();
  const folder = posix.dirname(findBase('mobilenetv2-0.35-224').file);
  const shards = (await readdir(join(workDir, 'mirror', ...folder.split('/')))).filter((f) => f !== 'model.json');
  server = await serveFolder(join(workDir, 'mirror'), { hold: shards.map((f) => `${folder}/${f}`) });

  const data = await writeFashionFolder(join(workDir, 'fashion'), { classes: [0, 1, 7], perClass: 4, split: 'train' });
  const created = createProject('mobilenetv2-imagenet', 'Transfer in the window');
  const project: ProjectFile = {
    ...created,
    graph: { ...created.graph, nodes: created.graph.nodes.map((n) => (n.type === 'Input' ? { ...n, params: { shape: [32, 32, 3] } } : n)) },
    data: { ...created.data, path: data, validationSplit: 0.34 },
    training: { ...created.training, epochs: 1, batchSize: 8, transfer: { head: 'predictions', fineTuneBlocks: 1, fineTuneEpochs: 1, fineTuneLearningRateFactor: 0.1 } },
  };
  projectPath = join(workDir, 'transfer.cnnstudio.json');
  await writeFile(projectPath, JSON.stringify(project, null, 2));
  [studio, browser] = await Promise.all([startWebStudio(), launchChromium()]);
});

after(async () => {
  await browser?.close();
  await studio?.host.close();
  await server?.close();
  if (previousDataFolder === undefined) delete process.env[DATA_FOLDER_ENV];
  else process.env[DATA_FOLDER_ENV] = previousDataFolder;
  await rm(workDir, { recursive: true, force: true });
});

/** The Train panel with its transfer settings in view, as a person sees it at this size and theme. */
async function picture(page: Page, width: number, height: number, theme: 'light' | 'dark'): Promise<void> {
  await page.setViewportSize({ width, height });
  await byTestId(page, 'theme').selectOption(theme);
  await byTestId(page, 'transfer-settings').scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window at ${width}×${height}`);
  await page.screenshot({ path: join(RESULTS_DIR, `transfer-settings-${width}x${height}-${theme}.png`) });
}

test('transfer settings in the Train panel; the base downloads with progress from a mirror, then comes from the cache', async () => {
  await withPage(browser, 'transfer train', async (page) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(studio.host.url);
    await byTestId(page, 'engine-ready').waitFor();
    // Where the base is chosen (the template), it is named with its licence and source.
    await page.waitForFunction(() => /Apache License 2\.0/.test(document.querySelector('[data-testid="base-of-template"]')?.textContent ?? ''));
    const offered = await byTestId(page, 'base-of-template').innerText();
    assert.match(offered, /Base: MobileNetV2 α 0\.35, 224 px \(TensorFlow\.js, Teachable Machine\) · Apache License 2\.0/);
    assert.match(offered, /storage\.googleapis\.com\/teachable-machine-models\//);
    await byTestId(page, 'base-of-template').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS_DIR, 'transfer-welcome-1280x720-light.png') });
    await byTestId(page, 'open-menu').click();
    await byTestId(page, 'open-path').fill(projectPath);
    await byTestId(page, 'open-project').click();
    await byTestId(page, 'project-title').waitFor();
    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');

    // The base, named with its licence and source (the engine's bases.list).
    const base = byTestId(train, 'transfer-base');
    await byTestId(base, 'transfer-base-licence').waitFor();
    assert.match(await base.innerText(), /MobileNetV2 α 0\.35, 224 px \(TensorFlow\.js, Teachable Machine\)/);
    assert.equal(await byTestId(base, 'transfer-base-licence').innerText(), 'Apache License 2.0');
    assert.match(await byTestId(base, 'transfer-base-source').innerText(), /teachable-machine-models\/.*model\.json.*ImageNet/);
    assert.equal(await byTestId(train, 'train-fine-tune-epochs').inputValue(), '1');
    // A pretrained base's frozen layers have their weights: no "random frozen layers" warning.
    assert.equal(await byTestId(train, 'train-frozen-warning').count(), 0);
    assert.match(await byTestId(train, 'frozen-count').innerText(), /^\d+ layers frozen$/);

    // A bad value: the engine's message names the setting, and the project keeps its value.
    const factor = byTestId(train, 'train-fine-tune-factor');
    await factor.fill('0');
    const refusedFactor = byTestId(train, 'train-fine-tune-factor-refused');
    await refusedFactor.waitFor();
    assert.match(await refusedFactor.innerText(), /training\.transfer\.fineTuneLearningRateFactor is 0; it must be a number greater than 0 and at most 1/);
    await refusedFactor.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS_DIR, 'transfer-refused-1280x720-light.png') });
    await factor.fill('0.5');
    await refusedFactor.waitFor({ state: 'detached' });
    // An edit is one undoable step, like any setting.
    await page.waitForFunction(() => document.querySelector('[data-testid="undo"]')?.getAttribute('title')?.includes("phase 2's rate factor to 0.5"));
    await byTestId(page, 'undo').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="train-fine-tune-factor"]') as HTMLInputElement | null)?.value === '0.1');

    const url = byTestId(train, 'train-bases-url');
    await url.fill('ftp://mirror.example/');
    await url.press('Enter');
    const refusedUrl = byTestId(train, 'train-bases-url-refused');
    await refusedUrl.waitFor();
    assert.match(await refusedUrl.innerText(), /training\.transfer\.basesUrl is "ftp:\/\/mirror\.example\/"; it must be an http:\/\/ or https:\/\/ address/);
    await url.fill(server.url);
    await url.press('Enter');
    await refusedUrl.waitFor({ state: 'detached' });
    await page.waitForFunction((mirror) => document.querySelector('[data-testid="undo"]')?.getAttribute('title')?.includes(`Fetch pretrained bases from ${mirror}`), server.url);

    for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
      for (const theme of ['light', 'dark'] as const) await picture(page, width, height, theme);
    }
    await byTestId(page, 'theme').selectOption('light');
    await page.setViewportSize({ width: 1280, height: 720 });

    // First run: the mirror holds the weights half-way; the window shows the download.
    await byTestId(train, 'train-start').click();
    const progress = byTestId(train, 'train-progress');
    await page.waitForFunction(
      () => {
        // model.json (89 KiB) comes whole first, and may briefly read as its own 100 %; then the weights (the total
        // grows to 1.6 MiB) are held half-way, so the text stays put once the total is in MiB.
        const shown = /Downloading the pretrained base: [\d.,]+ \w*B of [\d.,]+ MiB \((\d+)\s%\)/.exec(document.querySelector('[data-testid="train-progress"]')?.textContent ?? '');
        return shown !== null && Number(shown[1]) < 100;
      },
      undefined,
      { timeout: 120_000 },
    );
    assert.equal(await progress.getAttribute('data-stage'), 'loading');
    assert.equal(await progress.getByRole('progressbar').count(), 1);
    const shown = await progress.innerText();
    const percent = Number(/\((\d+)\s%\)/.exec(shown)![1]);
    assert.ok(percent < 100, `held half-way, the window says ${shown}`);
    await progress.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS_DIR, 'transfer-download-1280x720-light.png') });
    server.release();
    await train.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 240_000 });
    assert.match(await progress.innerText(), /Finished after 2 epochs/, 'phase 1 and phase 2 ran');
    const asked = server.requests.length;
    assert.ok(asked >= 2, 'model.json and its weights came from the mirror');

    // Second run: the base is in the cache; nothing is downloaded, nothing shown.
    await page.evaluate(() => {
      const seen = { download: false };
      (window as unknown as { seenDownload: typeof seen }).seenDownload = seen;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="train-progress"]')?.textContent?.includes('Downloading')) seen.download = true;
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await byTestId(train, 'train-start').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 2);
    await train.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 240_000 });
    assert.match(await progress.innerText(), /Finished after 2 epochs/);
    assert.equal(await page.evaluate(() => (window as unknown as { seenDownload: { download: boolean } }).seenDownload.download), false, 'a download was shown for a cached base');
    assert.equal(server.requests.length, asked, 'the cached base was fetched again');
  });
});
