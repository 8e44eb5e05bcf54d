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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
