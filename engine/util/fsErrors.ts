// Node's error type (NodeJS.ErrnoException) by name: the window type-checks this file too
// (it reaches it through graph/templates.ts) and loads no Node types of its own.
/// <reference types="node" />
/**
 * File-system failures in words: which path, what was being done, and the
 * cause a person can act on (a full disk, a read-only folder, a name too
 * long), instead of a raw "ENOSPC: no space left on device, write" labelled
 * as a bug. describeError (errors.ts) turns any that escape into these, so
 * the CLI and the protocol say the same; fileSystemError (errors.ts) makes
 * one that names the path the person chose rather than a temporary file.
 */
import { quoteName } from './safeJson.js';

const CAUSES: Record<string, { cause: string; hint: string }> = {
  ENOSPC: { cause: 'the disk is full', hint: 'Free some space on that disk (or choose a folder on another one) and try again; nothing was half-written.' },
  EDQUOT: { cause: 'your disk quota is used up', hint: 'Free some space within your quota and try again; nothing was half-written.' },
  EFBIG: { cause: 'the file is larger than the file system allows', hint: 'Choose a folder on a file system that holds large files.' },
  EROFS: { cause: 'the file system is read-only', hint: 'Choose a folder on a writable disk.' },
  EACCES: { cause: 'permission is denied', hint: 'Choose a folder you can write to, or change its permissions.' },
  EPERM: { cause: 'the operation is not permitted', hint: 'Choose a folder you own, or change its permissions.' },
  ENAMETOOLONG: { cause: 'a name in the path is too long for the file system', hint: 'Use a shorter file or folder name (at most 255 bytes per name).' },
  ENOENT: { cause: 'it does not exist', hint: 'Check the path.' },
  ENOTDIR: { cause: 'a part of the path is a file, not a folder', hint: 'Check the path: every part but the last must be a folder.' },
  EISDIR: { cause: 'it is a folder, not a file', hint: 'Give the path of a file.' },
  EEXIST: { cause: 'something is already there', hint: 'Choose another name, or move what is there.' },
  ENOTEMPTY: { cause: 'the folder is not empty', hint: 'Choose an empty or new folder.' },
  EBUSY: { cause: 'it is in use by another program', hint: 'Close the program using it and try again.' },
  EMFILE: { cause: 'too many files are open', hint: 'Close other programs, or raise the open-file limit (ulimit -n).' },
  ENFILE: { cause: 'the system has too many files open', hint: 'Close other programs and try again.' },
  EIO: { cause: 'the disk reported an input/output error', hint: 'Check the disk (it may be failing or disconnected).' },
  ELOOP: { cause: 'it is a loop of symbolic links', hint: 'Fix the symbolic links in the path.' },
  EXDEV: { cause: 'it is on another file system', hint: 'Choose a folder on the same disk.' },
  EINVAL: { cause: 'the file system refuses the name', hint: 'Use a simpler name (letters, digits, - and _).' },
};

const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  mkdtemp: 'create a folder in',
  rename: 'move into place',
  unlink: 'remove',
  rmdir: 'remove the folder',
  rm: 'remove',
  scandir: 'list the folder',
  stat: 'read',
  lstat: 'read',
  access: 'use',
  copyfile: 'copy',
  fsync: 'write',
  close: 'write',
};

/** Node's errors from fs calls: an E… code, or a path argument holding a NUL byte. */
export function isFileSystemError(e: unknown): e is NodeJS.ErrnoException {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && Object.hasOwn(CAUSES, code)) || isNulPathError(e);
}

function isNulPathError(e: Error): boolean {
  return (e as NodeJS.ErrnoException).code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(e.message);
}

/** The cause alone, e.g. "the disk is full (ENOSPC)", for messages that name the path themselves. */
export function fileSystemCause(e: unknown): string {
  if (e instanceof Error && isNulPathError(e)) return 'the path holds a NUL character, which no file name can contain';
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && Object.hasOwn(CAUSES, code)) return `${CAUSES[code]!.cause} (${code})`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * A file-system failure in words naming `path` (or the path Node reports),
 * what was being done (`action`, else read from the failed system call) and
 * the cause. The code is 'disk-full' for a full disk or quota,
 * 'file-system' otherwise.
 */
export function describeFileSystemError(e: NodeJS.ErrnoException, path?: string, action?: string): { message: string; hint: string; code: string } {
  const where = path ?? e.path;
  const code = typeof e.code === 'string' && Object.hasOwn(CAUSES, e.code) ? e.code : null;
  const verb = action ?? (e.syscall && VERBS[e.syscall]) ?? 'write';
  const target = where ? ` ${quoteName(where, 300)}` : '';
  const hint = isNulPathError(e) ? 'Remove the NUL character from the path.' : code ? CAUSES[code]!.hint : 'Check the path.';
  return { message: `Cannot ${verb}${target}: ${fileSystemCause(e)}.`, hint, code: code === 'ENOSPC' || code === 'EDQUOT' ? 'disk-full' : 'file-system' };
}
