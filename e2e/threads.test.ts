/**
 * The Train panel's Threads field in a browser: Debian's Chromium
 * (playwright-core) on the real window served by the real web host, whose
 * engine trains the shipped sample for real. The field shows the window's
 * default (the engine machine's cores − 1), refuses what is not a thread
 * count, sends the chosen count with Start (run.json records it) and keeps it
 * for the next session. Pictures of the field in light and dark, at 1280×720
 * and 1920×1080, are kept in test-results/threads-*.png.
 *
 * @subject engine/train/parallel/threads.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { byTestId, openTab } from './support/locators.js';
import { RESULTS_DIR, withPage } from './support/artefacts.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';

let studio: WebStudio;
let browser: Browser;
let workDir: string;

studioForTests({ name: 'threads', started: (parts) => ({ studio, browser, workDir } = parts) });

test('the Threads field shows cores − 1, refuses bad counts, and its choice reaches the run and the next session', async () => {
  await withPage(browser, 'threads field', async (page) => {
    await page.goto(studio.host.url);
    await byTestId(page, 'open-sample').click();
    await page.locator('.svelte-flow__node').first().waitFor();
    const projectPath = join(workDir, 'threads.cnnstudio.json');
    await byTestId(page, 'project-path').fill(projectPath);
    await byTestId(page, 'save-project').click();
    await byTestId(page, 'dirty').waitFor({ state: 'detached' });

    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');
    const threads = byTestId(train, 'train-threads');
    const fallback = Math.max(1, availableParallelism() - 1);
    // The engine's info arrives after the panel: the field then shows the machine's default.
    await page.waitForFunction((n) => (document.querySelector('[data-testid="train-threads"]') as HTMLInputElement | null)?.value === String(n), fallback);
    assert.match(await byTestId(train, 'train-threads-field').innerText(), new RegExp(`Default ${fallback} \\(${availableParallelism()} cores − 1\\)`));

    for (const bad of ['0', 'two', '1.5']) {
      await threads.fill(bad);
      await byTestId(train, 'train-threads-error').waitFor();
    }
    await threads.fill('2');
    await byTestId(train, 'train-threads-error').waitFor({ state: 'detached' });
    await byTestId(train, 'train-threads-default').waitFor();

    for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
      await page.setViewportSize({ width, height });
      for (const theme of ['light', 'dark']) {
        await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        await byTestId(train, 'train-threads-field').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(RESULTS_DIR, `threads-${width}x${height}-${theme}.png`) });
      }
    }

    await byTestId(train, 'train-epochs').fill('1');
    await byTestId(train, 'train-start').click();
    await train.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 180_000 });
    const [runId] = await readdir(join(workDir, 'runs'));
    const record = JSON.parse(await readFile(join(workDir, 'runs', runId!, 'run.json'), 'utf8'));
    // Two threads on the CPU backends; a GPU backend trains on its own and records 1.
    assert.deepEqual(record.threads, { requested: 2, used: record.backend.name === 'wasm' || record.backend.name === 'cpu' ? 2 : 1 });

    // The choice belongs to this machine's window, not the project: it is there after a reload.
    await page.reload();
    await byTestId(page, 'open-sample').click();
    await openTab(page, 'train');
    await page.waitForFunction(() => (document.querySelector('[data-testid="train-threads"]') as HTMLInputElement | null)?.value === '2');
    await byTestId(page, 'train-threads-default').click();
    assert.equal(await byTestId(page, 'train-threads').inputValue(), String(fallback));
  });
});
