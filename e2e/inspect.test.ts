/**
 * The Inspect view in a browser: open the sample project, train one epoch,
 * evaluate, click a mistake and see its Grad-CAM overlay, pick another class,
 * click a node on the canvas and see its feature maps, show the filters and
 * weight histograms. Debian's Chromium (playwright-core) drives the real
 * window served by the real web host; its engine trains and explains for
 * real. Screenshots (light and dark, 1280×720 and 1920×1080) go to
 * test-results/ for a person to look at.
 *
 * @subject engine/insight/explain.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { byTestId, openTab } from './support/locators.js';
import { keepPanelPicture, screenshot, withPage } from './support/artefacts.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';

let studio: WebStudio;
let browser: Browser;
let workDir: string;

studioForTests({ name: 'inspect', started: (parts) => ({ studio, browser, workDir } = parts) });

test('training shows gradient health; a mistake opens in Inspect with its Grad-CAM; a canvas node shows its feature maps; filters and histograms', async () => {
  await withPage(browser, 'inspect', async (page) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(studio.host.url);
    await byTestId(page, 'open-sample').click();
    await page.locator('.svelte-flow__node').first().waitFor();
    await byTestId(page, 'project-path').fill(join(workDir, 'inspect.cnnstudio.json'));
    await byTestId(page, 'save-project').click();
    await byTestId(page, 'dirty').waitFor({ state: 'detached' });

    await openTab(page, 'train');
    const train = byTestId(page, 'train-panel');
    await byTestId(train, 'train-epochs').fill('1');
    await byTestId(train, 'train-start').click();
    await train.locator('[data-testid="train-progress"][data-stage="finished"]').waitFor({ timeout: 180_000 });
    // Gradient health under the Train panel: a strip per trainable node, no warning for the sample at its settings.
    const health = byTestId(page, 'gradient-health');
    await health.waitFor();
    assert.deepEqual(await health.locator('tbody th').allInnerTexts(), ['conv1', 'conv2', 'conv3', 'dense1', 'dense2']);
    assert.equal(await byTestId(health, 'gradient-warning').count(), 0);
    await health.scrollIntoViewIfNeeded();
    await screenshot(page, 'inspect gradient health 1280x720 light');

    await openTab(page, 'evaluate');
    const evaluate = byTestId(page, 'evaluate-panel');
    await byTestId(evaluate, 'evaluate-run').click();
    await byTestId(evaluate, 'evaluate-report').waitFor({ timeout: 120_000 });
    await byTestId(evaluate, 'mistakes-open').first().click();

    // The mistake is explained: the Inspect tab comes forward with the overlay and the top five.
    const inspect = byTestId(page, 'inspect-panel');
    await byTestId(inspect, 'inspect-result').waitFor({ timeout: 60_000 });
    assert.equal(await byTestId(page, 'tab-inspect').getAttribute('aria-selected'), 'true');
    assert.match((await byTestId(inspect, 'inspect-heatmap').getAttribute('src'))!, /^data:image\/png;base64,/);
    assert.equal(await byTestId(inspect, 'inspect-layer').inputValue(), 'conv3', 'the default layer is the last convolution');
    const classes = byTestId(inspect, 'inspect-class');
    assert.equal(await classes.count(), 5);
    await screenshot(page, 'inspect grad-cam 1280x720 light');

    // Another class: the heatmap is recomputed for it.
    const second = classes.nth(1);
    const secondName = (await second.locator('.name').innerText()).trim();
    await second.click();
    await inspect.locator(`figcaption:has-text("evidence for ${secondName}")`).waitFor();
    assert.equal(await classes.nth(1).getAttribute('aria-pressed'), 'true');

    // A node clicked on the canvas: its feature maps, and (it has a map) it becomes the Grad-CAM layer.
    await page.locator('.svelte-flow__node[data-id="conv1"]').click();
    const maps = byTestId(inspect, 'feature-maps');
    await maps.waitFor({ timeout: 60_000 });
    assert.match(await maps.innerText(), /conv1 \(Conv2D, output 26×26×32\)/);
    assert.equal(await maps.locator('img').count(), 32);
    await inspect.locator('figcaption:has-text("Where conv1 found evidence")').waitFor();
    await screenshot(page, 'inspect feature maps 1280x720 light');

    await byTestId(inspect, 'inspect-filters').click();
    const weights = byTestId(inspect, 'weight-views');
    await weights.waitFor();
    assert.equal(await weights.locator('.filters img').count(), 32);
    assert.equal(await weights.locator('figure svg').count(), 10, 'a histogram per kernel and bias of five layers');

    // A sample image from the Data panel's thumbnails opens here too.
    await openTab(page, 'data');
    const thumbnail = byTestId(page, 'thumbnail-inspect').first();
    await thumbnail.waitFor({ timeout: 60_000 });
    const picked = (await thumbnail.getAttribute('title'))!.replace(/^Inspect /, '');
    await thumbnail.click();
    await page.waitForFunction((path) => (document.querySelector('[data-testid="inspect-image"]') as HTMLInputElement | null)?.value === path, picked);
    await inspect.locator(`img[alt^="${picked.split('/').at(-1)} as the network sees it"]`).waitFor({ timeout: 60_000 });

    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, 'inspect 1920x1080 light');
    await keepPanelPicture(page, inspect, 'inspect-panel-light');
    await byTestId(page, 'theme').selectOption('dark');
    await screenshot(page, 'inspect 1920x1080 dark');
    await page.setViewportSize({ width: 1280, height: 720 });
    await screenshot(page, 'inspect 1280x720 dark');
  });
});
