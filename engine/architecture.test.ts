/**
 * The layering rules of docs/architecture.md, checked on the real import
 * graph of the sources (engine/testing/importGraph.ts), so a change that
 * crosses a layer fails here with the file and line to fix.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findCycles, packageName, readSources, type SourceFile } from './testing/importGraph.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = readSources(ROOT, ['engine', 'electron', 'renderer', 'e2e', 'scripts', 'bench']);
const under = (folder: string): SourceFile[] => sources.filter((file) => file.path.startsWith(`${folder}/`));

/** The protocol's own files: the barrel engine/protocol.ts and the folder engine/protocol/. */
const isProtocol = (path: string): boolean => path === 'engine/protocol.ts' || path.startsWith('engine/protocol/');

/**
 * Engine modules the window imports today besides the protocol: small pure
 * functions it shares with the engine instead of keeping a copy. Each is a
 * named exception, printed on every run, until the graph core it belongs to
 * is split out for the page (issue 13, part 2); a new one fails the test.
 */
const RENDERER_ENGINE_EXCEPTIONS: Record<string, string> = {
  'engine/graph/templates.ts': 'EMPTY_PROJECT, the blank project the template picker starts from (pure data)',
  'engine/graph/schema.ts': 'defaultAugmentation/defaultPreprocessing, the defaults the Data panel resets to (pure functions)',
  'engine/graph/naming.ts': 'layerNamesByNode, the tfjs layer name of each node, to match insight results to nodes (pure)',
  'engine/graph/memory.ts': 'estimateTrainingMemory, the memory estimate the summary shows, same figure as validation (pure)',
  'engine/train/runRecord.ts': 'runRecordFrom/resolveRunFolder, how a finished run is recorded in the project (pure)',
  'engine/data/skippedKinds.ts': 'countSkipped/describeSkipped, how skipped files are summarised in words (pure)',
};

/**
 * The engine's setting catalogues the window's panels render (its choices, defaults and limits), instead of
 * restating the rules the engine checks. Each is pure (protocol types only: no tfjs, no Node).
 */
const RENDERER_ENGINE_CATALOGUES: Record<string, string> = {
  'engine/project/trainingCatalogue.ts': "optimizers, schedules, their defaults and ranges: the Train panel's settings form (pure)",
  'engine/data/augmentCatalogue.ts': "each augmentation's limit, unit and switch-on amount: the Data panel's augmentation editor (pure)",
};
Object.assign(RENDERER_ENGINE_EXCEPTIONS, RENDERER_ENGINE_CATALOGUES);

/** The lines that break a rule, as "file:line imports 'specifier'", for the failure message. */
function offences(files: SourceFile[], breaks: (specifier: string, target: string | null, file: SourceFile) => boolean): string[] {
  return files.flatMap((file) =>
    file.imports
      .filter((imp) => breaks(imp.specifier, imp.target, file))
      .map((imp) => `${file.path}:${imp.line} imports '${imp.specifier}'`),
  );
}

test('the sources were found and parsed (a rule over no files proves nothing)', () => {
  assert.ok(under('engine').length > 100, 'engine sources');
  assert.ok(under('renderer').some((file) => file.path.endsWith('.svelte')), 'renderer .svelte sources');
  assert.ok(under('electron').some((file) => file.imports.some((imp) => imp.specifier === 'electron')), 'electron imports electron');
  const engine = sources.find((file) => file.path === 'engine/engine.ts');
  assert.ok(engine?.imports.some((imp) => imp.target === 'engine/protocol.ts'), 'engine.ts imports the protocol');
});

test('the protocol imports nothing from the rest of the engine, and no package', () => {
  const protocol = sources.filter((file) => isProtocol(file.path));
  assert.ok(protocol.length >= 2, 'engine/protocol.ts and engine/protocol/');
  const found = offences(protocol, (_specifier, target) => target === null || !isProtocol(target));
  assert.deepEqual(found, [], 'the protocol must be a leaf: move the type it needs into engine/protocol/');
});

test("nothing outside electron/ imports 'electron'", () => {
  const found = offences(
    sources.filter((file) => !file.path.startsWith('electron/')),
    (specifier) => packageName(specifier) === 'electron',
  );
  assert.deepEqual(found, [], 'the engine and the window run without Electron (CLI, web host, tests)');
});

test('the engine imports neither Svelte nor the renderer', () => {
  const found = offences(
    under('engine'),
    (specifier, target) =>
      ['svelte', '@xyflow/svelte', 'chart.js'].includes(packageName(specifier)) || (target?.startsWith('renderer/') ?? false),
  );
  assert.deepEqual(found, [], 'the engine runs headless: move window code to renderer/');
});

test('the renderer imports from the engine only the protocol (named exceptions printed)', () => {
  const engineImports = under('renderer').flatMap((file) =>
    file.imports.filter((imp) => imp.target?.startsWith('engine/')).map((imp) => ({ file, imp, target: imp.target as string })),
  );
  assert.ok(engineImports.some(({ target }) => isProtocol(target)), 'the renderer imports the protocol');
  const unexpected = engineImports
    .filter(({ target }) => !isProtocol(target) && !(target in RENDERER_ENGINE_EXCEPTIONS))
    .map(({ file, imp }) => `${file.path}:${imp.line} imports '${imp.specifier}'`);
  assert.deepEqual(unexpected, [], 'the window imports only engine/protocol.ts: move the type into engine/protocol/');
  const used = new Set(engineImports.map(({ target }) => target));
  for (const [module, reason] of Object.entries(RENDERER_ENGINE_EXCEPTIONS)) {
    assert.ok(used.has(module), `${module} is listed as an exception but no longer imported: drop it from the list`);
    console.log(`renderer → ${module} (current exception): ${reason}`);
  }
});

test('no import cycles in engine/', () => {
  const cycles = findCycles(under('engine'));
  assert.deepEqual(
    cycles.map((cycle) => cycle.join(' → ')),
    [],
    'break the cycle by moving the shared type or function into a module both can import',
  );
});

test('the cycle search finds a cycle it is given (it is not blind)', () => {
  const file = (path: string, ...targets: string[]): SourceFile => ({
    path,
    imports: targets.map((target) => ({ specifier: target, target, line: 1 })),
  });
  const cycles = findCycles([file('a.ts', 'b.ts'), file('b.ts', 'c.ts'), file('c.ts', 'a.ts'), file('d.ts', 'a.ts')]);
  assert.deepEqual(cycles, [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  assert.deepEqual(findCycles([file('a.ts', 'b.ts'), file('b.ts')]), []);
});

test('the setting catalogues the window renders import only the protocol (no tfjs, no Node)', () => {
  for (const module of Object.keys(RENDERER_ENGINE_CATALOGUES)) {
    const file = sources.find((source) => source.path === module);
    assert.ok(file, `${module} exists`);
    const found = offences([file], (_specifier, target) => target === null || !isProtocol(target));
    assert.deepEqual(found, [], `${module} is bundled into the window: it may import protocol types only`);
  }
});

test('outside renderer/, the window imports only engine/ (the rule above) and the desktop bridge (electron/bridge.ts)', () => {
  const found = offences(under('renderer'), (_specifier, target) => target !== null && !target.startsWith('renderer/') && !target.startsWith('engine/') && target !== 'electron/bridge.ts');
  assert.deepEqual(found, [], 'the window is built from renderer/ alone, plus the engine modules named above and the bridge types');
});
