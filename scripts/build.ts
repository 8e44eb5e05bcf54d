/**
 * Builds what the studio runs, only when its sources changed:
 *   dist/renderer/   the Svelte app (Vite), served by the web host and by Electron
 *   dist/engine/     the engine and CLI as plain JavaScript (esbuild): cli.mjs,
 *                    engineProcess.mjs (the web host's engine), utilityProcess.mjs
 *                    (Electron's engine), decodeWorker.mjs (the decode pool's workers),
 *                    replicaWorker.mjs (the training replicas of --threads N)
 *   dist/electron/   main.cjs and preload.cjs (esbuild), for the desktop window
 * Usage: node --import tsx scripts/build.ts [renderer|engine|electron|all] [--force]
 */
import { copyFileSync, mkdirSync, utimesSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_MARKER, ENGINE_SOURCES, isStale as isStaleUnder } from './staleness.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const RENDERER_DIST = join(ROOT, 'dist', 'renderer');
export const ENGINE_DIST = join(ROOT, 'dist', 'engine');
export const ELECTRON_DIST = join(ROOT, 'dist', 'electron');

function isStale(output: string, sources: string[]): boolean {
  return isStaleUnder(ROOT, output, sources);
}

// The window bundles the protocol and the graph core (engine/architecture.test.ts names its files), so it rebuilds when they change.
const RENDERER_SOURCES = [
  'renderer',
  'engine/protocol.ts',
  'engine/protocol',
  'engine/graph',
  'engine/project/projectJson.ts',
  'engine/project/schema.ts',
  'engine/project/trainingSettings.ts',
  'engine/project/trainingCatalogue.ts',
  'engine/data/augmentCatalogue.ts',
  'engine/errors.ts',
  'engine/util',
  'engine/train/runRecord.ts',
  'engine/data/skippedKinds.ts',
  'electron/bridge.ts',
];

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

/** Bundle entries: output name (dist/engine/NAME.mjs) and source. */
const ENGINE_ENTRIES: Record<string, string> = {
  cli: 'engine/cli/run.ts',
  engineProcess: 'engine/host/engineProcess.ts',
  decodeWorker: 'engine/data/decodeWorker.ts',
  // The training replicas of --threads N (engine/train/parallel/replicaPool.ts starts them from beside its own bundle).
  replicaWorker: 'engine/train/parallel/replicaWorker.ts',
  utilityProcess: 'electron/engineEntry.ts',
  // The Electron engine window's preload (WebGPU): an ES module preload, so the window sets sandbox: false.
  engineWindow: 'electron/engineWindowEntry.ts',
};

/**
 * Files the engine reads beside its own module at run time (new URL('./x',
 * import.meta.url)); in the bundles that module is dist/engine/NAME.mjs.
 */
// Files the engine reads from beside its own module (new URL('./x', import.meta.url)).
const ENGINE_ASSETS = ['engine/backend/simd/kernels.wasm', 'engine/backend/simd/kernels-relaxed.wasm', 'engine/backend/webgpuProbe.mjs', 'engine/job/train.py'];

/**
 * Bundles the engine and CLI into plain ES modules, so neither users nor the
 * packaged app need a TypeScript loader. Packages stay outside the bundles
 * (tfjs, sharp, onnx-proto, ws…: node_modules ships with the app and the CLI).
 * `outDir` is for tests; the studio runs dist/engine.
 */
export async function ensureEngineBuilt(options: { force?: boolean; log?: (line: string) => void; outDir?: string } = {}): Promise<string> {
  const outDir = options.outDir ?? ENGINE_DIST;
  const marker = join(outDir, ENGINE_MARKER);
  if (options.force || isStale(marker, ENGINE_SOURCES)) {
    options.log?.('Building the engine and CLI (engine)…');
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: Object.fromEntries(Object.entries(ENGINE_ENTRIES).map(([name, source]) => [name, join(ROOT, source)])),
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // Error classes and the like keep their names (messages and checks read them).
      keepNames: true,
      logLevel: 'warning',
    });
    mkdirSync(outDir, { recursive: true });
    for (const asset of ENGINE_ASSETS) copyFileSync(join(ROOT, asset), join(outDir, basename(asset)));
    // The marker last: its time stamp is the one the staleness check reads.
    const now = new Date();
    utimesSync(marker, now, now);
  }
  return outDir;
}

const ELECTRON_SOURCES = ['electron', 'engine'];

/**
 * Bundles the Electron side: main and preload as CommonJS (a sandboxed preload
 * cannot load ES modules). Packages stay outside the bundles (node_modules
 * ships with the app). The engine's utility process runs dist/engine/utilityProcess.mjs,
 * built here too.
 */
export async function ensureElectronBuilt(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  await ensureEngineBuilt(options);
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
  if (what === 'engine' || what === 'all') console.log(`engine: ${relative(ROOT, await ensureEngineBuilt({ force, log }))}`);
  if (what === 'electron' || what === 'all') console.log(`electron: ${relative(ROOT, await ensureElectronBuilt({ force, log }))}`);
}
