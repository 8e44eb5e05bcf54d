/**
 * The Data, Train, Evaluate and Export panels in a browser, end to end:
 * Debian's Chromium (playwright-core) on the real renderer served by the
 * real web host, whose engine trains a small network one epoch on the
 * shipped sample data. One person's path through the panels, in order (each
 * step needs the one before: the summary, a run, its model), with the bad
 * input of each panel on the way. Screenshots of every panel are kept in
 * test-results/ (panels-*.png).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { RESULTS_DIR, withPage } from './support/artefacts.js';
import { sampleData } from './support/sampleData.js';
import { startWebStudio, type WebStudio } from './support/webStudio.js';

let studio: WebStudio;
let browser: Browser;
let dataDir: string;
let workDir: string;

before(async () => {
  [studio, browser, dataDir, workDir] = await Promise.all([startWebStudio(), launchChromium(), sampleData(), mkdtemp(join(tmpdir(), 'cnnstudio-e2e-panels-'))]);
});

after(async () => {
  await browser?.close();
  await studio?.host.close();
});

const byTestId = (scope: Page | Locator, id: string) => scope.locator(`[data-testid="${id}"]`);

/**
 * A panel's own picture, kept for a person to look at: the window is made
 * tall enough for the whole panel (its tab scrolls otherwise), then put back.
 */
async function keepPicture(page: Page, panel: Locator, name: string): Promise<void> {
  const viewport = page.viewportSize()!;
  const height = await panel.evaluate((el) => {
    // The tab scrolls: start at its top, so the panel's box is where it is drawn.
    for (let p = el.parentElement; p; p = p.parentElement) p.scrollTop = 0;
    return el.scrollHeight + el.getBoundingClientRect().top + 80;
  });
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.ceil(height)) });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await panel.screenshot({ path: join(RESULTS_DIR, `panels-${name}.png`) });
  await page.setViewportSize(viewport);
}

async function openTab(page: Page, id: string): Promise<void> {
  await byTestId(page, `tab-${id}`).click();
  await page.locator(`#tabpanel-${id}`).waitFor({ state: 'visible' });
}

