/**
 * `npm run bench:editor`: the editor's speed in Debian's Chromium against the
 * real web host and engine, on a generated graph of 301 layers (and, for
 * information, one of 3001). Not part of `npm test`.
 *
 * - Edit → revalidated and repainted: a parameter is typed in the inspector;
 *   the page measures (performance.measure 'studio:edit-to-paint', see
 *   renderer/src/lib/editor/perf.ts) from the edit to the end of the first
 *   frame painted after the validation report of that edit was applied. The
 *   page validates with the engine's graph core (no round trip); that check
 *   alone ('studio:validate') is reported beside it.
 * - Dragging the canvas: the pane is dragged for about three seconds while a
 *   requestAnimationFrame loop in the page records every frame; frames per
 *   second and the frame intervals are reported.
 *
 * Options: --edits N (default 40), --large (also the 3001-layer graph).
 * Writes the figures as JSON under bench/results/.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startWebStudio } from './support/webStudio.js';
import { createProject } from '../engine/graph/templates.js';
import type { Graph, GraphNode } from '../engine/graph/schema.js';
import { flagValue, hasFlag, loadAverage } from '../bench/args.js';

const EDITS = Number(flagValue('edits') ?? 40);

/** Input → blocks × (Conv2D, BatchNormalization, ReLU) → pooling → Dense → Output, wrapped in columns of 15. */
function chainGraph(blocks: number): Graph {
  const nodes: GraphNode[] = [{ id: 'input', type: 'Input', params: { shape: [32, 32, 3] }, position: { x: 0, y: 0 } }];
  for (let b = 1; b <= blocks; b++) {
    nodes.push({ id: `conv${b}`, type: 'Conv2D', params: { filters: 16, kernel_size: 3, padding: 'same' }, position: { x: 0, y: 0 } });
    nodes.push({ id: `bn${b}`, type: 'BatchNormalization', params: {}, position: { x: 0, y: 0 } });
    nodes.push({ id: `relu${b}`, type: 'Activation', params: { activation: 'relu' }, position: { x: 0, y: 0 } });
  }
  nodes.push({ id: 'pool', type: 'GlobalAveragePooling2D', params: {}, position: { x: 0, y: 0 } });
  nodes.push({ id: 'classes', type: 'Dense', params: { units: 10, activation: 'softmax' }, position: { x: 0, y: 0 } });
  nodes.push({ id: 'output', type: 'Output', params: {}, position: { x: 0, y: 0 } });
  nodes.forEach((n, i) => (n.position = { x: Math.floor(i / 15) * 240, y: (i % 15) * 100 }));
  const edges = nodes.slice(1).map((n, i) => ({ id: `${nodes[i]!.id}->${n.id}`, source: nodes[i]!.id, target: n.id }));
  return { nodes, edges };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const round = (n: number) => Math.round(n * 100) / 100;

type Spread = { median: number; p95: number; max: number };
interface EditFigures {
  edits: number;
  /** Edit → the validation report applied and painted: the whole loop. */
  editToPaintMs: Spread;
  /** Its parts: the validation in the page, the edit's own first frame, the report's frame. */
  validateMs: Spread;
  editToFirstPaintMs: Spread;
  reportToPaintMs: Spread;
}

interface DragFigures {
  seconds: number;
  frames: number;
  fps: number;
  frameMs: { median: number; p95: number; max: number };
  framesOver20ms: number;
}

async function openProject(page: Page, url: string, path: string, layers: number): Promise<void> {
  await page.goto(url);
  await page.locator('[data-testid="engine-ready"]').waitFor();
  await page.locator('[data-testid="open-menu"]').click();
  await page.locator('[data-testid="open-path"]').fill(path);
  await page.locator('[data-testid="open-project"]').click();
  await page.waitForFunction((n) => document.querySelector('[data-testid="graph-summary"]')?.textContent?.includes(`${n} layers`), layers, { timeout: 120_000 });
}

async function measureEdits(page: Page, nodeId: string): Promise<EditFigures> {
  // Select the layer through the summary table, which brings the inspector forward.
  await page.locator('[data-testid="layer"] button', { hasText: new RegExp(`^${nodeId}$`) }).click();
  await page.locator('[data-testid="inspector-type"]').waitFor();
  const field = page.locator('[data-testid="param-filters"]');
  const paints: number[] = [];
  const checks: number[] = [];
  const firsts: number[] = [];
  const redraws: number[] = [];
  for (let i = 0; i < EDITS + 3; i++) {
    await page.evaluate(() => performance.clearMeasures());
    await page.waitForTimeout(50);
    await field.fill(String(16 + (i % 2) + 1));
    // No named inner functions here: tsx would wrap them in a helper (__name) the page does not have.
    const measured = await page.waitForFunction(
      () => {
        const values = ['studio:edit-to-paint', 'studio:validate', 'studio:edit-to-first-paint', 'studio:report-to-paint'].map(
          (name) => performance.getEntriesByName(name).at(-1)?.duration,
        );
        return values.every((v) => v !== undefined) ? values : null;
      },
      undefined,
      { timeout: 30_000, polling: 'raf' },
    );
    const [paint, check, local, redraw] = (await measured.jsonValue()) as number[];
    // The first edits warm up the JIT; they are not counted.
    if (i >= 3) {
      paints.push(paint!);
      checks.push(check!);
      firsts.push(local!);
      redraws.push(redraw!);
    }
  }
  const figures = (values: number[]) => ({ median: round(quantile(values, 0.5)), p95: round(quantile(values, 0.95)), max: round(Math.max(...values)) });
  return {
    edits: paints.length,
    editToPaintMs: figures(paints),
    validateMs: figures(checks),
    editToFirstPaintMs: figures(firsts),
    reportToPaintMs: figures(redraws),
  };
}

async function measureDrag(page: Page): Promise<DragFigures> {
  const box = (await page.locator('.svelte-flow__pane').boundingBox())!;
  // A string, not a function: tsx wraps named inner functions in a helper (__name) the page does not have.
  await page.evaluate(`(() => {
    window.frameTimes = [];
    window.recording = true;
    const tick = (t) => {
      window.frameTimes.push(t);
      if (window.recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const start = { x: box.x + 30, y: box.y + box.height / 2 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  const began = Date.now();
  for (let i = 1; Date.now() - began < 3000; i++) {
    // Back and forth, 4 px per step, so the graph stays in view.
    const phase = i % 200;
    const dx = (phase < 100 ? phase : 200 - phase) * 4;
    await page.mouse.move(start.x + dx, start.y + dx / 4);
    await page.waitForTimeout(4);
  }
  await page.mouse.up();
  const times = (await page.evaluate(() => {
    const w = window as unknown as { frameTimes: number[]; recording: boolean };
    w.recording = false;
    return w.frameTimes;
  })) as number[];
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  const seconds = (times[times.length - 1]! - times[0]!) / 1000;
  return {
    seconds: round(seconds),
    frames: intervals.length,
    fps: round(intervals.length / seconds),
    frameMs: { median: round(quantile(intervals, 0.5)), p95: round(quantile(intervals, 0.95)), max: round(Math.max(...intervals)) },
    framesOver20ms: intervals.filter((d) => d > 20).length,
  };
}

const studio = await startWebStudio();
const browser = await launchChromium();
const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-bench-editor-'));
const results: Record<string, unknown> = { machine: { cpus: cpus().length, model: cpus()[0]?.model, load: loadAverage() }, chromium: browser.version() };
try {
  const sizes = hasFlag('large') ? [99, 999] : [99];
  for (const blocks of sizes) {
    const graph = chainGraph(blocks);
    const path = join(dir, `chain-${graph.nodes.length}.cnnstudio.json`);
    await writeFile(path, JSON.stringify({ ...createProject('seed-cnn', `Chain of ${graph.nodes.length}`), graph }));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await openProject(page, studio.host.url, path, graph.nodes.length);
    const drawn = await page.locator('.svelte-flow__node').count();
    // A layer in the middle, within the summary's first 400 rows (where it is selected from).
    const edits = await measureEdits(page, `conv${Math.min(Math.ceil(blocks / 2), 120)}`);
    await page.locator('.svelte-flow__pane').click({ position: { x: 20, y: 20 } });
    const drag = await measureDrag(page);
    results[`${graph.nodes.length} layers`] = { nodesDrawn: drawn, ...edits, drag };
    console.log(`\n${graph.nodes.length} layers (${drawn} drawn):`);
    console.log(`  edit → revalidated and repainted: median ${edits.editToPaintMs.median} ms, p95 ${edits.editToPaintMs.p95} ms, max ${edits.editToPaintMs.max} ms over ${edits.edits} edits`);
    console.log(`    validation in the page (graph core): median ${edits.validateMs.median} ms, p95 ${edits.validateMs.p95} ms`);
    console.log(`    edit → its first frame: median ${edits.editToFirstPaintMs.median} ms, p95 ${edits.editToFirstPaintMs.p95} ms`);
    console.log(`    report → its frame: median ${edits.reportToPaintMs.median} ms, p95 ${edits.reportToPaintMs.p95} ms`);
    console.log(`  canvas drag: ${drag.fps} frames/s over ${drag.seconds} s; frame interval median ${drag.frameMs.median} ms, p95 ${drag.frameMs.p95} ms, max ${drag.frameMs.max} ms; ${drag.framesOver20ms} frames over 20 ms`);
    await page.close();
  }
  console.log(`\nmachine: ${cpus().length} cores, load ${loadAverage()}; Chromium ${browser.version()}`);
  await mkdir('bench/results', { recursive: true });
  const out = join('bench/results', `editor-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(out, JSON.stringify(results, null, 2));
  console.log(`written to ${out}`);
} finally {
  await browser.close();
  await studio.host.close();
}
