/**
 * The layering rules of docs/architecture.md, checked on the real import
 * graph of the sources (engine/testing/importGraph.ts), so a change that
 * crosses a layer fails here with the file and line to fix.
 *
 * @subject none: the subject is the source tree's imports, read as text, not a module the test runs (a forbidden import added to engine/graph/validate.ts turns it red)
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
 * The graph core: the layer specs, validation and shape inference, the memory
 * estimate, names, templates, the project schema and reading a project's JSON,
 * with the error type they throw. Pure (no tfjs, no Node built-in, no package
 * at all), so the window bundles it and checks every edit in the page with the
 * engine's own code. Building tfjs models from it lives beside it, in
 * engine/graph/tfjs/, the one place in the graph that imports tfjs.
 */
const GRAPH_CORE_FOLDER = 'engine/graph/';
const GRAPH_TFJS_FOLDER = 'engine/graph/tfjs/';
const GRAPH_CORE_FILES: Record<string, string> = {
  'engine/project/schema.ts': 'the project file\'s format, version and the defaults of a new project (pure data)',
  'engine/project/projectJson.ts': 'projectFromJson: a project file\'s JSON checked and migrated (the file I/O is projectFile.ts)',
  'engine/project/trainingSettings.ts': 'the training-settings checks projectFromJson runs',
  'engine/project/trainingCatalogue.ts': 'the choices, defaults and ranges trainingSettings.ts checks against',
  'engine/errors.ts': 'StudioError, the error every graph-core check throws',
  'engine/util/fsErrors.ts': "errors.ts's wording of file-system errors (pure: it only reads an error's fields)",
  'engine/util/outOfMemory.ts': "errors.ts's wording of allocation failures (pure)",
  'engine/util/safeJson.ts': 'the prototype-key and depth checks projectFromJson runs first',
};

const isTest = (path: string): boolean => /\.test\.ts$/.test(path) || path.startsWith('engine/testing/');

function isGraphCore(path: string): boolean {
  if (isTest(path)) return false;
  if (path.startsWith(GRAPH_CORE_FOLDER)) return !path.startsWith(GRAPH_TFJS_FOLDER);
  return path in GRAPH_CORE_FILES;
}

/**
 * Engine modules the window imports besides the protocol and the graph core:
 * small pure functions it shares with the engine instead of keeping a copy.
 * Each is a named exception, printed on every run, and held to the graph
 * core's purity (checked below); a new one fails the test.
 */
const RENDERER_ENGINE_EXCEPTIONS: Record<string, string> = {
  'engine/train/runRecord.ts': 'runRecordFrom/resolveRunFolder, how a finished run is recorded in the project (pure)',
  'engine/data/skippedKinds.ts': 'countSkipped/describeSkipped, how skipped files are summarised in words (pure)',
};

const byPath = new Map(sources.map((file) => [file.path, file]));

/**
 * Every package or Node built-in reachable from `roots` through relative
 * imports, each with the chain of files that reaches it, e.g.
 * "engine/graph/validate.ts → engine/graph/layers/index.ts → '@tensorflow/tfjs-layers'".
 */
function packagesReachedFrom(roots: string[]): string[] {
  const found: string[] = [];
  const via = new Map<string, string[]>(roots.map((root) => [root, [root]]));
  const queue = [...roots];
  while (queue.length) {
    const path = queue.shift()!;
    for (const imp of byPath.get(path)?.imports ?? []) {
      const chain = via.get(path)!;
      if (imp.target === null) found.push(`${chain.join(' → ')} (line ${imp.line}) → '${imp.specifier}'`);
      else if (!via.has(imp.target)) {
        via.set(imp.target, [...chain, imp.target]);
        queue.push(imp.target);
      }
    }
  }
  return found;
}

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

