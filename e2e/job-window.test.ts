/**
 * Training on a bigger machine, from the window: Debian's Chromium
 * (playwright-core) on the real renderer served by the real web host and its
 * engine. The Export panel writes the sample project as a PyTorch job and
 * shows its files and commands (a layer PyTorch cannot express is refused in
 * place, naming it); the Train panel's "Add a run folder…" records a run
 * folder trained elsewhere (here by an engine in this test, one epoch of a
 * tiny network, so no torch is needed) and lists and overlays it like any
 * recorded run. Screenshots at 1280×720 and 1920×1080, light and dark, go to
 * test-results/ (job-window-*.png).
 *
 * @subject engine/job/writeJob.ts engine/job/addRun.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { byTestId, openTab } from './support/locators.js';
import { screenshot, withPage } from './support/artefacts.js';
import { sampleData } from './support/sampleData.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';
import { Engine } from '../engine/engine.js';
import type { FinishedEvent, RunErrorEvent } from '../engine/protocol.js';
import type { ProjectFile } from '../engine/project/schema.js';
import { writePatternFolder } from '../engine/testing/imageFolderFixture.js';
import { tinyCnnProject } from '../engine/testing/tinyCnnProject.js';
import { formatNumber } from '../renderer/src/lib/format.js';

let studio: WebStudio;
let browser: Browser;
let workDir: string;
/** A finished run folder from "elsewhere": not of the window's engine, not in any project. */
let runDir: string;
let runEnd: FinishedEvent;

async function trainElsewhere(): Promise<void> {
  const data = await writePatternFolder({ perClass: 8, size: 8, seed: 9 });
  runDir = join(workDir, 'gpu-server', 'run-from-elsewhere');
  const engine = new Engine({ backend: 'cpu' });
  const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) =>
    engine.onEvent((e) => {
      if (e.type === 'finished' || e.type === 'error') resolve(e);
    }),
  );
  await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 8, data: { validationSplit: 0.25 }, training: { epochs: 2 } }), options: { dataPath: data, runDir } });
  const end = await ended;
  await engine.idle();
  assert.equal(end.type, 'finished', JSON.stringify(end));
  runEnd = end as FinishedEvent;
}

studioForTests({
  name: 'job',
  beforeStart: (dir) => void (workDir = dir),
  alongside: () => trainElsewhere(),
  started: (parts) => ({ studio, browser } = parts),
});

/** The shipped sample, saved into this test's folder (runs and the job's default land beside it). */
async function openSavedSample(page: Page, name: string): Promise<string> {
  await page.goto(studio.host.url);
  await byTestId(page, 'open-sample').click();
  await page.locator('.svelte-flow__node').first().waitFor();
  const projectPath = join(workDir, name);
  await byTestId(page, 'project-path').fill(projectPath);
  await byTestId(page, 'save-project').click();
  await byTestId(page, 'dirty').waitFor({ state: 'detached' });
  return projectPath;
}

