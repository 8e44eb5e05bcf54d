/**
 * The real import graph of the sources, for the layering rules in
 * engine/architecture.test.ts. TypeScript's own pre-processor finds every
 * import, export-from and dynamic import() (type-only ones included: a type
 * import still ties one layer to another), so comments and strings that
 * merely look like imports are not counted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface SourceImport {
  /** The specifier as written, e.g. '../protocol.js' or '@tensorflow/tfjs-core'. */
  specifier: string;
  /** The repository-relative file a relative specifier resolves to; null for a package or a Node built-in. */
  target: string | null;
  line: number;
}

export interface SourceFile {
  /** Repository-relative path with forward slashes, e.g. 'engine/engine.ts'. */
  path: string;
  imports: SourceImport[];
}

const SOURCE = /\.(ts|mts|svelte)$/;

/** Every .ts and .svelte file under the given repository-relative folders (declaration files and node_modules left out). */
export function readSources(repoRoot: string, folders: string[]): SourceFile[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const child = join(dir, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(child);
    }
  };
  for (const folder of folders) walk(join(repoRoot, folder));
  return files.sort().map((file) => ({ path: repoPath(repoRoot, file), imports: importsOf(repoRoot, file) }));
}

function repoPath(repoRoot: string, file: string): string {
  return relative(repoRoot, file).split('\\').join('/');
}

/**
 * A .svelte file's imports live in its <script> blocks; the markup imports
 * nothing. Everything outside the blocks is blanked (newlines kept), so
 * positions still give the file's own line numbers.
 */
function scriptText(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return text;
  const blank = (part: string): string => part.replace(/[^\n]/g, ' ');
  let kept = '';
  let from = 0;
  for (const match of text.matchAll(/(<script\b[^>]*>)([\s\S]*?)<\/script>/g)) {
    const start = match.index + match[1].length;
    kept += blank(text.slice(from, start)) + match[2];
    from = start + match[2].length;
  }
  return kept + blank(text.slice(from));
}

function importsOf(repoRoot: string, file: string): SourceImport[] {
  const text = scriptText(file);
  const found = ts.preProcessFile(text, true, true).importedFiles;
  return found.map((ref) => ({
    specifier: ref.fileName,
    target: ref.fileName.startsWith('.') ? resolveRelative(repoRoot, file, ref.fileName) : null,
    line: text.slice(0, ref.pos).split('\n').length,
  }));
}

/** './x.js' is written for './x.ts' (NodeNext); './dir' for './dir/index.ts'; './x.svelte.js' for './x.svelte.ts'. */
function resolveRelative(repoRoot: string, file: string, specifier: string): string {
  const base = resolve(dirname(file), specifier);
  const candidates = [
    base,
    base.replace(/\.(m?)js$/, '.$1ts'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  const hit = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return repoPath(repoRoot, hit ?? base);
}

/** The package an import names: '@tensorflow/tfjs-core/dist/x' → '@tensorflow/tfjs-core', 'node:fs' → 'node:fs'. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Every import cycle among the given files, each as the list of files around
 * it (first file repeated at the end), found by a depth-first search that
 * reports a cycle whenever it meets a file still on its own path.
 */
export function findCycles(files: SourceFile[]): string[][] {
  const edges = new Map(files.map((file) => [file.path, [...new Set(file.imports.map((imp) => imp.target).filter((target): target is string => target !== null))]]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === 'open') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return cycles;
}
