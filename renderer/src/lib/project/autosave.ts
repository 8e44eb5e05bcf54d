/**
 * The project as last edited, kept in localStorage so that a crash or a
 * reload does not lose a drawing: written a moment after each edit, cleared
 * when the project is saved to a file, offered back on the next start.
 */
import type { ProjectFile } from '../../../../engine/protocol.js';

export interface AutosavedProject {
  project: ProjectFile;
  /** The file it belongs to, '' when it was never saved. */
  path: string;
  savedAt: string;
}

const KEY = 'convnet-studio.autosave';

export function readAutosave(storage: Storage = localStorage): AutosavedProject | null {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as AutosavedProject;
    if (!value?.project?.graph || !Array.isArray(value.project.graph.nodes)) return null;
    return value;
  } catch {
    return null;
  }
}

/** Returns false when the browser refused (storage full or disabled); the caller says so once. */
export function writeAutosave(project: ProjectFile, path: string, storage: Storage = localStorage): boolean {
  try {
    storage.setItem(KEY, JSON.stringify({ project, path, savedAt: new Date().toISOString() } satisfies AutosavedProject));
    return true;
  } catch {
    return false;
  }
}

export function clearAutosave(storage: Storage = localStorage): void {
  try {
    storage.removeItem(KEY);
  } catch {
    // nothing to clear
  }
}
