/**
 * A newcomer's first hour in the window, end to end (Debian's Chromium on the
 * real renderer, web host and engine): the stumbles a first try found, each
 * driven as a person would meet it. Start with nothing to train on, Open and
 * Save As on a file that is not a project, wiring layers with the keyboard,
 * and fine-tuning an imported model.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { withPage } from './support/artefacts.js';
import { startWebStudio, type WebStudio } from './support/webStudio.js';

let studio: WebStudio;
let browser: Browser;
let workDir: string;

before(async () => {
  [studio, browser, workDir] = await Promise.all([startWebStudio(), launchChromium(), mkdtemp(join(tmpdir(), 'cnnstudio-e2e-first-hour-'))]);
});

after(async () => {
  await browser?.close();
  await studio?.host.close();
});

const byTestId = (scope: Page | Locator, id: string) => scope.locator(`[data-testid="${id}"]`);

async function openTab(page: Page, id: string): Promise<void> {
  await byTestId(page, `tab-${id}`).click();
  await page.locator(`#tabpanel-${id}`).waitFor({ state: 'visible' });
}

async function newProject(page: Page, template: string, name: string): Promise<void> {
  await page.goto(studio.host.url);
  await byTestId(page, 'engine-ready').waitFor();
  await byTestId(page, `template-${template}`).check();
  await byTestId(page, 'project-name-input').fill(name);
  await byTestId(page, 'create-project').click();
  await byTestId(page, 'project-title').waitFor();
}

test('Start waits for data with the reason beside it, and a run that fails gives the controls back', async () => {
  await withPage(browser, 'first-hour-start-without-data', async (page) => {
    await newProject(page, 'seed-cnn', 'No data yet');
    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');
    const start = byTestId(train, 'train-start');
    assert.equal(await start.isDisabled(), true, 'Start is enabled with no data folder');
    assert.match(await byTestId(train, 'train-blocked').innerText(), /image folder/i);

    // A folder that does not exist: Start is allowed (the engine is the judge), the run fails with the engine's words,
    // and Start, Pause and Stop are back as they were before.
    await openTab(page, 'data');
    await byTestId(page, 'data-path').fill(join(workDir, 'no-such-folder'));
    await byTestId(page, 'data-load').click();
    await byTestId(page, 'data-error').waitFor();
    await openTab(page, 'train');
    await start.waitFor({ state: 'visible' });
    assert.equal(await start.isDisabled(), false);
    await start.click();
    const failure = train.locator('[data-testid="run-error"], [data-testid="train-error"]').first();
    await failure.waitFor({ timeout: 60_000 });
    assert.match(await failure.innerText(), /no-such-folder/);
    await page.waitForFunction(() => !(document.querySelector('[data-testid="train-start"]') as HTMLButtonElement).disabled, null, { timeout: 10_000 });
    assert.equal(await byTestId(train, 'train-stop').isDisabled(), true);
    assert.doesNotMatch(await train.innerText(), /Starting…/);
  });
});
