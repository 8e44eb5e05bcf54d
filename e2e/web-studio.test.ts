/**
 * The studio in a browser, end to end: Debian's Chromium (playwright-core)
 * opens the real renderer served by the real web host, whose engine runs in
 * its own process and trains a real network on the sample Fashion-MNIST images.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { byTestId } from './support/locators.js';
import { screenshot, withPage } from './support/artefacts.js';
import { sampleData } from './support/sampleData.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';
import { listTemplates } from '../engine/graph/templates.js';
import { createProject } from '../engine/graph/templates.js';
import { CONTENT_SECURITY_POLICY } from '../engine/host/contentSecurityPolicy.js';

let studio: WebStudio;
let browser: Browser;
let dataDir: string;
let workDir: string;

studioForTests({
  name: 'projects',
  alongside: async () => (dataDir = await sampleData()),
  started: (parts) => ({ studio, browser, workDir } = parts),
});


/** Opens the studio and creates a project from a template; returns the page ready to train. */
async function createFromTemplate(page: Page, template: string, name: string): Promise<void> {
  await page.goto(studio.host.url);
  await byTestId(page, 'engine-ready').waitFor();
  await byTestId(page, `template-${template}`).check();
  await byTestId(page, 'project-name-input').fill(name);
  await byTestId(page, 'create-project').click();
  await byTestId(page, 'graph-summary').waitFor();
}

/** The Data tab: the image folder, read by the engine (which also sets it as the project's data path). */
async function useData(page: Page, folder: string): Promise<void> {
  await byTestId(page, 'tab-data').click();
  await byTestId(page, 'data-path').fill(folder);
  await byTestId(page, 'data-load').click();
  await byTestId(page, 'data-summary').waitFor({ timeout: 60_000 });
}

/** The Train tab: epochs and batch size, then Start. */
async function startTraining(page: Page, settings: { epochs: string; batchSize: string }): Promise<void> {
  await byTestId(page, 'tab-train').click();
  await byTestId(page, 'train-epochs').fill(settings.epochs);
  await byTestId(page, 'train-batch-size').fill(settings.batchSize);
  await byTestId(page, 'train-start').click();
}

test('the page is served with the strict Content-Security-Policy, and inline scripts do not run', async () => {
  await withPage(browser, 'csp', async (page) => {
    const response = await page.goto(studio.host.url);
    assert.equal(response?.headers()['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    await byTestId(page, 'engine-ready').waitFor();
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.head.append(script);
      return (window as unknown as { inlineScriptRan?: boolean }).inlineScriptRan === true;
    });
    assert.equal(ran, false, 'an inline script ran despite the policy');
  });
});

test('create a project from a template and train it one epoch; the epoch reaches the page', async () => {
  await withPage(browser, 'create and train', async (page) => {
    await createFromTemplate(page, 'seed-cnn', 'Fashion from the browser');

    // The templates the engine offers are the ones listed (in the New… dialog once a project is open).
    await byTestId(page, 'new-project').click();
    const radios = await page.locator('[data-testid^="template-"]').count();
    assert.equal(radios, listTemplates().length + 1, 'the templates and the empty project');
    await page.keyboard.press('Escape');
    assert.match(await byTestId(page, 'project-title').innerText(), /Fashion from the browser/);
    assert.equal(await byTestId(page, 'layer').count(), createProject('seed-cnn').graph.nodes.length);
    assert.match(await byTestId(page, 'graph-summary').innerText(), /93,322 parameters · valid/);

    // Saved beside its runs, so the run folder lands in the test's folder.
    const projectPath = join(workDir, 'browser.cnnstudio.json');
    await byTestId(page, 'project-path').fill(projectPath);
    await byTestId(page, 'save-project').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="save-project"]')?.hasAttribute('disabled'));
    const saved = JSON.parse(await readFile(projectPath, 'utf8'));
    assert.equal(saved.name, 'Fashion from the browser');

    await useData(page, dataDir);
    await startTraining(page, { epochs: '1', batchSize: '16' });

    await page.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 180_000 });
    assert.match(await byTestId(page, 'train-progress').innerText(), /Finished after 1 epoch/);
    assert.equal(await byTestId(page, 'run-row').count(), 1);
    const runDir = (await byTestId(page, 'run-row').locator('code').innerText()).trim();
    assert.ok(runDir.startsWith(join(workDir, 'runs', 'run-')), `the model was saved in ${runDir}, beside the project`);
    assert.equal(await byTestId(page, 'notice').count(), 0, 'the run reported an error');
    await screenshot(page, 'web studio after one epoch');
  });
});

test('the engine killed mid-run: the page says so, the engine comes back, the project is intact', async () => {
  await withPage(browser, 'engine killed mid-run', async (page) => {
    await createFromTemplate(page, 'lenet5', 'Crash survivor');
    const projectPath = join(workDir, 'survivor.cnnstudio.json');
    await byTestId(page, 'project-path').fill(projectPath);
    await byTestId(page, 'save-project').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="save-project"]')?.hasAttribute('disabled'));
    const onDisk = await readFile(projectPath, 'utf8');
    const layersBefore = await byTestId(page, 'layer').allInnerTexts();

    await useData(page, dataDir);
    await startTraining(page, { epochs: '500', batchSize: '4' });
    await page.locator('[data-testid="train-progress"][data-stage="training"]').waitFor({ timeout: 60_000 });
    const pid = studio.host.enginePid()!;
    process.kill(pid, 'SIGKILL');

    const notice = page.locator('[data-testid="notice"][data-code="engine-crashed"]');
    await notice.waitFor({ timeout: 30_000 });
    assert.match(await notice.innerText(), /The engine process was killed \(SIGKILL\) and was restarted\. Run run-\S+ was interrupted/);
    assert.match(await notice.innerText(), /Your project is untouched/);
    await page.locator('[data-testid="train-progress"][data-stage="failed"]').waitFor();

    // Same project on the page and on disk; a new engine process answers.
    assert.match(await byTestId(page, 'project-title').innerText(), /Crash survivor/);
    await byTestId(page, 'tab-summary').click();
    assert.deepEqual(await byTestId(page, 'layer').allInnerTexts(), layersBefore);
    assert.equal(await readFile(projectPath, 'utf8'), onDisk);
    assert.notEqual(studio.host.enginePid(), pid);
    await byTestId(page, 'engine-ready').waitFor();

    await startTraining(page, { epochs: '1', batchSize: '4' });
    await page.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 120_000 });
    assert.match(await byTestId(page, 'train-progress').innerText(), /Finished after 1 epoch/);
    await screenshot(page, 'web studio after an engine restart');
  });
});