test('data, train, evaluate and export from the panels, with bad input at each', async () => {
  await withPage(browser, 'panels', async (page) => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(studio.host.url);
    await byTestId(page, 'engine-ready').waitFor();
    await byTestId(page, 'template-seed-cnn').check();
    await byTestId(page, 'project-name-input').fill('Panels');
    await byTestId(page, 'create-project').click();
    // Saved, so the run folder lands beside it in this test's folder.
    const projectPath = join(workDir, 'panels.cnnstudio.json');
    await byTestId(page, 'project-path').fill(projectPath);
    await byTestId(page, 'save-project').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="dirty"]'));

    // ---------------------------------------------------------------- data
    await openTab(page, 'data');
    const data = byTestId(page, 'data-panel');

    // A folder the engine cannot read: the error is shown in the panel, and the panel keeps working.
    await byTestId(data, 'data-path').fill(join(workDir, 'no-such-folder'));
    await byTestId(data, 'data-load').click();
    const dataError = byTestId(data, 'data-error');
    await dataError.waitFor();
    assert.match(await dataError.innerText(), /no-such-folder/);

    await byTestId(data, 'data-path').fill(dataDir);
    await byTestId(data, 'data-load').click();
    await byTestId(data, 'data-summary').waitFor({ timeout: 60_000 });
    assert.equal(await dataError.count(), 0, 'the old error stayed after a good folder was loaded');
    const chart = byTestId(data, 'data-class-chart');
    assert.equal(await chart.getAttribute('data-classes'), '10');
    assert.match(await chart.locator('[role="img"]').getAttribute('aria-label') ?? '', /^Images per class: Ankle_boot \d+, Bag \d+/);
    const total = Number((await byTestId(data, 'data-total').innerText()).replace(/\D/g, ''));
    assert.ok(total >= 500, `the sample data summary counts ${total} images`);
    assert.equal(await data.locator('.thumbs img').count(), 40, 'four thumbnails for each of the ten classes');

    // Letters in a number field: refused at the field, the project keeps its last valid value.
    const split = byTestId(data, 'data-validation-split');
    const splitBefore = await split.inputValue();
    await split.fill('0.1x');
    const fieldError = byTestId(data, 'data-validation-split-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /"0\.1x" is not a number.*Kept 0\.1\./);
    assert.equal(await split.getAttribute('aria-invalid'), 'true');
    await split.fill(splitBefore);
    await fieldError.waitFor({ state: 'detached' });

    // An augmentation switch redraws the grid of augmented samples.
    const preview = byTestId(data, 'augmentation-preview');
    await preview.waitFor({ timeout: 30_000 });
    const samples = byTestId(preview, 'augmented-sample');
    assert.equal(await samples.count(), 8);
    const plain = await samples.first().getAttribute('src');
    await byTestId(data, 'aug-rotation').check();
    await page.waitForFunction((before) => document.querySelector('[data-testid="augmented-sample"]')?.getAttribute('src') !== before, plain, { timeout: 30_000 });
    await byTestId(data, 'aug-horizontalFlip').check();
    await keepPicture(page, data, 'data');
    // Both switches are undoable edits of the project.
    await byTestId(page, 'undo').click();
    await byTestId(page, 'undo').click();
    assert.equal(await byTestId(data, 'aug-rotation').isChecked(), false);

    // ---------------------------------------------------------------- train
    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');
    const epochs = byTestId(train, 'train-epochs');
    await epochs.fill('two');
    assert.match(await byTestId(train, 'train-epochs-error').innerText(), /is not a number/);
    await epochs.fill('1');
    await byTestId(train, 'train-batch-size').fill('32');
    assert.match(await byTestId(train, 'backend-badge').innerText(), /\S/);
    await byTestId(train, 'train-start').click();
    await train.locator('[data-testid="train-progress"][data-stage="training"], [data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 120_000 });
    await train.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 180_000 });
    assert.match(await byTestId(train, 'train-progress').innerText(), /Finished after 1 epoch/);
    assert.match(await byTestId(train, 'memory-mode').innerText(), /images held in memory/);
    const lossPoints = Number(await byTestId(train, 'chart-loss').getAttribute('data-points'));
    assert.ok(lossPoints > 2, `the loss chart drew ${lossPoints} points`);
    assert.ok(Number(await byTestId(train, 'chart-accuracy').getAttribute('data-points')) > 2);
    assert.ok(Number(await byTestId(train, 'chart-learning-rate').getAttribute('data-points')) >= 2);
    assert.equal(await byTestId(train, 'run-row').count(), 1);
    assert.match(await byTestId(train, 'run-row').innerText(), /completed[\s\S]*1\/1 epochs · best val\. \d+\.\d %/);
    const runDir = (await byTestId(train, 'run-row').locator('code').innerText()).trim();
    assert.ok(runDir.startsWith(join(workDir, 'runs', 'run-')), `the run folder ${runDir} is beside the project`);
    await keepPicture(page, train, 'train');

    // ---------------------------------------------------------------- evaluate
    await openTab(page, 'evaluate');
    const evaluate = byTestId(page, 'evaluate-panel');
    assert.equal(await byTestId(evaluate, 'evaluate-model').inputValue(), runDir, 'the model defaults to the last finished run');
    await byTestId(evaluate, 'evaluate-run').click();
    await byTestId(evaluate, 'evaluate-report').waitFor({ timeout: 120_000 });
    const cells = byTestId(evaluate, 'confusion-cell');
    assert.equal(await cells.count(), 100);
    // The biggest mistake cell opens its images (or says why there are none).
    const counts = (await cells.allInnerTexts()).map(Number);
    const worst = counts.reduce((best, n, i) => (i % 11 !== 0 && n > counts[best]! ? i : best), 1);
    await cells.nth(worst).click();
    const detail = byTestId(evaluate, 'confusion-detail');
    assert.match(await detail.innerText(), new RegExp(`predicted as .*: ${counts[worst]} image`));
    assert.equal(await byTestId(evaluate, 'per-class-table').locator('tbody tr').count(), 11);
    // Keyboard: the arrow keys move through the cells and Enter opens one.
    await cells.nth(worst).press('ArrowRight');
    await page.keyboard.press('Enter');
    assert.notEqual(await detail.innerText(), '');

    // A dropped image gets its top predictions; a dropped file that is not an image gets the engine's error.
    const bagImage = join(dataDir, 'test', 'Bag', (await import('node:fs/promises').then((fs) => fs.readdir(join(dataDir, 'test', 'Bag'))))[0]!);
    await byTestId(evaluate, 'predict-file').setInputFiles(bagImage);
    await byTestId(evaluate, 'prediction').waitFor({ timeout: 60_000 });
    assert.equal(await byTestId(evaluate, 'prediction').locator('[role="meter"]').count(), 5);
    await keepPicture(page, evaluate, 'evaluate');
    await byTestId(evaluate, 'predict-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image at all') });
    const predictError = byTestId(evaluate, 'predict-error');
    await predictError.waitFor({ timeout: 30_000 });
    assert.match(await predictError.innerText(), /"notes\.txt" cannot be decoded[\s\S]*PNG, JPEG/);

    // ---------------------------------------------------------------- export
    await openTab(page, 'export');
    const exporter = byTestId(page, 'export-panel');
    assert.equal(await byTestId(exporter, 'export-model').inputValue(), runDir);
    const outDir = join(workDir, 'exported');
    await byTestId(exporter, 'export-dest').fill(outDir);
    await byTestId(exporter, 'export-format-keras').check();
    await byTestId(exporter, 'export-run').click();
    await byTestId(exporter, 'export-result').waitFor({ timeout: 120_000 });
    const rows = byTestId(exporter, 'export-file');
    const listed = await rows.allInnerTexts();
    const names = listed.map((row) => row.split('\t')[0]!.trim());
    assert.deepEqual([...names].sort(), ['keras/labels.json', 'keras/model.py', 'keras/weights.safetensors', 'labels.json', 'onnx/labels.json', 'onnx/model.onnx', 'tfjs/labels.json', 'tfjs/model.json', 'tfjs/weights.bin']);
    // Each listed size is the file's size on disk.
    const onnxRow = listed.find((row) => row.startsWith('onnx/model.onnx'))!;
    const onnxBytes = (await stat(join(outDir, 'onnx', 'model.onnx'))).size;
    assert.match(onnxRow, new RegExp(`${(onnxBytes / 1024).toFixed(0)} KiB|${(onnxBytes / 1024).toFixed(1)} KiB`));
    assert.equal(JSON.parse(await readFile(join(outDir, 'labels.json'), 'utf8')).classNames.length, 10);
    await keepPicture(page, exporter, 'export');

    // The dark theme: the charts and the heat map take its colours (pictures to look at).
    await byTestId(page, 'theme').selectOption('dark');
    await openTab(page, 'train');
    await keepPicture(page, train, 'train-dark');
    await openTab(page, 'evaluate');
    await keepPicture(page, evaluate, 'evaluate-dark');

    // Nothing on the way threw in the page (Svelte's runtime errors land here, not in the panels).
    assert.deepEqual(pageErrors, []);
  });
});
