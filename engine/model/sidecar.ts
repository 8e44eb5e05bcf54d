/**
 * labels.json: what a person (or program) needs besides the network to use
 * an exported model — the class names in output order, the input size and
 * channels, how images were resized and normalised in training (carried
 * exactly as the trainer recorded it), and the tensor layout each format
 * expects. Written beside every export (export/sidecar.ts makes it); the
 * studio's own predict reads it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import type { ModelSidecar } from '../protocol/index.js';

export const SIDECAR_FILE = 'labels.json';
export const SIDECAR_FORMAT = 'convnet-studio.labels' satisfies ModelSidecar['format'];

/** The sidecar in `dir`, or null when there is none. */
export async function readSidecar(dir: string): Promise<ModelSidecar | null> {
  const path = join(dir, SIDECAR_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  let sidecar: ModelSidecar;
  try {
    sidecar = JSON.parse(text) as ModelSidecar;
  } catch (e) {
    throw new StudioError(`${path} is not valid JSON (${(e as Error).message}).`, 'Export the model again to rewrite it.', 'sidecar-unreadable');
  }
  if (sidecar.format !== SIDECAR_FORMAT || !Array.isArray(sidecar.classNames)) {
    throw new StudioError(`${path} is not a Convnet Studio labels file.`, 'Export the model again to rewrite it.', 'sidecar-unreadable');
  }
  return sidecar;
}
