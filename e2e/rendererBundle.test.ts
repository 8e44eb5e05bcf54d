/**
 * The window's bundle (dist/renderer, as `npm start` and the web host serve
 * it) runs the graph core in the page but carries no TensorFlow.js: the layer
 * specs, validation and templates are pure, and the tfjs builders stay in
 * engine/graph/tfjs/, which the window never imports. Checked on the built
 * files, so an import that drags tfjs in through some other path fails here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { ensureRendererBuilt } from '../scripts/build.js';

/** Strings every browser bundle of tfjs-core or tfjs-layers keeps after minification (its flags prefix and package names). */
const TFJS_MARKERS = ['tfjsflags', '@tensorflow', 'tfjs-core', 'tfjs-layers'];
/** The window's JavaScript today is about 630 KB (Svelte, Svelte Flow, Chart.js, the graph core); tfjs-layers alone adds about 450 KB. */
const MAX_WINDOW_JS_BYTES = 800_000;

test('the markers are found in a browser bundle of tfjs-layers (the check can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnstudio-tfjs-marker-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, "import * as tfl from '@tensorflow/tfjs-layers';\nconsole.log(tfl.layers.dense);\n");
    const result = await esbuild.build({ entryPoints: [entry], bundle: true, minify: true, platform: 'browser', format: 'esm', write: false, logLevel: 'error', nodePaths: [join(process.cwd(), 'node_modules')] });
    const text = result.outputFiles[0]!.text;
    for (const marker of TFJS_MARKERS) assert.ok(text.includes(marker), `a tfjs bundle contains '${marker}'`);
    assert.ok(text.length > MAX_WINDOW_JS_BYTES / 2, 'tfjs-layers alone is a large share of the size limit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the window bundles the graph core, no TensorFlow.js, and stays small', async () => {
  const assets = join(await ensureRendererBuilt(), 'assets');
  const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
  assert.ok(scripts.length > 0, 'the window has JavaScript');
  const text = scripts.map((name) => readFileSync(join(assets, name), 'utf8')).join('\n');
  for (const marker of TFJS_MARKERS) assert.ok(!text.includes(marker), `the window's bundle contains '${marker}': something it imports pulls in tfjs`);
  // The engine's own validation messages: the page validates with the graph core, not a copy.
  assert.ok(text.includes('Merge the branches first with an Add or Concatenate node'), 'validate.ts is in the window');
  assert.ok(text.includes('would make a loop'), 'connection.ts is in the window');
  const bytes = Buffer.byteLength(text);
  console.log(`window JavaScript: ${(bytes / 1000).toFixed(0)} KB in ${scripts.length} file(s)`);
  assert.ok(bytes < MAX_WINDOW_JS_BYTES, `the window's JavaScript is ${bytes} bytes (limit ${MAX_WINDOW_JS_BYTES})`);
});
