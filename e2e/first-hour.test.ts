/**
 * A newcomer's first hour in the window, end to end (Debian's Chromium on the
 * real renderer, web host and engine): the stumbles a first try found, each
 * driven as a person would meet it. Start with nothing to train on, Open and
 * Save As on a file that is not a project, wiring layers with the keyboard,
 * and fine-tuning an imported model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { byTestId, openTab } from './support/locators.js';
import { withPage } from './support/artefacts.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';
import { sampleData } from './support/sampleData.js';

let studio: WebStudio;
let browser: Browser;
let workDir: string;

studioForTests({
  name: 'first-hour',
  // Runs of unsaved projects go to the person's runs folder; here, this test's folder (the engine inherits it).
  beforeStart: (dir) => void (process.env.CONVNET_STUDIO_RUNS = join(dir, 'user-runs')),
  started: (parts) => ({ studio, browser, workDir } = parts),
});

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
    // It failed before writing anything: no folder is listed for it.
    assert.match(await byTestId(train, 'run-row').innerText(), /failed before it started; no folder was written/);
    assert.equal(await byTestId(train, 'run-folder').count(), 0);
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

/** The seed CNN from an empty project, with the keyboard: select the Input, then add each layer after the one before. */
async function buildSeedCnnByKeyboard(page: Page): Promise<void> {
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
}

