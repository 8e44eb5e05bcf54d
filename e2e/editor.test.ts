/**
 * The editor in a browser, end to end: Debian's Chromium against the real
 * renderer, web host and engine. A layer dragged from the palette is
 * connected and gets its shape from the engine; a bad parameter brings a
 * badge and the explanation; bad connections are refused with the reason;
 * undo puts things back; letters in a number field and a project file from a
 * newer version are refused where they happen, and nothing drawn is lost; the
 * autosave brings the graph back after a reload. Screenshots of the editor in
 * light and dark are kept in test-results/.
 *
 * @subject none: the editor's rules run in the page, from the graph core bundled into the window (vite), which the Node module hooks cannot reach; the graph core's own tests are checked instead
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { byTestId } from './support/locators.js';
import { screenshot, withPage } from './support/artefacts.js';
import { studioForTests } from './support/studioForTests.js';
import type { WebStudio } from './support/webStudio.js';
import { createProject } from '../engine/graph/templates.js';

let studio: WebStudio;
let browser: Browser;
let workDir: string;

studioForTests({ name: 'editor', started: (parts) => ({ studio, browser, workDir } = parts) });

const node = (page: Page, id: string) => page.locator(`.svelte-flow__node[data-id="${id}"]`);
const shapeOf = (page: Page, id: string) => node(page, id).locator('[data-testid="node-shape"]');

/** Drags a wire from one node's output handle to another node's input handle, in small steps as a hand would. */
async function wire(page: Page, from: string, to: string): Promise<void> {
  const source = await node(page, from).locator('.svelte-flow__handle.source').boundingBox();
  const target = await node(page, to).locator('.svelte-flow__handle.target').boundingBox();
  assert.ok(source && target, `handles of ${from} and ${to} are on screen`);
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** The number of edges the canvas draws. */
const edgeCount = (page: Page) => page.locator('.svelte-flow__edge').count();

async function dropFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  const canvas = byTestId(page, 'canvas');
  await byTestId(page, `palette-${type}`).dragTo(canvas, { targetPosition: at });
}

