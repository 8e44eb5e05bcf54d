/**
 * A new user's first minutes, in a browser, without a terminal: open the
 * shipped sample project from the welcome screen, save a copy, train it,
 * look at its confusion matrix and export it. Debian's Chromium
 * (playwright-core) drives the real window served by the real web host, whose
 * engine trains for real on the shipped Fashion-MNIST images.
 *
 * @subject engine/project/sampleProject.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { byTestId, openTab } from './support/locators.js';
import { screenshot, withPage } from './support/artefacts.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';

let studio: WebStudio;
let browser: Browser;
let workDir: string;

studioForTests({ name: 'sample', started: (parts) => ({ studio, browser, workDir } = parts) });

test('from the sample project to a trained model, its confusion matrix and exported files', async () => {
  await withPage(browser, 'sample project to export', async (page) => {
    await page.goto(studio.host.url);

    // The welcome screen offers the sample; it opens as an unsaved copy.
    await byTestId(page, 'open-sample').click();
    await page.locator('.svelte-flow__node').first().waitFor();
    assert.ok((await page.locator('.svelte-flow__node').count()) >= 5, 'the sample network is drawn');
    assert.equal(await byTestId(page, 'dirty').count(), 1, 'the copy is marked unsaved');
    const projectPath = join(workDir, 'my-first.cnnstudio.json');
    await byTestId(page, 'project-path').fill(projectPath);
    await byTestId(page, 'save-project').click();
    await byTestId(page, 'dirty').waitFor({ state: 'detached' });
    const saved = JSON.parse(await readFile(projectPath, 'utf8'));
    assert.match(saved.data.path, /resources\/sample-data\//, 'the saved copy still finds the shipped images');

    // Train with the sample's own settings, shortened to two epochs.
    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');
    await byTestId(train, 'train-epochs').fill('2');
    await byTestId(train, 'train-start').click();
    await train.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 180_000 });
    assert.match(await byTestId(train, 'train-progress').innerText(), /Finished after 2 epochs/);
    assert.ok(Number(await byTestId(train, 'chart-loss').getAttribute('data-points')) > 2, 'the loss curve has points');
    assert.equal((await readdir(join(workDir, 'runs'))).length, 1, 'the run folder is beside the saved project');
    await screenshot(page, 'sample trained');

    // Its confusion matrix, on the sample's test split.
    await openTab(page, 'evaluate');
    const evaluate = byTestId(page, 'evaluate-panel');
    await byTestId(evaluate, 'evaluate-run').click();
    await byTestId(evaluate, 'evaluate-report').waitFor({ timeout: 120_000 });
    assert.equal(await byTestId(evaluate, 'confusion-cell').count(), 100, 'a 10 × 10 confusion matrix');
    await screenshot(page, 'sample evaluated');

    // Exported files, listed with their sizes.
    await openTab(page, 'export');
    const exporter = byTestId(page, 'export-panel');
    const outDir = join(workDir, 'exported');
    await byTestId(exporter, 'export-dest').fill(outDir);
    await byTestId(exporter, 'export-run').click();
    await byTestId(exporter, 'export-result').waitFor({ timeout: 120_000 });
    const listed = (await byTestId(exporter, 'export-file').allInnerTexts()).map((row) => row.split('\t')[0]!.trim());
    assert.ok(listed.includes('onnx/model.onnx') && listed.includes('tfjs/model.json'), `files listed: ${listed.join(', ')}`);
    assert.equal(JSON.parse(await readFile(join(outDir, 'labels.json'), 'utf8')).classNames.length, 10);
    await screenshot(page, 'sample exported');

    // The run joined the project's history; saved, it is there after a reload, and its curves come back from its folder.
    await byTestId(page, 'save-project').click();
    await byTestId(page, 'dirty').waitFor({ state: 'detached' });
    const withRun = JSON.parse(await readFile(projectPath, 'utf8'));
    assert.equal(withRun.runs.length, 1, 'the saved file records the run');
    assert.equal(withRun.runs[0].status, 'finished');
    assert.match(withRun.runs[0].folder, /^runs\/run-/, 'the folder is relative to the project file');
    // Watched over longer than the autosave's delay (600 ms): a saved project never leaves one behind.
    // (A string: a named function here would be rewritten by the TypeScript loader into code the page lacks.)
    const autosaved = await page.evaluate<boolean>(`new Promise((done) => {
      const started = performance.now();
      const timer = setInterval(() => {
        const seen = localStorage.getItem('convnet-studio.autosave') !== null;
        if (seen || performance.now() - started > 900) {
          clearInterval(timer);
          done(seen);
        }
      }, 20);
    })`);
    assert.equal(autosaved, false, 'no autosave appeared after the save');
    await page.reload();
    await byTestId(page, 'templates').waitFor();
    assert.equal(await byTestId(page, 'restore').count(), 0, 'nothing to restore after a save');
    await byTestId(page, 'open-menu').click();
    await byTestId(page, 'open-path').fill(projectPath);
    await byTestId(page, 'open-project').click();
    await page.locator('.svelte-flow__node').first().waitFor();
    await openTab(page, 'train');
    const reopened = byTestId(page, 'train-panel');
    const past = byTestId(reopened, 'past-run-row');
    assert.equal(await past.count(), 1, 'the recorded run is listed');
    assert.match(await byTestId(past, 'run-folder').innerText(), new RegExp(`${workDir.replace(/[/.]/g, '\\$&')}/runs/run-`));
    const pointsBefore = Number(await byTestId(reopened, 'chart-loss').getAttribute('data-points'));
    await byTestId(past, 'past-run-overlay').check();
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid="train-panel"] [data-testid="chart-loss"]')?.getAttribute('data-points')) > before,
      pointsBefore,
      { timeout: 10_000 },
    );
    assert.equal(await byTestId(past, 'past-run-error').count(), 0);
    await screenshot(page, 'earlier run overlaid');

    // A run folder moved away: the engine's message in place, and the run stays listed.
    await byTestId(past, 'past-run-overlay').uncheck();
    await rename(join(workDir, withRun.runs[0].folder), join(workDir, 'moved-run'));
    await byTestId(past, 'past-run-overlay').check();
    await byTestId(past, 'past-run-error').waitFor();
    assert.match(await byTestId(past, 'past-run-error').innerText(), /moved or deleted/);
    assert.equal(await byTestId(reopened, 'past-run-row').count(), 1);
  });
});