test('the seed CNN built with the keyboard only: each new layer follows the selected one, below it; the inspector picks a layer\'s input', async () => {
  await withPage(browser, 'first-hour-keyboard', async (page) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await newProject(page, 'empty', 'Keyboard');
    assert.equal(await page.locator('.svelte-flow__node').count(), 2);
    await buildSeedCnnByKeyboard(page);
    assert.equal(await byTestId(page, 'param-activation').inputValue(), 'softmax');
    assert.deepEqual(await chainOf(page), [
      'input', 'conv2d_1', 'max_pooling2d_1', 'conv2d_2', 'max_pooling2d_2', 'conv2d_3', 'flatten_1', 'dense_1', 'dense_2', 'output',
    ]);
    await openTab(page, 'summary');
    await page.waitForFunction(() => /93,322 parameters · valid/.test(document.querySelector('[data-testid="graph-summary"]')?.textContent ?? ''), null, { timeout: 10_000 });
    // The Summary lists the layers in the order data flows, not the order they were added (the Output came first).
    const listed = await page.locator('[data-testid="layer"] td:first-child button').allInnerTexts();
    assert.deepEqual(listed, await chainOf(page));

    // A card's parameters are not cut ("activatio…"): a Conv2D says filters, kernel and activation in full.
    const convText = page.locator('.svelte-flow__node[data-id="conv2d_1"] .params');
    assert.equal(await convText.innerText(), 'filters 32 · 3×3 · relu');
    assert.ok(await convText.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the Conv2D card text is cut');
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

test('the first hour: empty project, seed CNN by keyboard, train, a confusion cell, export, import the export, freeze, new head, start from its weights, train', async () => {
  await withPage(browser, 'first-hour-path', async (page) => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await newProject(page, 'empty', 'First hour');
    await buildSeedCnnByKeyboard(page);
    await byTestId(page, 'project-path').fill(join(workDir, 'first-hour.cnnstudio.json'));
    await byTestId(page, 'save-project').click();
    await byTestId(page, 'saved').waitFor();

    await openTab(page, 'data');
    await byTestId(page, 'data-path').fill(sampleData());
    await byTestId(page, 'data-load').click();
    await byTestId(page, 'data-summary').waitFor({ timeout: 60_000 });

    const trainOnce = async () => {
      await openTab(page, 'train');
      const train = byTestId(page, 'train-panel');
      await byTestId(train, 'train-epochs').fill('1');
      await byTestId(train, 'train-batch-size').fill('32');
      await byTestId(train, 'train-start').click();
      await train.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 180_000 });
      return train;
    };
    const first = await trainOnce();
    assert.match(await byTestId(first, 'train-progress').innerText(), /Finished after 1 epoch/);

    await openTab(page, 'evaluate');
    const evaluate = byTestId(page, 'evaluate-panel');
    await byTestId(evaluate, 'evaluate-run').click();
    await byTestId(evaluate, 'evaluate-report').waitFor({ timeout: 120_000 });
    // The matrix fits its panel (no sideways scrolling) in this 1280 px window.
    assert.ok(await page.locator('.matrix-wrap').evaluate((el) => el.scrollWidth <= el.clientWidth), 'the confusion matrix is cut at 1280 px');
    // A cell shows all its images, a page at a time (correct predictions too), not only those among the worst mistakes.
    const cells = byTestId(evaluate, 'confusion-cell');
    const counts = (await cells.allInnerTexts()).map(Number);
    await cells.first().click();
    assert.match(await byTestId(evaluate, 'confusion-detail').innerText(), new RegExp(`: ${counts[0]} image`));
    const cellImages = byTestId(evaluate, 'cell-images');
    if (counts[0]! > 0) {
      assert.equal(Number(await cellImages.getAttribute('data-count')), counts[0]);
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="cell-images-image"] img').length === n, Math.min(12, counts[0]!), { timeout: 30_000 });
    }
    // "Show all" shows every mistake: the off-diagonal sum of the matrix.
    const side = Math.round(Math.sqrt(counts.length));
    const wrong = counts.reduce((sum, n, i) => (Math.floor(i / side) === i % side ? sum : sum + n), 0);
    assert.equal(await byTestId(evaluate, 'mistake-count').innerText(), `(${wrong.toLocaleString('en-US')})`);
    if (wrong > 15) {
      await byTestId(evaluate, 'mistakes-show-all').click();
      assert.equal(Number(await byTestId(evaluate, 'mistakes').getAttribute('data-count')), wrong);
    }
    // Every image can be browsed, least confident first.
    await byTestId(evaluate, 'all-images').locator('summary').click();
    await byTestId(evaluate, 'all-images-order').selectOption('least');
    assert.equal(Number(await byTestId(evaluate, 'all-images-pager').getAttribute('data-count')), counts.reduce((a, b) => a + b, 0));
    // The chosen file's name is shown (the browser's field would say "No file chosen").
    const bag = join(sampleData(), 'test', 'Bag', '18.png');
    await byTestId(evaluate, 'predict-file').setInputFiles(bag);
    assert.equal(await byTestId(evaluate, 'predict-file-name').innerText(), '18.png');

    await openTab(page, 'export');
    const exporter = byTestId(page, 'export-panel');
    const outDir = join(workDir, 'first-hour-export');
    await byTestId(exporter, 'export-dest').fill(outDir);
    if (await byTestId(exporter, 'export-format-onnx').isChecked()) await byTestId(exporter, 'export-format-onnx').uncheck();
    await byTestId(exporter, 'export-run').click();
    await byTestId(exporter, 'export-result').waitFor({ timeout: 120_000 });

    // Import the export: a new project whose runs start from its weights.
    await byTestId(page, 'import-model').click();
    await byTestId(page, 'import-path').fill(outDir);
    await byTestId(page, 'import-run').click();
    await page.locator('#tabpanel-train').waitFor({ state: 'visible' });
    const train = byTestId(page, 'train-panel');
    assert.equal(await byTestId(train, 'train-weights').inputValue(), join(outDir, 'tfjs'));
    assert.equal(await page.locator('.svelte-flow__node').count(), 10);
    // Imported layers state their defaults (strides: null); the cards do not show them.
    assert.doesNotMatch((await page.locator('.svelte-flow__node .params').allInnerTexts()).join('\n'), /null/);

    // Freeze everything up to the last convolution, from the inspector.
    await page.locator('.svelte-flow__node[data-id="conv2d_3"]').focus();
    await page.keyboard.press('Enter');
    await openTab(page, 'layer');
    await byTestId(page, 'freeze-up-to').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="layer-frozen"]') as HTMLInputElement | null)?.checked === true);
    await openTab(page, 'train');
    assert.match(await byTestId(train, 'frozen-count').innerText(), /^3 layers frozen$/);

    // A new head for the ten classes.
    await byTestId(train, 'train-head-classes').fill('10');
    await byTestId(train, 'replace-head').click();
    await page.locator('.svelte-flow__node[data-id="head"]').waitFor();
    assert.equal(await page.locator('.svelte-flow__node[data-id="dense_2"]').count(), 0, 'the old head stayed');

    // Without the weights, the frozen layers would stay random: said beside Start, and asked at Start.
    await byTestId(train, 'train-weights-clear').click();
    assert.match(await byTestId(train, 'train-frozen-warning').innerText(), /3 frozen layers have no trained weights[\s\S]*conv2d_1, conv2d_2, conv2d_3/);
    await openTab(page, 'data');
    await byTestId(page, 'data-path').fill(sampleData());
    await byTestId(page, 'data-load').click();
    await byTestId(page, 'data-summary').waitFor({ timeout: 60_000 });
    await openTab(page, 'train');
    await byTestId(train, 'train-start').click();
    await byTestId(page, 'confirm-dialog').waitFor();
    await byTestId(page, 'confirm-cancel').click();
    assert.equal(await byTestId(train, 'train-progress').count(), 0, 'a run started without the yes');

    // Start from the export's weights, stored in the project, and train.
    await byTestId(train, 'train-weights').fill(outDir);
    await byTestId(train, 'train-weights').press('Enter');
    await byTestId(train, 'train-frozen-warning').waitFor({ state: 'detached' });
    await trainOnce();
    assert.match(await byTestId(train, 'train-progress').innerText(), /Finished after 1 epoch/);
    // The three convolutions are frozen: what trains is dense_1 (36,928) and the new head (650).
    assert.match(await byTestId(train, 'train-progress').innerText(), /93,322 parameters \(37,578 trainable\)/);
    // It says which layers started from the export and which fresh.
    assert.match(await byTestId(train, 'run-weights').innerText(), /4 layers loaded \(conv2d_1, conv2d_2, conv2d_3, dense_1\); head starts fresh/);
    assert.deepEqual(pageErrors, []);
  });
});

