/**
 * A child Node process run to its end, for tests whose subject must be
 * loaded fresh (a backend registry, a stand-in package, an environment):
 * what it prints last on stdout, as JSON, is its answer.
 */
import assert from 'node:assert/strict';
import { spawn, type SpawnOptionsWithoutStdio } from 'node:child_process';

/**
 * Runs `node <args>` and returns the last line of its stdout parsed as JSON,
 * with its stderr. Fails, with the child's stderr, when it exits other than 0
 * or cannot be started.
 */
export async function nodeChildAnswer<T>(args: string[], options: SpawnOptionsWithoutStdio): Promise<{ answer: T; stderr: string }> {
  const child = spawn(process.execPath, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('close', done);
    child.on('error', fail);
  });
  assert.equal(code, 0, stderr);
  return { answer: JSON.parse(stdout.trim().split('\n').at(-1)!) as T, stderr };
}