async function pictures(page: Page, target: Locator, name: string): Promise<void> {
  for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await target.scrollIntoViewIfNeeded();
      // The window never scrolls as a whole (the panel does): nothing here may push the page past the viewport.
      assert.equal(await page.evaluate(() => document.documentElement.scrollHeight), height, `the page overflows at ${width}×${height} (${name})`);
      await screenshot(page, `job-window ${name} ${width}x${height} ${scheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('Export writes the sample project as a PyTorch job: its files, classes and copyable commands; a layer PyTorch refuses is named', async () => {
  await withPage(browser, 'job-window-job', async (page) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(studio.host.url).origin });
    const projectPath = await openSavedSample(page, 'sample.cnnstudio.json');
    await openTab(page, 'export');
    const job = byTestId(page, 'job-section');
    const jobDir = join(workDir, 'job');
    assert.equal(await byTestId(job, 'job-dest').inputValue(), jobDir, 'the job folder defaults to beside the project');
    await byTestId(job, 'job-write').click();
    await byTestId(job, 'job-result').waitFor({ timeout: 60_000 });

    const shownFiles = await byTestId(job, 'job-file').allInnerTexts();
    for (const file of ['model.py', 'train.py', 'job.json', 'README.md']) assert.ok(shownFiles.includes(file), `${file} is not listed: ${shownFiles.join(', ')}`);
    assert.deepEqual([...shownFiles].sort(), (await readdir(jobDir)).sort(), 'the listed files are the files written');
    assert.equal(await byTestId(job, 'job-out').innerText(), jobDir);
    const classes = (await readdir(join(sampleData(), 'train'))).sort();
    assert.equal(await byTestId(job, 'job-classes').innerText(), `Classes: ${classes.join(', ')}`, 'the classes of the project\'s own data folder');
    const recipe = JSON.parse(await readFile(join(jobDir, 'job.json'), 'utf8')) as { classNames: string[] | null };
    assert.deepEqual(recipe.classNames, classes);

    const torchrun = await byTestId(job, 'job-command-torchrun').innerText();
    assert.match(torchrun, /^torchrun --standalone --nproc_per_node=<N> train\.py --data <image folder> --out <run folder>$/);
    assert.match(await byTestId(job, 'job-command-single').innerText(), /^python3 train\.py --data /);
    assert.equal(await byTestId(job, 'job-command-record').innerText(), `convnet-studio runs add ${projectPath} <run folder>`);
    assert.ok((await readFile(join(jobDir, 'README.md'), 'utf8')).includes(torchrun), 'the window shows the README\'s command');
    await byTestId(job, 'job-copy-torchrun').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="job-copy-torchrun"]')?.textContent === 'Copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), torchrun);
    await pictures(page, byTestId(job, 'job-commands'), 'job');

    // A BatchNormalization over the rows, not the channels: PyTorch's BatchNorm cannot express it. Refused, named, nothing written.
    const sample = JSON.parse(await readFile(projectPath, 'utf8')) as ProjectFile;
    sample.graph.nodes.push({ id: 'rows_bn', type: 'BatchNormalization', params: { axis: 1 }, position: { x: 0, y: 150 } });
    sample.graph.edges = [
      ...sample.graph.edges.filter((e) => e.id !== 'conv1->pool1'),
      { id: 'e-bn-in', source: 'conv1', target: 'rows_bn' },
      { id: 'e-bn-out', source: 'rows_bn', target: 'pool1' },
    ];
    const refusedPath = join(workDir, 'rows-bn.cnnstudio.json');
    await writeFile(refusedPath, JSON.stringify(sample));
    await byTestId(page, 'open-menu').click();
    await byTestId(page, 'open-path').fill(refusedPath);
    await byTestId(page, 'open-project').click();
    await page.waitForFunction((path) => (document.querySelector('[data-testid="project-path"]') as HTMLInputElement | null)?.value === path, refusedPath);
    await openTab(page, 'export');
    const refusedDir = join(workDir, 'refused-job');
    await byTestId(job, 'job-dest').fill(refusedDir);
    await byTestId(job, 'job-write').click();
    const error = byTestId(job, 'job-error');
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.innerText(), /Layer "rows_bn" \(BatchNormalization\) cannot be exported to PyTorch/);
    assert.equal(await byTestId(job, 'job-result').count(), 0, 'the earlier job\'s result stayed beside the refusal');
    assert.ok(!existsSync(refusedDir), 'a refused job wrote its folder');
  });
});

test('Add a run folder… records a run trained elsewhere as one undoable edit; it lists its metrics and overlays; a folder that is not a run is refused in place', async () => {
  await withPage(browser, 'job-window-add-run', async (page) => {
    const projectPath = await openSavedSample(page, 'add-run.cnnstudio.json');
    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');
    assert.equal(await byTestId(train, 'past-run-row').count(), 0);

    // By keyboard: the button opens the field and the caret is in it; Enter adds.
    await byTestId(train, 'add-run-open').focus();
    await page.keyboard.press('Enter');
    const field = byTestId(train, 'add-run-path');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'add-run-path');
    await page.keyboard.type(workDir);
    await page.keyboard.press('Enter');
    const error = byTestId(train, 'add-run-error');
    await error.waitFor();
    assert.match(await error.innerText(), new RegExp(`${workDir} is not a run folder: it has no metrics\\.jsonl`));
    assert.equal(await byTestId(page, 'dirty').count(), 0, 'a refused folder changed the project');
    await pictures(page, error, 'add-run-refused');

    await field.fill(runDir);
    await page.keyboard.press('Enter');
    const row = byTestId(train, 'past-run-row');
    await row.waitFor();
    await error.waitFor({ state: 'detached' });
    assert.equal(await field.count(), 0, 'the field closes once the run is added');
    const text = await row.innerText();
    assert.match(text, /finished/);
    for (const name of ['loss', 'valAccuracy'] as const) assert.ok(text.includes(`${name} ${formatNumber(runEnd.metrics[name], 3)}`), `${name} ${runEnd.metrics[name]} is not in "${text}"`);
    assert.match(text, new RegExp(`best epoch ${runEnd.bestEpoch}`));
    assert.equal((await byTestId(row, 'run-folder').innerText()).trim(), runDir);
    await byTestId(page, 'dirty').waitFor();

    // Overlaid like any recorded run: its two epochs are drawn.
    await byTestId(row, 'past-run-overlay').check();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points')) >= 2);
    await pictures(page, byTestId(train, 'add-run-open'), 'add-run');

    // Saved, the project file records it relative to the project.
    await byTestId(page, 'save-project').click();
    await byTestId(page, 'dirty').waitFor({ state: 'detached' });
    const saved = JSON.parse(await readFile(projectPath, 'utf8')) as ProjectFile;
    assert.deepEqual(saved.runs.map((r) => [r.id, r.folder, r.status]), [[runEnd.runId, 'gpu-server/run-from-elsewhere', 'finished']]);

    // One undoable edit; the same folder twice is refused.
    await byTestId(page, 'undo').click();
    await row.waitFor({ state: 'detached' });
    await byTestId(page, 'redo').click();
    await row.waitFor();
    await byTestId(train, 'add-run-open').click();
    await field.fill(runDir);
    await byTestId(train, 'add-run').click();
    await error.waitFor();
    assert.match(await error.innerText(), /is already in the history/);
    assert.equal(await row.count(), 1);
  });
});
