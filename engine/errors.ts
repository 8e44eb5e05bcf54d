// Node's error type (NodeJS.ErrnoException) by name: the window type-checks this file too
// (it reaches it through graph/templates.ts) and loads no Node types of its own.
/// <reference types="node" />
/**
 * The one error type the engine shows to people. Every failure that a user can
 * cause (a bad project file, a missing folder, a broken edge) becomes a
 * StudioError with a message that names the thing and a hint that says how to
 * fix it; the CLI prints these as one line, the window shows them in place.
 * File-system failures and allocation failures that escape are described
 * as what they are (errors of the machine, not of the program); anything else
 * that escapes is a bug and is reported as such.
 */
import { describeFileSystemError, isFileSystemError } from './util/fsErrors.js';
import { describeOutOfMemory, isOutOfMemory } from './util/outOfMemory.js';

export class StudioError extends Error {
  constructor(
    message: string,
    readonly hint = '',
    /** A stable, machine-readable reason, for tests and for the window. */
    readonly code = 'invalid-input',
  ) {
    super(message);
    this.name = 'StudioError';
  }
}

/** A file-system failure as a StudioError that names `path`, the file or folder the person chose. */
export function fileSystemError(e: NodeJS.ErrnoException, path?: string, action?: string): StudioError {
  const { message, hint, code } = describeFileSystemError(e, path, action);
  return new StudioError(message, hint, code);
}

/** Runs `work`; a file-system failure comes out as a fileSystemError naming `path` and `action` ("write", "read"). */
export async function namingPath<T>(path: string, action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (isFileSystemError(e)) throw fileSystemError(e, path, action);
    throw e;
  }
}

export function isStudioError(e: unknown): e is StudioError {
  return e instanceof StudioError;
}

/** Message and hint of any thrown value, for an error event. */
export function describeError(e: unknown): { message: string; hint: string; code: string } {
  if (isStudioError(e)) return { message: e.message, hint: e.hint, code: e.code };
  if (isFileSystemError(e)) return describeFileSystemError(e);
  if (isOutOfMemory(e)) return describeOutOfMemory(e);
  const message = e instanceof Error ? e.message : String(e);
  return { message, hint: 'This is a bug in Convnet Studio; please report it with this message.', code: 'internal' };
}
