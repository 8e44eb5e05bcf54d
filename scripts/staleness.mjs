// When a build output is older than its sources. Plain JavaScript on purpose:
// scripts/build.ts decides with it whether to rebuild, and bin/convnet-studio.js
// whether the engine bundle may run — the bin must decide before any
// TypeScript loader exists (an installed CLI has none).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the engine bundles (dist/engine/) are built from. */
export const ENGINE_SOURCES = ['engine', 'electron/engineEntry.ts', 'package.json'];

/** The bundle whose time stamp stands for all of dist/engine (the build touches it last). */
export const ENGINE_MARKER = 'cli.mjs';

/** Newest modification time (ms) of the files under `paths`; tests, hidden files and node_modules do not count. */
export function newestSource(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && !entry.startsWith('.')) visit(join(path, entry));
    } else if (!path.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

/** True when `output` is missing or older than any of `sources` (paths relative to `root`). */
export function isStale(root, output, sources) {
  return !existsSync(output) || statSync(output).mtimeMs < newestSource(sources.map((source) => join(root, source)));
}