test('a reopened project\'s Evaluate and Export default to its latest recorded run, never to another project\'s', async () => {
  await withPage(browser, 'first-hour-reopen-defaults', async (page) => {
    const { createProject } = await import('../engine/graph/templates.js');
    const path = join(workDir, 'reopened.cnnstudio.json');
    const record = (id: string, status: 'finished' | 'failed') => ({ id, folder: `runs/${id}`, startedAt: '2026-01-01T00:00:00.000Z', status, bestEpoch: 1, metrics: { valAccuracy: 0.8 } });
    const project = { ...createProject('seed-cnn', 'Reopened'), runs: [record('run-a', 'finished'), record('run-b', 'finished'), record('run-c', 'failed')] };
    await writeFile(path, JSON.stringify(project));
    await page.goto(studio.host.url);
    await byTestId(page, 'engine-ready').waitFor();
    await byTestId(page, 'open-menu').click();
    await byTestId(page, 'open-path').fill(path);
    await byTestId(page, 'open-project').click();
    await byTestId(page, 'project-title').waitFor();
    await openTab(page, 'evaluate');
    assert.equal(await byTestId(page, 'evaluate-model').inputValue(), join(workDir, 'runs', 'run-b'), 'the newest run with a model');
    await openTab(page, 'export');
    assert.equal(await byTestId(page, 'export-model').inputValue(), join(workDir, 'runs', 'run-b'));
    // A new project has no run of its own: nothing is offered.
    await byTestId(page, 'new-project').click();
    await byTestId(page, 'template-lenet5').check();
    await byTestId(page, 'create-project').click();
    await page.waitForFunction(() => /LeNet/.test(document.querySelector('[data-testid="project-title"]')?.textContent ?? ''));
    await openTab(page, 'evaluate');
    assert.equal(await byTestId(page, 'evaluate-model').inputValue(), '');
  });
});

test('Stop says "Stopping…" at once, the ETA says paused while paused, and a stopped run\'s summary agrees with itself', async () => {
  await withPage(browser, 'first-hour-stop', async (page) => {
    await newProject(page, 'seed-cnn', 'Stop me');
    await openTab(page, 'data');
    await byTestId(page, 'data-path').fill(sampleData());
    await byTestId(page, 'data-load').click();
    await byTestId(page, 'data-summary').waitFor({ timeout: 60_000 });
    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');
    await byTestId(train, 'train-epochs').fill('50');
    await byTestId(train, 'train-batch-size').fill('8');
    await byTestId(train, 'train-start').click();
    const stage = (name: string) => train.locator(`[data-testid="train-progress"][data-stage="${name}"]`);
    await stage('training').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => /batch \d+ \//.test(document.querySelector('[data-testid="train-progress"]')?.textContent ?? ''), null, { timeout: 60_000 });
    await byTestId(train, 'train-pause').click();
    await stage('paused').waitFor({ timeout: 30_000 });
    assert.match(await byTestId(train, 'train-progress').innerText(), /Paused ·[\s\S]*ETA paused/);
    await byTestId(train, 'train-resume').click();
    await stage('training').waitFor({ timeout: 30_000 });
    await byTestId(train, 'train-stop').click();
    // At once, before the engine has saved the model and said it finished.
    assert.match(await byTestId(train, 'train-stop').innerText(), /Stopping…/);
    await stage('finished').waitFor({ timeout: 60_000 });
    const text = await byTestId(train, 'train-progress').innerText();
    const epochs = Number(/Stopped after (\d+) epochs?/.exec(text)?.[1]);
    assert.ok(Number.isInteger(epochs), text);
    if (epochs === 0) assert.match(text, /inside epoch 1 at batch \d+ \/ \d+[\s\S]*Model as stopped \(no epoch completed\)/);
    const row = await byTestId(train, 'run-row').innerText();
    assert.doesNotMatch(row, /best val\. –/, 'a "best –" beside a validation figure');
    // Unsaved, so its folder is in the person's runs folder, not the app's.
    assert.ok((await byTestId(train, 'run-folder').innerText()).trim().startsWith(join(workDir, 'user-runs', 'run-')));
  });
});

