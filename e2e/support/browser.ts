/**
 * Debian's Chromium driven by playwright-core (no browser download: the
 * Debian package is the browser; `.ci/run` installs it when missing).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CONVNET_STUDIO_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}, and the web-mode end-to-end tests drive it. ` +
        'Install it with `apt-get install chromium` (.ci/run does), or point CONVNET_STUDIO_CHROMIUM at a Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
  });
}
