/**
 * The Data, Train, Evaluate and Export panels in a browser, end to end:
 * Debian's Chromium (playwright-core) on the real renderer served by the
 * real web host, whose engine trains a small network one epoch on the
 * shipped sample data. One person's path through the panels, in order (each
 * step needs the one before: the summary, a run, its model), with the bad
 * input of each panel on the way. Screenshots of every panel are kept in
 * test-results/ (panels-*.png).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { byTestId, openTab } from './support/locators.js';
import { keepPanelPicture, withPage } from './support/artefacts.js';
import { sampleData } from './support/sampleData.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';
import { parseNumber } from '../renderer/src/lib/panels/numbers.js';
import { decimate, Smoother, type Point } from '../renderer/src/lib/panels/series.js';
import { contrast, mix, parseColour, readableOn } from '../renderer/src/lib/panels/colour.js';
import { backendBadge } from '../renderer/src/lib/panels/backend.js';
import type { EngineInfo } from '../engine/protocol.js';

const tensorflowInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
})();

let studio: WebStudio;
let browser: Browser;
let dataDir: string;
let workDir: string;

studioForTests({
  name: 'panels',
  alongside: async () => (dataDir = await sampleData()),
  started: (parts) => ({ studio, browser, workDir } = parts),
});

describe('the panels\' pure parts', () => {
  test('a typed number is accepted only when it is a plain number within the field\'s rule', () => {
    assert.deepEqual(parseNumber(' 0.25 ', { min: 0, max: 1 }), { ok: true, value: 0.25 });
    assert.deepEqual(parseNumber('1e-3', { min: 0, minExclusive: true }), { ok: true, value: 0.001 });
    assert.deepEqual(parseNumber('0,5'), { ok: true, value: 0.5 });
    const refused = (text: string, rule = {}) => {
      const parsed = parseNumber(text, rule);
      assert.equal(parsed.ok, false, `${text} was accepted`);
      return parsed.ok ? '' : parsed.reason;
    };
    assert.match(refused('abc'), /"abc" is not a number/);
    assert.match(refused('0x10'), /not a number/);
    assert.match(refused(''), /Type a number/);
    assert.match(refused('Infinity'), /not a number/);
    assert.match(refused('2.5', { integer: true, min: 1 }), /whole number/);
    assert.match(refused('0', { min: 0, minExclusive: true }), /more than 0/);
    assert.match(refused('1', { max: 1, maxExclusive: true }), /less than 1/);
    assert.match(refused('-1', { min: 0 }), /at least 0/);
  });

  test('decimation keeps a long curve\'s first, last, lowest and highest points within the budget', () => {
    const points: Point[] = Array.from({ length: 100_000 }, (_, i) => ({ x: i, y: Math.sin(i / 500) }));
    points[31_337] = { x: 31_337, y: 5 };
    points[77_777] = { x: 77_777, y: -5 };
    const kept = decimate(points, 600);
    assert.ok(kept.length <= 600, `${kept.length} points kept`);
    assert.deepEqual(kept[0], points[0]);
    assert.deepEqual(kept.at(-1), points.at(-1));
    assert.ok(kept.some((p) => p.y === 5) && kept.some((p) => p.y === -5), 'a spike was dropped');
    assert.ok(kept.every((p, i) => i === 0 || p.x > kept[i - 1]!.x), 'points out of x order');
    assert.deepEqual(decimate(points.slice(0, 10), 600), points.slice(0, 10));
  });

  test('the smoothed curve starts at the first value (bias-corrected) and follows a step', () => {
    const ema = new Smoother(0.9);
    assert.equal(ema.next(2), 2);
    let last = 0;
    for (let i = 0; i < 200; i++) last = ema.next(1);
    assert.ok(Math.abs(last - 1) < 1e-6);
  });

  test('heat-map text keeps at least 4.5:1 on every shade of both themes', () => {
    const themes = [
      { accent: '#2458c5', bad: '#b3261e', panel: '#ffffff', ink: '#1d232b' },
      { accent: '#7aa7f7', bad: '#ff8a80', panel: '#1e2228', ink: '#e4e7eb' },
    ];
    for (const theme of themes) {
      const [accent, bad, panel, ink] = [theme.accent, theme.bad, theme.panel, theme.ink].map(parseColour);
      for (const base of [accent!, bad!]) {
        for (let share = 0; share <= 1; share += 0.05) {
          const background = mix(base, panel!, 0.12 + 0.88 * share);
          const text = readableOn(background, [ink!, panel!, [255, 255, 255], [0, 0, 0]]);
          assert.ok(contrast(text, background) >= 4.5, `${contrast(text, background).toFixed(2)}:1 at ${share} on ${theme.panel}`);
        }
      }
    }
  });

  test('the backend badge says why the GPU is not used, in the engine\'s words', () => {
    const info: EngineInfo = {
      protocolVersion: 1,
      version: '0.1.0',
      node: 'v20',
      tfjs: '4.22.0',
      backend: 'wasm',
      device: 'CPU',
      devices: [],
      backends: [
        { name: 'tensorflow', available: false, reason: 'tfjs-node-gpu is not installed' },
        { name: 'wasm', available: true },
        { name: 'cpu', available: true },
      ],
    };
    const badge = backendBadge(info, null);
    assert.equal(badge.device, 'WASM');
    assert.match(badge.label, /WASM · WebAssembly/);
    assert.equal(badge.hint, 'The GPU is not used: tfjs-node-gpu is not installed.');
    const cudaLess = backendBadge({ ...info, backend: 'tensorflow', device: 'CPU', backends: [{ name: 'tensorflow', available: true }, ...info.backends.slice(1)] }, null);
    assert.match(cudaLess.hint, /found no CUDA device/);
    const gpu = backendBadge({ ...info, backend: 'tensorflow', device: 'GPU', backends: [{ name: 'tensorflow', available: true }, ...info.backends.slice(1)] }, null);
    assert.equal(gpu.hint, '');
    assert.equal(gpu.device, 'GPU');
  });
});

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
    await byTestId(page, 'project-title').waitFor();
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
    await keepPanelPicture(page, data, 'panels-data');
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
    // The badge names the backend the run trained on; without tfjs-node-gpu (offline installs) that is wasm, and it says why not the GPU.
    if (!tensorflowInstalled) {
      assert.equal(await byTestId(train, 'backend-badge').innerText(), 'WASM · WebAssembly');
      assert.match(await byTestId(train, 'backend-hint').innerText(), /^The GPU is not used: tfjs-node-gpu is not installed/);
    }
    await keepPanelPicture(page, train, 'panels-train');

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
    // Keyboard: an arrow key moves to the next cell and Enter opens that one (not the one clicked).
    const key = worst % 10 > 0 ? 'ArrowLeft' : 'ArrowRight';
    const neighbour = cells.nth(worst + (key === 'ArrowLeft' ? -1 : 1));
    const neighbourHeading = (await neighbour.getAttribute('aria-label'))!.replace(/ \(\d+ % of .*\)$/, '');
    await cells.nth(worst).press(key);
    assert.equal(await neighbour.evaluate((cell) => cell === document.activeElement), true, 'the arrow key moved the focus');
    await page.keyboard.press('Enter');
    assert.equal(await detail.locator('h3').innerText(), neighbourHeading);

    // A dropped image gets its top predictions; a dropped file that is not an image gets the engine's error.
    const bagImage = join(dataDir, 'test', 'Bag', (await import('node:fs/promises').then((fs) => fs.readdir(join(dataDir, 'test', 'Bag'))))[0]!);
    await byTestId(evaluate, 'predict-file').setInputFiles(bagImage);
    await byTestId(evaluate, 'prediction').waitFor({ timeout: 60_000 });
    assert.equal(await byTestId(evaluate, 'prediction').locator('[role="meter"]').count(), 5);
    await keepPanelPicture(page, evaluate, 'panels-evaluate');
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
    await keepPanelPicture(page, exporter, 'panels-export');

    // ---------------------------------------------------------------- a second run: pause, resume, stop; then compare
    await openTab(page, 'train');
    await epochs.fill('50');
    await byTestId(train, 'train-batch-size').fill('8');
    await byTestId(train, 'train-start').click();
    const stage = (name: string) => train.locator(`[data-testid="train-progress"][data-stage="${name}"]`);
    await stage('training').waitFor({ timeout: 120_000 });
    await byTestId(train, 'train-pause').click();
    await stage('paused').waitFor({ timeout: 30_000 });
    assert.match(await byTestId(train, 'train-progress').innerText(), /Paused/);
    await byTestId(train, 'train-resume').click();
    await stage('training').waitFor({ timeout: 30_000 });
    await byTestId(train, 'train-stop').click();
    await stage('finished').waitFor({ timeout: 60_000 });
    assert.match(await byTestId(train, 'train-progress').innerText(), /Stopped after \d+ epoch/);
    assert.equal(await byTestId(train, 'run-row').count(), 2);
    // Run 1's curves overlaid on run 2's: the loss chart draws more points.
    const alone = Number(await byTestId(train, 'chart-loss').getAttribute('data-points'));
    await train.locator('[data-testid="run-row"]', { hasText: 'Run 1' }).getByLabel('Overlay on the charts').check();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points')) > n, alone);
    await keepPanelPicture(page, train, 'panels-train-compare');

    // The dark theme: the charts and the heat map take its colours (pictures to look at).
    await byTestId(page, 'theme').selectOption('dark');
    await openTab(page, 'train');
    await keepPanelPicture(page, train, 'panels-train-dark');
    await openTab(page, 'evaluate');
    await keepPanelPicture(page, evaluate, 'panels-evaluate-dark');

    // Nothing on the way threw in the page (Svelte's runtime errors land here, not in the panels).
    assert.deepEqual(pageErrors, []);
  });
});