test('a class-count mismatch is reported when the data loads, with the one-click fix; the skipped list counts as the warning does', async () => {
  await withPage(browser, 'first-hour-class-count', async (page) => {
    // Three classes of the sample, a stray file, an empty class folder and a hidden folder.
    const dir = join(workDir, 'three-classes');
    for (const name of ['Bag', 'Coat', 'Dress']) await cp(join(sampleData(), 'train', name), join(dir, name), { recursive: true });
    await writeFile(join(dir, 'README.md'), 'not an image');
    await mkdir(join(dir, 'Empty'));
    await mkdir(join(dir, '.git'));
    await newProject(page, 'seed-cnn', 'Three classes');
    await openTab(page, 'data');
    await byTestId(page, 'data-path').fill(dir);
    await byTestId(page, 'data-load').click();
    await byTestId(page, 'data-summary').waitFor({ timeout: 60_000 });
    const mismatch = byTestId(page, 'data-class-mismatch');
    await mismatch.waitFor();
    assert.match(await mismatch.innerText(), /outputs 10 values but the data has 3 classes/);
    // The editor's own validation knows the data's classes: the head is marked before Start, as the engine would refuse it.
    await openTab(page, 'summary');
    assert.match(await byTestId(page, 'graph-summary').innerText(), /· 1 problem/);
    await openTab(page, 'data');
    await byTestId(page, 'fix-class-count').click();
    await mismatch.waitFor({ state: 'detached' });
    await openTab(page, 'summary');
    assert.match(await byTestId(page, 'graph-summary').innerText(), /valid/);
    await openTab(page, 'data');
    assert.equal(await byTestId(page, 'data-skipped-count').innerText(), 'Skipped: 1 file and 1 folder, and 1 hidden entry');
    assert.match(await byTestId(page, 'data-warnings').innerText(), /1 file and 1 folder were skipped; 1 hidden entry is left out too/);
  });
});

test('the work area fills the window at every size, whatever the palette lists; the side panel resizes; a notice does not move it', async () => {
  await withPage(browser, 'first-hour-layout', async (page) => {
    for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
      await page.setViewportSize({ width, height });
      await newProject(page, 'seed-cnn', `Layout ${width}`);
      const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
      const workspace = await box('.workspace');
      assert.ok(Math.abs(workspace.y + workspace.height - height) <= 1, `${width}×${height}: the work area ends at ${workspace.y + workspace.height}`);
      await byTestId(page, 'palette-search').fill('dense');
      const filtered = await box('.workspace');
      assert.ok(Math.abs(filtered.height - workspace.height) <= 1, `typing in the search shrank the work area to ${filtered.height}`);
      await byTestId(page, 'palette-search').fill('');
      // Every tab label is inside the panel.
      const panel = await box('aside.right');
      const exportTab = await box('[data-testid="tab-export"]');
      assert.ok(exportTab.x + exportTab.width <= panel.x + panel.width, `${width}: the Export tab is cut`);
      const header = await box('.topbar');
      assert.ok(header.height < 60, `${width}: the header wrapped (${header.height} px)`);
    }
    // The splitter: arrow keys widen the side panel.
    const before = (await page.locator('aside.right').boundingBox())!.width;
    await byTestId(page, 'side-splitter').focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    const after = (await page.locator('aside.right').boundingBox())!.width;
    assert.ok(after >= before + 40, `the side panel went from ${before} to ${after} px`);
    // A notice floats: the canvas stays where it was.
    const canvasTop = (await page.locator('[data-testid="canvas"]').boundingBox())!.y;
    await byTestId(page, 'open-menu').click();
    await byTestId(page, 'open-path').fill(join(workDir, 'nothing-here.cnnstudio.json'));
    await byTestId(page, 'open-project').click();
    await byTestId(page, 'notice').waitFor();
    assert.equal((await page.locator('[data-testid="canvas"]').boundingBox())!.y, canvasTop);
    await byTestId(page, 'notice').getByLabel('Dismiss').click();
    await byTestId(page, 'notice').waitFor({ state: 'detached' });
  });
});