test('the graph core imports only itself and the protocol: no tfjs, no Node built-in, no package', () => {
  const core = sources.filter((file) => isGraphCore(file.path));
  assert.ok(core.some((file) => file.path === 'engine/graph/validate.ts'), 'validate.ts is in the graph core');
  assert.ok(core.some((file) => file.path.startsWith('engine/graph/layers/')), 'the layer specs are in the graph core');
  for (const path of Object.keys(GRAPH_CORE_FILES)) assert.ok(byPath.has(path), `${path} (listed in the graph core) exists`);
  const outside = offences(core, (_specifier, target) => target !== null && !isGraphCore(target) && !isProtocol(target));
  assert.deepEqual(outside, [], 'the graph core runs in the page: what it needs must be pure and part of it (engine/graph/, or listed in GRAPH_CORE_FILES)');
  // Transitively, so a pure-looking file that pulls in tfjs or node:fs two steps away is caught with its chain.
  const reached = packagesReachedFrom(core.map((file) => file.path));
  assert.deepEqual(reached, [], 'tfjs belongs in engine/graph/tfjs/, file I/O beside the graph core (e.g. project/projectFile.ts), never in it');
});

test('in the graph, only engine/graph/tfjs/ imports tfjs (the builders, in one place)', () => {
  const tfjsUsers = under('engine/graph').filter(
    (file) => !isTest(file.path) && file.imports.some((imp) => packageName(imp.specifier).startsWith('@tensorflow/')),
  );
  assert.ok(tfjsUsers.length > 0, 'the builders import tfjs');
  assert.deepEqual(
    tfjsUsers.map((file) => file.path).filter((path) => !path.startsWith(GRAPH_TFJS_FOLDER)),
    [],
  );
});

test('the renderer imports from the engine only the protocol and the graph core (named exceptions printed)', () => {
  const engineImports = under('renderer').flatMap((file) =>
    file.imports.filter((imp) => imp.target?.startsWith('engine/')).map((imp) => ({ file, imp, target: imp.target as string })),
  );
  assert.ok(engineImports.some(({ target }) => isProtocol(target)), 'the renderer imports the protocol');
  assert.ok(engineImports.some(({ target }) => isGraphCore(target)), 'the renderer imports the graph core');
  const unexpected = engineImports
    .filter(({ target }) => !isProtocol(target) && !isGraphCore(target) && !(target in RENDERER_ENGINE_EXCEPTIONS))
    .map(({ file, imp }) => `${file.path}:${imp.line} imports '${imp.specifier}'`);
  assert.deepEqual(unexpected, [], 'the window imports only engine/protocol and the graph core: move the type into engine/protocol/ or the pure function into the graph core');
  const used = new Set(engineImports.map(({ target }) => target));
  for (const [module, reason] of Object.entries(RENDERER_ENGINE_EXCEPTIONS)) {
    assert.ok(used.has(module), `${module} is listed as an exception but no longer imported: drop it from the list`);
    console.log(`renderer → ${module} (current exception): ${reason}`);
  }
  assert.deepEqual(packagesReachedFrom([...used]), [], 'what the window takes from the engine must be pure: no tfjs, no Node built-in');
});

/**
 * A module's own sources, not its tests: a test may drive several modules to
 * check one against another (an export test evaluates the model it exported).
 */
const modulesUnder = (folder: string): SourceFile[] => under(folder).filter((file) => !file.path.endsWith('.test.ts'));
const importsFrom = (folders: string[]) => (_specifier: string, target: string | null): boolean =>
  folders.some((folder) => target?.startsWith(`${folder}/`) ?? false);

test('engine/model (reading and writing model folders) imports nothing from train, evaluate or export', () => {
  assert.ok(modulesUnder('engine/model').length >= 5, 'engine/model sources');
  const found = offences(modulesUnder('engine/model'), importsFrom(['engine/train', 'engine/evaluate', 'engine/export']));
  assert.deepEqual(found, [], 'engine/model sits below train, evaluate and export: move what it needs into engine/model/');
});

test('export and evaluate do not import each other', () => {
  const found = [
    ...offences(modulesUnder('engine/export'), importsFrom(['engine/evaluate'])),
    ...offences(modulesUnder('engine/evaluate'), importsFrom(['engine/export'])),
  ];
  assert.deepEqual(found, [], 'what both need (loading a model, its labels) belongs in engine/model/');
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
