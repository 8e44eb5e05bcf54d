/**
 * Child Node processes run to their end, for tests of the command line and
 * for tests whose subject must be loaded fresh (a backend registry, a
 * stand-in package, an environment).
 */
import assert from 'node:assert/strict';
import { spawn, type SpawnOptionsWithoutStdio } from 'node:child_process';

/**
 * Runs `node <args>` to its end: its exit code (-1 when a signal ended it),
 * stdout and stderr. Rejects when the child cannot be started.
 */
export function runNode(args: string[], options: SpawnOptionsWithoutStdio): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Runs `node <args>` and returns the last line of its stdout parsed as JSON,
 * with its stderr. Fails, with the child's stderr, when it exits other than 0
 * or cannot be started.
 */
export async function nodeChildAnswer<T>(args: string[], options: SpawnOptionsWithoutStdio): Promise<{ answer: T; stderr: string }> {
  const { code, stdout, stderr } = await runNode(args, options);
  assert.equal(code, 0, stderr);
  return { answer: JSON.parse(stdout.trim().split('\n').at(-1)!) as T, stderr };
}
