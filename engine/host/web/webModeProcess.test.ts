/**
 * `npm run web` as a person on a machine without a desktop meets it: no
 * browser opener, so the address is printed with a word to open it by hand;
 * and a second Ctrl-C while the host shuts down quits at once with 130. A
 * real child process running runWebMode (engine/host/web/cli.ts), real
 * signals; the opener is missing because PATH holds none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from '../../testing/imageFiles.js';

test('without a browser opener the address is printed with a word to open it; a second Ctrl-C quits at once with 130', { timeout: 120_000 }, async (t) => {
  const { dir, remove } = await makeTempDir('web-mode-');
  t.after(remove);
  const rendererDir = join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>studio</title>');
  await writeFile(
    join(dir, 'web.mts'),
    `import { runWebMode } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'cli.ts')).href)};\nawait runWebMode(process.argv.slice(2), ${JSON.stringify(rendererDir)});\n`,
  );
  const emptyPath = join(dir, 'no-programs');
  await mkdir(emptyPath);
  // With the browser opened (no --no-open), and no xdg-open/open/cmd on PATH.
  const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'web.mts'), '--backend', 'cpu'], { cwd: import.meta.dirname, env: { ...process.env, PATH: emptyPath } });
  t.after(() => child.kill('SIGKILL')); // only if a check failed before it exited
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const opened = new Promise<void>((resolve) =>
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/Could not open a browser here/.test(stdout)) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await Promise.race([opened, exited]);
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^Convnet Studio is running at http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/, stderr);
  assert.equal(lines.at(-2), 'Press Ctrl-C to stop it.');
  assert.equal(lines.at(-1), 'Could not open a browser here; open the address above in one.');

  // A browser still sending a request holds the server open, so the shutdown waits: a second Ctrl-C quits.
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines[0]!)![1]);
  const socket = connect(port, '127.0.0.1');
  // The child dies with this request still open, so the socket may end in a reset; that is the expected end, not a failure.
  const socketErrors: string[] = [];
  socket.on('error', (error: NodeJS.ErrnoException) => socketErrors.push(error.code ?? error.message));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  t.after(() => socket.destroy());
  const stopping = new Promise<void>((resolve) => child.stdout.on('data', () => /Stopping Convnet Studio…/.test(stdout) && resolve()));
  child.kill('SIGINT');
  // A child that dies of the signal instead (its handler not yet in place) fails here with what it printed, not as a hang.
  await Promise.race([stopping, exited.then((code) => assert.fail(`the first Ctrl-C ended the host (code ${code}, signal ${child.signalCode}) before it said it was stopping: ${stdout}`))]);
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.ok(socketErrors.every((code) => code === 'ECONNRESET' || code === 'EPIPE'), socketErrors.join(', '));
});
