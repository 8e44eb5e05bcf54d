/**
 * The window's "Restart engine" action, in Chromium against the real web host:
 * the engine process is killed until the host stops restarting it at once
 * (more than 3 deaths in a minute), the window shows the failure with a
 * Restart engine button, and the button brings a fresh engine that answers.
 * Screenshots of the notice (1280×720 and 1920×1080, light and dark) go to
 * test-results/.
 *
 * @subject engine/host/engineSupervisor.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { screenshot, withPage } from './support/artefacts.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';

let studio: WebStudio;
let browser: Browser;

studioForTests({ name: 'engine-restart', started: (parts) => ({ studio, browser } = parts) });

async function untilNewPid(old: number): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const pid = studio.host.enginePid();
    if (pid !== undefined && pid !== old) return pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the engine was not restarted');
}

test('an engine that keeps dying shows a Restart engine action, which brings it back', async () => {
  await withPage(browser, 'engine restart action', async (page) => {
    await page.goto(studio.host.url);
    await page.locator('[data-testid="engine-ready"]').waitFor();
    // Four deaths in a row: the fourth is one too many for an immediate restart.
    let pid = studio.host.enginePid()!;
    for (let death = 1; death <= 4; death++) {
      process.kill(pid, 'SIGKILL');
      if (death < 4) pid = await untilNewPid(pid);
    }
    const failed = page.locator('[data-testid="notice"][data-code="engine-failed"]');
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await failed.innerText(), /it will be started again in 30 s/);
    const restart = failed.locator('[data-testid="restart-engine"]');
    assert.equal(await restart.innerText(), 'Restart engine');

    for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `engine restart notice ${width}x${height} ${scheme}`);
      }
    }

    await restart.click();
    await page.locator('[data-testid="notice"][data-code="engine-failed"]').waitFor({ state: 'detached' });
    await page.locator('[data-testid="engine-ready"]').waitFor();
    assert.ok(studio.host.enginePid() !== undefined && studio.host.enginePid() !== pid, 'a fresh engine process');
    assert.ok(studio.log.some((line) => /restarting the engine \(a window asked for it\)/.test(line)));
  });
});
