/**
 * Files people depend on (projects, checkpoints, exported models) are written
 * to a temporary sibling and renamed into place: rename is atomic on one file
 * system, so a crash or a full disk leaves the old file or no file, never half
 * of a new one. A failure names the file the person asked for (not the
 * temporary one) and its cause, in words (fsErrors.ts).
 *
 * A process killed mid-write leaves its temporary sibling behind
 * (`.NAME.xxxxxxxx.tmp`); the next write of the same file or folder removes
 * the ones of our own naming that nobody has touched for STALE_TEMP_MS.
 */
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { namingPath } from '../errors.js';

/** A temporary file or folder unchanged this long belongs to a write that died. */
export const STALE_TEMP_MS = 30_000;

/** The temporaries this process is writing now: never stale, however slow. */
const inFlight = new Set<string>();

/** `.NAME.` + 8 hex digits + `.tmp`, optionally `.old` or `.export.tmp` (exportModel's staging). */
function tempPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${escaped}\\.[0-9a-f]{8}(\\.export)?\\.tmp(\\.old)?$`);
}

/** A fresh temporary sibling of `path`, registered as in flight until `release`. */
export function temporarySibling(path: string, suffix = '.tmp'): { temp: string; release: () => void } {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}${suffix}`);
  inFlight.add(temp);
  return { temp, release: () => inFlight.delete(temp) };
}

/**
 * Removes the temporaries a killed write of `path` left beside it. Best
 * effort: a folder that cannot be listed simply keeps them. Returns how many
 * were removed.
 */
export async function removeStaleTemporaries(path: string, now = Date.now()): Promise<number> {
  const dir = dirname(path);
  const pattern = tempPattern(basename(path));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const candidate = join(dir, name);
    if (!pattern.test(name) || inFlight.has(candidate) || inFlight.has(candidate.replace(/\.old$/, ''))) continue;
    try {
      if (now - (await stat(candidate)).mtimeMs < STALE_TEMP_MS) continue;
      await rm(candidate, { recursive: true, force: true });
      removed++;
    } catch {
      // Gone already, or not ours to remove: either way nothing to do.
    }
  }
  return removed;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await namingPath(path, 'write', async () => {
    await mkdir(dirname(path), { recursive: true });
    await removeStaleTemporaries(path);
    const { temp, release } = temporarySibling(path);
    try {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    } finally {
      release();
    }
  });
}

/**
 * Writes a whole folder of files so that the folder appears complete or not at
 * all: the files go into a temporary sibling folder, which replaces `dir`.
 */
export async function writeFolderAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  await namingPath(dir, 'write', async () => {
    await mkdir(dirname(dir), { recursive: true });
    await removeStaleTemporaries(dir);
    const { temp, release } = temporarySibling(dir);
    try {
      await mkdir(temp);
      for (const [name, data] of Object.entries(files)) {
        const handle = await open(join(temp, name), 'w');
        try {
          await handle.writeFile(data);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      await replaceWith(temp, dir);
    } catch (e) {
      await rm(temp, { recursive: true, force: true });
      throw e;
    } finally {
      release();
    }
  });
}

/**
 * Moves the finished `source` (a file or folder) to `target`, replacing what
 * is there. rename() cannot replace a non-empty folder, so the old one steps
 * aside first and is removed once the new one is in place.
 */
export async function replaceWith(source: string, target: string): Promise<void> {
  const old = `${source}.old`;
  inFlight.add(old);
  try {
    let hadOld = false;
    try {
      await rename(target, old);
      hadOld = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      await rename(source, target);
    } catch (e) {
      if (hadOld) await rename(old, target).catch(() => undefined);
      throw e;
    }
    if (hadOld) await rm(old, { recursive: true, force: true });
  } finally {
    inFlight.delete(old);
  }
}
