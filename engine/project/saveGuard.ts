/**
 * What stands at a path a project is about to be saved to, and whether saving
 * may replace it. A project file may be replaced (it is what Save is for); a
 * file that is not a project (an exported model.json, a CSV, a picture) is
 * replaced only when the caller says the person confirmed it, and a caller
 * saving somewhere new (Save As) can ask to be told about any file at all.
 * A folder is never replaced.
 */
import { open, stat } from 'node:fs/promises';
import { StudioError } from '../errors.js';
import { PROJECT_FORMAT } from './schema.js';

export type ExistingFile = { kind: 'project'; name: string } | { kind: 'other'; what: string } | { kind: 'folder' };

/** The first bytes say enough: a project names its format near the top, a TensorFlow.js model its topology. */
const SNIFF_BYTES = 64 * 1024;

export async function describeExisting(path: string): Promise<ExistingFile | null> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (info.isDirectory()) return { kind: 'folder' };
  const handle = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(Math.min(SNIFF_BYTES, info.size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  const format = /"format"\s*:\s*"([^"]*)"/.exec(head)?.[1];
  if (format === PROJECT_FORMAT) return { kind: 'project', name: /"name"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(head)?.[1] ?? 'unnamed' };
  if (/"modelTopology"\s*:/.test(head)) return { kind: 'other', what: 'a TensorFlow.js model, not a Convnet Studio project' };
  return { kind: 'other', what: `a file that is not a Convnet Studio project (${info.size.toLocaleString('en')} bytes)` };
}

/**
 * Throws `file-exists` when saving to `path` would replace what is there
 * without consent. `overwrite`: true replaces any file; undefined replaces
 * only a project file; false replaces nothing (Save As to a new place).
 */
export async function guardProjectSave(path: string, overwrite: boolean | undefined): Promise<void> {
  const existing = await describeExisting(path);
  if (!existing) return;
  if (existing.kind === 'folder') {
    throw new StudioError(`${path} is a folder; a project is saved as a file.`, 'Add a file name ending in .cnnstudio.json to the path.', 'path-is-folder');
  }
  if (overwrite === true || (overwrite === undefined && existing.kind === 'project')) return;
  const what = existing.kind === 'project' ? `another project file (“${existing.name}”)` : existing.what;
  throw new StudioError(
    `${path} already exists: it is ${what}. Saving would replace it.`,
    'Choose another file name, or confirm that this file is to be replaced.',
    'file-exists',
  );
}
