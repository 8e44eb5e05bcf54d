/**
 * The sample project shipped in resources/ (a small CNN on 600 Fashion-MNIST
 * images), opened as an unsaved copy: its data path is made absolute so the
 * copy trains wherever the person later saves it, and the shipped file itself
 * is never written to (in an installed app it may be read-only).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../errors.js';
import type { ProjectFile } from './schema.js';
import { readProject } from './projectFile.js';

export const SAMPLE_PROJECT_PATH = fileURLToPath(new URL('../../resources/sample-project/fashion-mnist.cnnstudio.json', import.meta.url));

export async function openSampleProject(path = SAMPLE_PROJECT_PATH): Promise<{ project: ProjectFile; path: string }> {
  if (!existsSync(path)) {
    throw new StudioError(
      `The sample project is not part of this installation (looked for ${path}).`,
      'Create a project from a template instead, and point its Data panel at a folder of images.',
      'no-sample-project',
    );
  }
  const project = await readProject(path);
  const dataPath = project.data.path;
  if (typeof dataPath === 'string' && dataPath && !isAbsolute(dataPath)) {
    project.data = { ...project.data, path: resolve(dirname(path), dataPath) };
  }
  return { project, path };
}
