/**
 * The before/after that every window test file shares: a fresh work folder,
 * the studio in web mode (support/webStudio.ts) and Debian's Chromium,
 * started before the file's tests and closed after them, the folder removed.
 * Call it once at the top level of a test file; `started` hands the file its
 * parts, e.g.
 *
 *   let studio: WebStudio; let browser: Browser; let workDir: string;
 *   studioForTests({ name: 'editor', started: (parts) => ({ studio, browser, workDir } = parts) });
 *
 * Each page is opened by the test itself (support/artefacts.ts withPage).
 */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { startWebStudio, type WebStudio } from './webStudio.js';

export interface StudioParts {
  studio: WebStudio;
  browser: Browser;
  /** cnnstudio-e2e-<name>-… in the temporary folder; removed after the file's tests. */
  workDir: string;
}

export interface StudioForTests {
  /** Names the work folder. */
  name: string;
  started: (parts: StudioParts) => void;
  /** Before the studio starts, in the work folder: what its engine inherits (environment variables) or reads. */
  beforeStart?: (workDir: string) => Promise<void> | void;
  /** While the studio and Chromium start: the file's other fixtures. */
  alongside?: (workDir: string) => Promise<unknown>;
  /** Once Chromium and the studio are closed, before the work folder goes. */
  afterClose?: () => Promise<void> | void;
}

export function studioForTests(options: StudioForTests): void {
  let studio: WebStudio | undefined;
  let browser: Browser | undefined;
  let workDir: string | undefined;
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), `cnnstudio-e2e-${options.name}-`));
    await options.beforeStart?.(workDir);
    // Settled, not Promise.all: when one part fails, the others that did start are still closed after
    // (a Chromium left running would keep the test process alive).
    const [started, launched, fixtures] = await Promise.allSettled([startWebStudio(), launchChromium(), options.alongside?.(workDir)]);
    if (started.status === 'fulfilled') studio = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    for (const part of [started, launched, fixtures]) if (part.status === 'rejected') throw part.reason;
    options.started({ studio: studio!, browser: browser!, workDir });
  });
  after(async () => {
    await browser?.close();
    await studio?.host.close();
    await options.afterClose?.();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
}
