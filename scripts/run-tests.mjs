#!/usr/bin/env node
// Node 20's test runner does not discover *.test.ts files by itself, so this
// finds them and hands them to `node --test` with tsx as the TypeScript loader.
// Usage: node scripts/run-tests.mjs [folder-or-file…]   (default: engine)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(path, out) {
  if (statSync(path).isFile()) {
    out.push(path);
    return out;
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) collect(child, out);
    else if (/\.test\.ts$/.test(entry.name)) out.push(child);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['engine']).flatMap((root) => collect(root, [])).sort();
if (files.length === 0) {
  console.error('No *.test.ts files found under', roots.join(', ') || 'engine');
  process.exit(1);
}
// One test file at a time by default. CONVNET_STUDIO_TEST_CONCURRENCY=2 runs two at a time outside e2e
// (each file is its own process): on a 2-core machine the suite took 16.6 min instead of 18.6, since most
// tests already keep both cores busy, so the default stays the one with no file racing another.
// End-to-end tests always run one at a time: each drives a Chromium window, a web host and an engine.
const concurrency = Number(process.env.CONVNET_STUDIO_TEST_CONCURRENCY ?? 1);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`CONVNET_STUDIO_TEST_CONCURRENCY must be a whole number from 1 (got ${process.env.CONVNET_STUDIO_TEST_CONCURRENCY}).`);
  process.exit(2);
}
const isEndToEnd = (file) => file.split(/[\\/]/)[0] === 'e2e';
const groups = [
  { files: files.filter((f) => !isEndToEnd(f)), concurrency },
  { files: files.filter(isEndToEnd), concurrency: 1 },
].filter((g) => g.files.length > 0);
let failed = false;
for (const group of groups) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${group.concurrency}`, ...group.files], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