async function waitForText(locator: Locator, pattern: RegExp, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = await locator.innerText().catch(() => '');
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) assert.fail(`expected ${pattern} in ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('draw, connect, break, refuse and undo in the editor; light and dark', async () => {
  await withPage(browser, 'editor', async (page) => {
    await page.goto(studio.host.url);
    await byTestId(page, 'engine-ready').waitFor();
    await byTestId(page, 'template-seed-cnn').check();
    await byTestId(page, 'project-name-input').fill('Drawn in the browser');
    await byTestId(page, 'create-project').click();
    await byTestId(page, 'graph-summary').waitFor();
    const template = createProject('seed-cnn').graph;
    await page.locator('.svelte-flow__node').nth(template.nodes.length - 1).waitFor();
    assert.equal(await page.locator('.svelte-flow__node').count(), template.nodes.length);
    assert.equal(await edgeCount(page), template.edges.length);
    // Edges carry the shape of the tensor they carry.
    await waitForText(page.locator('.svelte-flow__edge-label').first(), /\[28, 28, 1\]/);
    await page.keyboard.press('l');

    // Drag a Conv2D from the palette; unconnected, it has no shape yet.
    await dropFromPalette(page, 'Conv2D', { x: 560, y: 120 });
    await node(page, 'conv2d_1').waitFor();
    assert.equal(await shapeOf(page, 'conv2d_1').innerText(), '?');
    await waitForText(node(page, 'conv2d_1'), /unconnected/);
    // It was selected on drop, so the inspector shows it.
    assert.equal(await byTestId(page, 'inspector-type').innerText(), 'Conv2D');

    // Connect the Input to it: the engine works out its shape.
    await wire(page, 'input', 'conv2d_1');
    await waitForText(shapeOf(page, 'conv2d_1'), /^\[26, 26, 32\]$/);
    assert.equal(await edgeCount(page), template.edges.length + 1);
    await waitForText(byTestId(page, 'explanation'), /⌊\(28 \+ 2·0 − 3\) \/ 1⌋ \+ 1 = 26/);
    await waitForText(byTestId(page, 'inspector-shape'), /\[26, 26, 32\]/);
    await screenshot(page, 'editor light');

    // A bad edit: a kernel larger than the image. The node gets a badge, the field the engine's reason.
    await node(page, 'conv2d_1').click();
    await byTestId(page, 'param-kernel_size').fill('40');
    await node(page, 'conv2d_1').locator('[data-testid="problem-badge"][data-code="kernel-too-large"]').waitFor();
    await waitForText(byTestId(page, 'param-problem-kernel_size'), /40×40 kernel larger than its 28×28 input/);
    assert.equal(await shapeOf(page, 'conv2d_1').innerText(), '?');
    await screenshot(page, 'editor bad kernel');

    // Letters in a number field: the error at the field, the graph keeps its last valid value.
    await byTestId(page, 'param-filters').fill('3x');
    await waitForText(byTestId(page, 'param-error-filters'), /not a number.*keeps 32/);
    await byTestId(page, 'param-filters').fill('');
    await waitForText(byTestId(page, 'param-error-filters'), /filters is required/);
    await byTestId(page, 'param-filters').fill('32');
    assert.equal(await byTestId(page, 'param-error-filters').count(), 0);

    // Refused connections: a second input into a one-input layer, and a flat tensor into a convolution.
    await wire(page, 'pool1', 'conv2d_1');
    await waitForText(byTestId(page, 'connection-refused'), /takes one input and already has Input "input"/);
    assert.equal(await edgeCount(page), template.edges.length + 1);
    await dropFromPalette(page, 'Conv2D', { x: 560, y: 420 });
    await node(page, 'conv2d_2').waitFor();
    await wire(page, 'dense1', 'conv2d_2');
    await waitForText(byTestId(page, 'connection-refused'), /Connection refused: Conv2D "conv2d_2" works on images .* gets \[64\] from "dense1"/);
    assert.equal(await edgeCount(page), template.edges.length + 1);
    await screenshot(page, 'editor refused connection');

    // Undo (Ctrl+Z on the canvas): the second Conv2D goes, then the kernel is 3 again and the badge goes.
    await page.locator('.svelte-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+z');
    await node(page, 'conv2d_2').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+z'); // the filters edits (one step)
    await page.keyboard.press('Control+z'); // kernel_size 40
    await waitForText(shapeOf(page, 'conv2d_1'), /^\[26, 26, 32\]$/);
    assert.equal(await node(page, 'conv2d_1').locator('[data-testid="problem-badge"][data-code="kernel-too-large"]').count(), 0);
    // Redo brings the bad kernel back; undo again.
    await page.keyboard.press('Control+Shift+z');
    await node(page, 'conv2d_1').locator('[data-testid="problem-badge"][data-code="kernel-too-large"]').waitFor();
    await byTestId(page, 'undo').click();
    await waitForText(shapeOf(page, 'conv2d_1'), /^\[26, 26, 32\]$/);

    // Copy and paste the connected Conv2D: the copy gets a fresh id.
    await node(page, 'conv2d_1').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await node(page, 'conv2d_2').waitFor();

    // Delete it again with the Delete key.
    await node(page, 'conv2d_2').click();
    await page.keyboard.press('Delete');
    await node(page, 'conv2d_2').waitFor({ state: 'detached' });

    // The summary: Keras-style table with totals and a memory estimate.
    await byTestId(page, 'tab-summary').click();
    await waitForText(byTestId(page, 'graph-summary'), /11 layers, 93,642 parameters · 1 problem/);
    assert.equal(await byTestId(page, 'layer').count(), template.nodes.length + 1);
    await waitForText(byTestId(page, 'memory-total'), /MiB|KiB/);

    // Help overlay.
    await page.locator('.svelte-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('?');
    await byTestId(page, 'help-overlay').waitFor();
    await page.keyboard.press('Escape');
    await byTestId(page, 'help-overlay').waitFor({ state: 'detached' });

    // Dark theme.
    await byTestId(page, 'theme').selectOption('dark');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await byTestId(page, 'tab-layer').click();
    await node(page, 'conv2d_1').click();
    await screenshot(page, 'editor dark');
    await byTestId(page, 'theme').selectOption('light');

    // Saving clears the unsaved mark and lists the file under Recent.
    assert.equal(await byTestId(page, 'dirty').count(), 1);
    const path = join(workDir, 'drawn.cnnstudio.json');
    await byTestId(page, 'project-path').fill(path);
    await byTestId(page, 'save-project').click();
    await byTestId(page, 'dirty').waitFor({ state: 'detached' });
    const saved = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(saved.graph.nodes.length, template.nodes.length + 1);
    assert.ok(saved.graph.edges.some((e: { source: string; target: string }) => e.source === 'input' && e.target === 'conv2d_1'));
    assert.match((await byTestId(page, 'recent-projects').textContent()) ?? '', /drawn\.cnnstudio\.json/);
  });
});

test('bad input: a project from a newer version is refused and the graph kept; the autosave restores after a reload', async () => {
  await withPage(browser, 'editor bad input', async (page) => {
    await page.goto(studio.host.url);
    await byTestId(page, 'engine-ready').waitFor();
    await byTestId(page, 'template-lenet5').check();
    await byTestId(page, 'create-project').click();
    await byTestId(page, 'graph-summary').waitFor();
    const lenet = createProject('lenet5').graph;
    await page.locator('.svelte-flow__node').nth(lenet.nodes.length - 1).waitFor();

    // Paste a project file written by a newer studio.
    const newer = { ...createProject('seed-cnn'), version: 99 };
    await page.locator('.svelte-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, JSON.stringify(newer));
    const notice = page.locator('[data-testid="notice"][data-code="project-newer-version"]');
    await notice.waitFor();
    assert.match(await notice.innerText(), /newer Convnet Studio \(project version 99; this one reads up to 1\)/);
    assert.equal(await page.locator('.svelte-flow__node').count(), lenet.nodes.length);

    // An edit, then a reload: the studio offers the autosaved graph back.
    await byTestId(page, 'palette-Dropout').focus();
    await page.keyboard.press('Enter');
    await node(page, 'dropout_1').waitFor();
    await page.waitForTimeout(900); // the autosave is written a moment after the edit
    await page.reload();
    await byTestId(page, 'restore-offer').waitFor();
    assert.match(await byTestId(page, 'restore-offer').innerText(), /\(11 layers\)/);
    await byTestId(page, 'restore').click();
    await node(page, 'dropout_1').waitFor();
    assert.equal(await page.locator('.svelte-flow__node').count(), lenet.nodes.length + 1);
    assert.equal(await byTestId(page, 'dirty').count(), 1);
  });
});
