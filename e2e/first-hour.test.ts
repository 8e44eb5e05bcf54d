/**
 * A newcomer's first hour in the window, end to end (Debian's Chromium on the
 * real renderer, web host and engine): the stumbles a first try found, each
 * driven as a person would meet it. Start with nothing to train on, Open and
 * Save As on a file that is not a project, wiring layers with the keyboard,
 * and fine-tuning an imported model.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
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

test('Open and Save As are apart: a refused Open leaves no save path, and a file that is not a project is replaced only after a yes that names it', async () => {
  await withPage(browser, 'first-hour-open-save', async (page) => {
    const modelJson = join(workDir, 'model.json');
    const modelText = JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' }, weightsManifest: [] });
    await writeFile(modelJson, modelText);
    await newProject(page, 'seed-cnn', 'Not over the model');

    // Opening an exported model.json is refused with the engine's reason; nothing of it stays as the project's path.
    await byTestId(page, 'open-menu').click();
    await byTestId(page, 'open-path').fill(modelJson);
    await byTestId(page, 'open-project').click();
    await byTestId(page, 'notice').first().waitFor();
    assert.equal(await byTestId(page, 'project-path').inputValue(), '', 'the refused path became the save path');
    await page.keyboard.press('Escape');
    await page.locator('.svelte-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+s');
    assert.equal(await byTestId(page, 'save-project').isDisabled(), true, 'Save has somewhere to write after a refused Open');
    await page.waitForTimeout(300);
    assert.equal(await readFile(modelJson, 'utf8'), modelText, 'the model was overwritten');

    // Save As onto it: a confirmation naming the file and what it is; Cancel keeps the file.
    await byTestId(page, 'project-path').fill(modelJson);
    await byTestId(page, 'save-project').click();
    const confirm = byTestId(page, 'confirm-dialog');
    await confirm.waitFor();
    const question = await byTestId(confirm, 'confirm-message').innerText();
    assert.ok(question.includes(modelJson), question);
    assert.match(question, /TensorFlow\.js model, not a Convnet Studio project/);
    await byTestId(confirm, 'confirm-cancel').click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await readFile(modelJson, 'utf8'), modelText, 'Cancel replaced the model');

    // The same path again, and a yes: the file is now this project.
    await byTestId(page, 'save-project').click();
    await byTestId(confirm, 'confirm-ok').click();
    await byTestId(page, 'saved').waitFor();
    assert.equal(JSON.parse(await readFile(modelJson, 'utf8')).name, 'Not over the model');
    await byTestId(page, 'dirty').waitFor({ state: 'detached' });

    // Save to the project's own file asks nothing.
    const own = join(workDir, 'own.cnnstudio.json');
    await byTestId(page, 'project-path').fill(own);
    await byTestId(page, 'save-project').click();
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('[data-testid="project-path"]')?.value.endsWith('own.cnnstudio.json'));
    await byTestId(page, 'save-project').click();
    await page.waitForTimeout(200);
    assert.equal(await confirm.count(), 0, 'saving over its own file asked');
  });
});
