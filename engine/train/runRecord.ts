/**
 * The project's run history entry for a run that ended. Pure, with string
 * path handling and type-only imports, so the CLI (on Node) and the window
 * (in a browser) build the same record from the same end event.
 */
import type { FinishedEvent, RunErrorEvent } from '../protocol.js';
import type { RunRecord } from '../project/schema.js';

const RECORDED_METRICS = ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const;

/**
 * `startedAt` is when the run began (ISO 8601); the end event does not carry
 * it, and the caller saw the run start. The folder is stored relative to the
 * project file's folder when there is one, so a project moved together with
 * its runs/ folder still finds them.
 */
export function runRecordFrom(end: FinishedEvent | RunErrorEvent, runDir: string, projectPath: string | undefined, startedAt: string): RunRecord {
  const metrics: Record<string, number> = {};
  if (end.type === 'finished') {
    for (const key of RECORDED_METRICS) {
      const value = end.metrics[key];
      if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value;
    }
  }
  return {
    id: end.runId ?? lastSegment(runDir),
    folder: projectPath ? relativeFolder(runDir, projectPath) : runDir,
    startedAt,
    status: end.type === 'error' ? 'failed' : end.status === 'stopped' ? 'stopped' : 'finished',
    bestEpoch: end.type === 'finished' ? end.bestEpoch : null,
    metrics,
  };
}

/** A recorded folder as a path to read: relative ones are taken from the project file's folder. */
export function resolveRunFolder(folder: string, projectPath: string | undefined): string {
  if (isAbsolute(folder) || !projectPath) return folder;
  const separator = projectPath.includes('\\') && !projectPath.includes('/') ? '\\' : '/';
  return normalise([...segments(parentOf(projectPath)), ...segments(folder)], rootOf(projectPath), separator);
}

/** `runDir` relative to the folder holding `projectPath`; unchanged when they share no root. */
export function relativeFolder(runDir: string, projectPath: string): string {
  if (!isAbsolute(runDir) || !isAbsolute(projectPath)) return runDir;
  const root = rootOf(runDir);
  if (root.toLowerCase() !== rootOf(projectPath).toLowerCase()) return runDir;
  const from = normaliseSegments(segments(parentOf(projectPath)));
  const to = normaliseSegments(segments(runDir));
  let shared = 0;
  while (shared < from.length && shared < to.length && from[shared] === to[shared]) shared++;
  const parts = [...from.slice(shared).map(() => '..'), ...to.slice(shared)];
  return parts.length ? parts.join('/') : '.';
}

function isAbsolute(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path);
}

/** '/' on POSIX, 'C:' (with its slash dropped) on Windows, '' for a relative path. */
function rootOf(path: string): string {
  if (/^[A-Za-z]:[\\/]/.test(path)) return path.slice(0, 2);
  return path.startsWith('/') || path.startsWith('\\') ? '/' : '';
}

function segments(path: string): string[] {
  const withoutDrive = /^[A-Za-z]:/.test(path) ? path.slice(2) : path;
  return withoutDrive.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}

function normaliseSegments(parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    // A relative path may climb above where it starts; those '..' stay.
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return out;
}

function normalise(parts: string[], root: string, separator: string): string {
  const body = normaliseSegments(parts).join(separator);
  if (root === '/') return separator + body;
  return root ? `${root}${separator}${body}` : body;
}

function parentOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? '.' : path.slice(0, cut + 1);
}

function lastSegment(path: string): string {
  return segments(path).pop() ?? path;
}
