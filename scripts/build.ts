/**
 * Builds what the window needs, only when its sources changed:
 *   dist/renderer/   the Svelte app (Vite), served by the web host and by Electron
 *   dist/electron/   main.cjs and preload.cjs (esbuild), for the desktop window
 * Usage: node --import tsx scripts/build.ts [renderer|electron|all] [--force]
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_DIST = join(ROOT, 'dist', 'renderer');
export const ELECTRON_DIST = join(ROOT, 'dist', 'electron');

function newestSource(paths: string[]): number {
  let newest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && !entry.startsWith('.')) visit(join(path, entry));
    } else if (!path.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

function isStale(output: string, sources: string[]): boolean {
  return !existsSync(output) || statSync(output).mtimeMs < newestSource(sources.map((s) => join(ROOT, s)));
}

const RENDERER_SOURCES = ['renderer', 'engine/protocol.ts', 'engine/graph/schema.ts', 'engine/graph/report.ts', 'electron/bridge.ts'];

/** Builds dist/renderer when it is missing or older than its sources; returns its folder. */
export async function ensureRendererBuilt(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  const index = join(RENDERER_DIST, 'index.html');
  if (options.force || isStale(index, RENDERER_SOURCES)) {
    options.log?.('Building the window (renderer)…');
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
  return RENDERER_DIST;
}

const ELECTRON_SOURCES = ['electron', 'engine'];

/**
 * Bundles the Electron side: main and preload as CommonJS (a sandboxed preload
 * cannot load ES modules). Packages stay outside the bundles (node_modules
 * ships with the app). The engine's utility process needs no bundle: it runs
 * the engine's sources through tsx (electron/engineProcess.mjs).
 */
export async function ensureElectronBuilt(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  const main = join(ELECTRON_DIST, 'main.cjs');
  if (options.force || isStale(main, ELECTRON_SOURCES)) {
    options.log?.('Building the desktop shell (electron)…');
    const esbuild = await import('esbuild');
    const common = { bundle: true, platform: 'node' as const, target: 'node22', sourcemap: true, logLevel: 'warning' as const };
    await esbuild.build({ ...common, entryPoints: [join(ROOT, 'electron', 'preload.ts')], outfile: join(ELECTRON_DIST, 'preload.cjs'), format: 'cjs', external: ['electron'] });
    // main last: its time stamp is the one the staleness check reads.
    await esbuild.build({ ...common, entryPoints: [join(ROOT, 'electron', 'main.ts')], outfile: main, format: 'cjs', packages: 'external' });
  }
  return ELECTRON_DIST;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const what = process.argv[2] ?? 'all';
  const force = process.argv.includes('--force');
  const log = (line: string) => console.log(line);
  if (what === 'renderer' || what === 'all') console.log(`renderer: ${relative(ROOT, await ensureRendererBuilt({ force, log }))}`);
  if (what === 'electron' || what === 'all') console.log(`electron: ${relative(ROOT, await ensureElectronBuilt({ force, log }))}`);
}
