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

/** Adds a layer the keyboard way: type its name in the palette's search and press Enter. */
async function addByKeyboard(page: Page, type: string): Promise<void> {
  const before = await page.locator('.svelte-flow__node').count();
  const search = byTestId(page, 'palette-search');
  await search.focus();
  await page.keyboard.press('Control+a');
  await page.keyboard.type(type);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.svelte-flow__node').length === n, before + 1);
}

/** Sets a parameter of the selected layer in the inspector, typing as a person would. */
async function typeParam(page: Page, name: string, value: string): Promise<void> {
  const field = byTestId(page, `param-${name}`);
  await field.focus();
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') {
    await field.selectOption(value);
  } else {
    await page.keyboard.press('Control+a');
    await page.keyboard.type(value);
  }
}

/** The graph's chain from the Input, following the only edge out of each node. */
async function chainOf(page: Page): Promise<string[]> {
  const edges = await page.locator('.svelte-flow__edge').evaluateAll((els) => els.map((el) => el.getAttribute('data-id') ?? ''));
  const next = new Map(edges.map((id) => id.split(':')[0]!.split('->') as [string, string]));
  const chain = ['input'];
  while (next.has(chain.at(-1)!) && chain.length < 50) chain.push(next.get(chain.at(-1)!)!);
  return chain;
}

test('the seed CNN built with the keyboard only: each new layer follows the selected one, below it; the inspector picks a layer\'s input', async () => {
  await withPage(browser, 'first-hour-keyboard', async (page) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await newProject(page, 'empty', 'Keyboard');
    assert.equal(await page.locator('.svelte-flow__node').count(), 2);
    // Select the Input from the keyboard: focus it and press Enter.
    await page.locator('.svelte-flow__node[data-id="input"]').focus();
    await page.keyboard.press('Enter');
    await byTestId(page, 'inspector-type').waitFor();

    const conv = async (filters: string) => {
      await addByKeyboard(page, 'Conv2D');
      if (filters !== '32') await typeParam(page, 'filters', filters);
    };
    await conv('32');
    assert.equal(await byTestId(page, 'param-activation').inputValue(), 'relu', 'a new Conv2D starts with relu');
    await addByKeyboard(page, 'MaxPooling2D');
    await conv('64');
    await addByKeyboard(page, 'MaxPooling2D');
    await conv('64');
    await addByKeyboard(page, 'Flatten');
    await addByKeyboard(page, 'Dense');
    await addByKeyboard(page, 'Dense');
    await typeParam(page, 'units', '10');
    await typeParam(page, 'activation', 'softmax');

    assert.deepEqual(await chainOf(page), [
      'input', 'conv2d_1', 'max_pooling2d_1', 'conv2d_2', 'max_pooling2d_2', 'conv2d_3', 'flatten_1', 'dense_1', 'dense_2', 'output',
    ]);
    await openTab(page, 'summary');
    await page.waitForFunction(() => /93,322 parameters · valid/.test(document.querySelector('[data-testid="graph-summary"]')?.textContent ?? ''), null, { timeout: 10_000 });

    // Each layer landed below the one before it, and none sits on another.
    const boxes = await page.locator('.svelte-flow__node').evaluateAll((els) =>
      els.map((el) => ({ id: el.getAttribute('data-id')!, ...JSON.parse(JSON.stringify(el.getBoundingClientRect())) as DOMRect })),
    );
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        assert.ok(!overlap, `${a.id} and ${b.id} overlap`);
      }
    }
    const chain = await chainOf(page);
    const top = new Map(boxes.map((b) => [b.id, b.top]));
    for (let i = 1; i < chain.length; i++) assert.ok(top.get(chain[i]!)! > top.get(chain[i - 1]!)!, `${chain[i]} is not below ${chain[i - 1]}`);

    // The inspector's "Input from": a layer's possible inputs exclude what lies after it (a loop) and the Output.
    await page.locator('.svelte-flow__node[data-id="max_pooling2d_2"]').focus();
    await page.keyboard.press('Enter');
    await openTab(page, 'layer');
    const picker = byTestId(page, 'input-from');
    assert.equal(await picker.inputValue(), 'conv2d_2');
    const options = await picker.locator('option').evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
    assert.ok(options.includes('conv2d_1') && options.includes('input'), options.join(','));
    assert.ok(!options.includes('conv2d_3') && !options.includes('output') && !options.includes('max_pooling2d_2'), options.join(','));
    await picker.focus();
    await picker.selectOption('max_pooling2d_1');
    await page.waitForFunction(() => !!document.querySelector('.svelte-flow__edge[data-id="max_pooling2d_1->max_pooling2d_2"]'));
    assert.equal(await page.locator('.svelte-flow__edge[data-id="conv2d_2->max_pooling2d_2"]').count(), 0, 'the old input stayed');
    // Out of the field, then undo and the shortcut list.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => !!document.querySelector('.svelte-flow__edge[data-id="conv2d_2->max_pooling2d_2"]'));
    await page.keyboard.press('?');
    assert.match(await byTestId(page, 'help-overlay').innerText(), /after the selected one[\s\S]*Input from/);
  });
});
