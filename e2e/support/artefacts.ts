/**
 * What a failed end-to-end test leaves behind in test-results/ (git-ignored):
 * a full-page screenshot and the page's console, named after the test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';

export const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${slug(name)}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A panel's own picture, kept in test-results/<name>.png for a person to look
 * at: the window is made tall enough for the whole panel (its tab scrolls
 * otherwise), then put back.
 */
export async function keepPanelPicture(page: Page, panel: Locator, name: string): Promise<void> {
  const viewport = page.viewportSize()!;
  const height = await panel.evaluate((el) => {
    // The tab scrolls: start at its top, so the panel's box is where it is drawn.
    for (let p = el.parentElement; p; p = p.parentElement) p.scrollTop = 0;
    return el.scrollHeight + el.getBoundingClientRect().top + 80;
  });
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.ceil(height)) });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await mkdir(RESULTS_DIR, { recursive: true });
  await panel.screenshot({ path: join(RESULTS_DIR, `${name}.png`) });
  await page.setViewportSize(viewport);
}

/** Runs `body` on a fresh page; when it throws, keeps a screenshot and the console of that page. */
export async function withPage<T>(browser: Browser, testName: string, body: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  try {
    return await body(page);
  } catch (e) {
    const shot = await screenshot(page, `FAILED ${testName}`).catch(() => null);
    await writeFile(join(RESULTS_DIR, `${slug(`FAILED ${testName}`)}.console.txt`), consoleLines.join('\n')).catch(() => undefined);
    if (shot && e instanceof Error) e.message += `\n(screenshot: ${shot})`;
    throw e;
  } finally {
    await page.close();
  }
}
