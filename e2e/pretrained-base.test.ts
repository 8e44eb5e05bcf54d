/**
 * A pretrained base in the window: the welcome screen offers the
 * "Transfer from ImageNet (MobileNetV2)" template; its 153 base layers (all but the Input) are
 * drawn as one collapsed node (with their parameters, output shape and
 * frozen state) above the new head; Expand draws every layer and Collapse
 * folds them again; "Freeze up to here" works on a layer inside the base. Screenshots at 1280×720 and 1920×1080, light and dark,
 * are kept in test-results/. (No training here: the base would be downloaded;
 * the engine and CLI tests fetch it from a local mirror.)
 *
 * @subject engine/export/fineTune.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { byTestId } from './support/locators.js';
import { screenshot, withPage } from './support/artefacts.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';
import { createProject } from '../engine/graph/templates.js';
import { upstreamOf } from '../engine/export/fineTune.js';

let studio: WebStudio;
let browser: Browser;

studioForTests({ name: 'pretrained-base', started: (parts) => ({ studio, browser } = parts) });


test('the ImageNet template: offered on the welcome screen, its base one node that expands and collapses', async () => {
  await withPage(browser, 'pretrained base', async (page) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(studio.host.url);
    await byTestId(page, 'engine-ready').waitFor();
    const offered = byTestId(page, 'template-mobilenetv2-imagenet');
    await offered.check();
    await byTestId(page, 'create-project').click();
    await byTestId(page, 'graph-summary').waitFor();
    await page.waitForFunction(() => /423,018 parameters/.test(document.querySelector('[data-testid="graph-summary"]')?.textContent ?? ''));

    const group = byTestId(page, 'group-node');
    await group.waitFor();
    assert.equal(await group.count(), 1);
    const label = (await group.getAttribute('aria-label')) ?? '';
    assert.match(label, /mobilenetv2-0\.35-224: 153 layers, 410208 parameters, output \[7, 7, 1280\]/);
    assert.match(await group.innerText(), /frozen/);
    const all = createProject('mobilenetv2-imagenet').graph.nodes;
    const outside = all.filter((n) => !n.group).length;
    assert.equal(await byTestId(page, 'layer-node').count(), outside, 'Input and the head are drawn beside the base');
    await screenshot(page, 'pretrained base collapsed 1280x720 light');

    await byTestId(page, 'group-expand').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="layer-node"]').length === n, all.length);
    assert.equal(await byTestId(page, 'group-node').count(), 0);
    await screenshot(page, 'pretrained base expanded 1280x720 light');

    await byTestId(page, 'group-collapse').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="layer-node"]').length === n, outside);
    await byTestId(page, 'group-node').waitFor();

    // "Freeze up to here" inside the base: a layer picked in the summary opens its base; the engine freezes it and
    // everything before it, and the layers after it (the top blocks) become trainable.
    await byTestId(page, 'tab-summary').click();
    await page.getByRole('button', { name: 'block_13_project_BN', exact: true }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="layer-node"]').length === n, all.length);
    await byTestId(page, 'freeze-up-to').click();
    const frozenInBase = [...upstreamOf(createProject('mobilenetv2-imagenet').graph, 'block_13_project_BN')].filter((id) => id !== 'input_1').length;
    await byTestId(page, 'group-collapse').click();
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="group-node"]')?.textContent?.includes(`${n} frozen`) ?? false,
      frozenInBase,
    );
    assert.ok(frozenInBase > 100 && frozenInBase < 153);

    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, 'pretrained base collapsed 1920x1080 light');
    await byTestId(page, 'theme').selectOption('dark');
    await screenshot(page, 'pretrained base collapsed 1920x1080 dark');
    await page.setViewportSize({ width: 1280, height: 720 });
    await screenshot(page, 'pretrained base collapsed 1280x720 dark');
  });
});
