/**
 * Files people depend on (projects, checkpoints, exported models) are written
 * to a temporary sibling and renamed into place: rename is atomic on one file
 * system, so a crash or a full disk leaves the old file or no file, never half
 * of a new one.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
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
  }
}

/**
 * Writes a whole folder of files so that the folder appears complete or not at
 * all: the files go into a temporary sibling folder, which replaces `dir`.
 */
export async function writeFolderAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.${basename(dir)}.${randomBytes(4).toString('hex')}.tmp`);
  const old = `${temp}.old`;
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
    // rename() cannot replace a non-empty folder, so the old one steps aside first.
    let hadOld = false;
    try {
      await rename(dir, old);
      hadOld = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await rename(temp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
}
