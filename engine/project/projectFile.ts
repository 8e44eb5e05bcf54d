/**
 * Reading and writing `*.cnnstudio.json` project files: the file I/O around
 * projectJson.ts (which turns the JSON into a checked, migrated ProjectFile,
 * and is pure so the window runs it too).
 */
import { readFile } from 'node:fs/promises';
import { StudioError } from '../errors.js';
import type { ProjectFile } from './schema.js';
import { removeStaleTemporaries, writeFileAtomic } from '../util/atomicWrite.js';
import { parseProject } from './projectJson.js';

export { parseProject, projectFromJson } from './projectJson.js';

export async function readProject(path: string): Promise<ProjectFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(
      code === 'ENOENT' ? `Project file ${path} does not exist.` : `Cannot read project file ${path} (${code ?? (e as Error).message}).`,
      code === 'ENOENT' ? 'Check the path, or create it with `convnet-studio new <file> --template seed-cnn`.' : 'Check the file permissions.',
      'project-unreadable',
    );
  }
  // Saves killed mid-write left their temporaries here; opening the file is the start of a session with it.
  await removeStaleTemporaries(path);
  return parseProject(text, path);
}

/** Written atomically: a crash mid-save leaves the old file, never half a new one. */
export async function writeProject(path: string, project: ProjectFile): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(project, null, 2) + '\n');
}
