/**
 * The few node:fs, node:path and node:crypto calls the training core makes
 * (run log, atomic checkpoint folders), over an in-memory file tree, so that
 * the engine's TrainingRun runs unchanged in a plain Chromium page. In the
 * Electron engine window the real Node modules are there; this page stands
 * in for that window where no Electron binary exists (webgpuPage.test.ts).
 */
export const files = new Map<string, Uint8Array>();
export const folders = new Set<string>(['/']);

const encoder = new TextEncoder();
const bytes = (data: string | Uint8Array) => (typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data));

function notFound(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: 'ENOENT' });
}

// node:path (POSIX)
export function join(...parts: string[]): string {
  const joined = parts.filter(Boolean).join('/');
  const absolute = joined.startsWith('/');
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return (absolute ? '/' : '') + out.join('/');
}
export const resolve = (...parts: string[]) => join('/', ...parts);
export const dirname = (path: string) => path.slice(0, Math.max(1, path.lastIndexOf('/')));
export const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);
export const sep = '/';

// node:crypto
export function randomBytes(n: number): { toString(encoding: 'hex'): string } {
  const values = crypto.getRandomValues(new Uint8Array(n));
  return { toString: () => [...values].map((b) => b.toString(16).padStart(2, '0')).join('') };
}

// node:fs/promises
export async function mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
  if (!options?.recursive && !folders.has(dirname(path))) throw notFound(dirname(path));
  for (let p = path; p !== '/' && !folders.has(p); p = dirname(p)) folders.add(p);
}
export async function appendFile(path: string, data: string | Uint8Array): Promise<void> {
  if (!folders.has(dirname(path))) throw notFound(path);
  const before = files.get(path) ?? new Uint8Array();
  const added = bytes(data);
  const joined = new Uint8Array(before.length + added.length);
  joined.set(before);
  joined.set(added, before.length);
  files.set(path, joined);
}
export async function writeFile(path: string, data: string | Uint8Array): Promise<void> {
  if (!folders.has(dirname(path))) throw notFound(path);
  files.set(path, bytes(data));
}
export async function readFile(path: string, encoding?: string): Promise<Uint8Array | string> {
  const data = files.get(path);
  if (!data) throw notFound(path);
  return encoding ? new TextDecoder().decode(data) : data;
}
export async function open(path: string) {
  if (!folders.has(dirname(path))) throw notFound(path);
  return { writeFile: (data: string | Uint8Array) => writeFile(path, data), sync: async () => {}, close: async () => {} };
}
export async function rename(from: string, to: string): Promise<void> {
  if (files.has(from)) {
    files.set(to, files.get(from)!);
    files.delete(from);
    return;
  }
  if (!folders.has(from)) throw notFound(from);
  for (const folder of [...folders]) if (folder === from || folder.startsWith(`${from}/`)) (folders.delete(folder), folders.add(to + folder.slice(from.length)));
  for (const [path, data] of [...files]) if (path.startsWith(`${from}/`)) (files.delete(path), files.set(to + path.slice(from.length), data));
}
export async function readdir(path: string): Promise<string[]> {
  if (!folders.has(path)) throw notFound(path);
  const prefix = path === '/' ? '/' : `${path}/`;
  const names = new Set<string>();
  for (const p of [...files.keys(), ...folders]) if (p !== path && p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
  return [...names];
}
/** Only what atomicWrite's stale-file sweep reads: the time of the last change (none is kept: every file is new). */
export async function stat(path: string): Promise<{ mtimeMs: number; isDirectory(): boolean }> {
  if (!files.has(path) && !folders.has(path)) throw notFound(path);
  return { mtimeMs: Date.now(), isDirectory: () => folders.has(path) };
}
export async function rm(path: string): Promise<void> {
  files.delete(path);
  for (const folder of [...folders]) if (folder === path || folder.startsWith(`${path}/`)) folders.delete(folder);
  for (const p of [...files.keys()]) if (p.startsWith(`${path}/`)) files.delete(p);
}

// node:fs (vulkan.ts, which a page never calls: it has no process.platform)
export const existsSync = (path: string) => files.has(path) || folders.has(path);
export const readdirSync = (): string[] => [];
export const readFileSync = (path: string) => files.get(path) ?? new Uint8Array();
