/**
 * Signals, as a person at a terminal sends them: Ctrl-C during `train` stops
 * after the batch and saves the model (a second Ctrl-C quits at once), and
 * the web host started on all interfaces warns, answers, and shuts down on
 * Ctrl-C. Real child processes, real SIGINTs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from '../testing/imageFiles.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';

const BIN = resolve(import.meta.dirname, '../../bin/convnet-studio.js');
let temp: { dir: string; remove: () => Promise<void> };
let data: string;

before(async () => {
  temp = await makeTempDir('interrupt-');
  data = await writePatternFolder({ perClass: 20, size: 12, seed: 6 });
  await writeFile(join(temp.dir, 'p.cnnstudio.json'), JSON.stringify(tinyCnnProject({ size: 12, training: { epochs: 500 } })));
});

after(async () => {
  await temp.remove();
  await rm(data, { recursive: true, force: true });
});

/**
 * Collects a child's output; `waitFor` resolves when stdout or stderr matches,
 * and fails at once (with the child's stderr) when the child has ended
 * without it, rather than waiting out the test's timeout. `exited` fails when
 * the child could not be started.
 */
function watch(child: ChildProcess) {
  let stdout = '';
  let stderr = '';
  let ended: string | null = null;
  const waiters: Array<{ pattern: RegExp; resolve: () => void; reject: (error: Error) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(stdout) || w.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      } else if (ended !== null) {
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(new Error(`the child ${ended} before printing ${w.pattern}; stderr: ${stderr}`));
      }
    }
  };
  child.stdout!.on('data', (d) => ((stdout += d), check()));
  child.stderr!.on('data', (d) => ((stderr += d), check()));
  const exited = new Promise<number | null>((done, fail) => {
    child.on('close', (code, signal) => {
      ended = `exited (${code ?? signal})`;
      check();
      done(code);
    });
    child.on('error', (error) => {
      ended = `could not run (${error.message})`;
      check();
      fail(error);
    });
  });
  // A test that has not reached `await io.exited` yet still hears of a start failure through waitFor.
  exited.catch(() => undefined);
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor: (pattern: RegExp) => new Promise<void>((resolve, reject) => (waiters.push({ pattern, resolve, reject }), check())),
  };
}

function train(out: string): ChildProcess {
  return spawn(process.execPath, [BIN, 'train', 'p.cnnstudio.json', '--data', data, '--backend', 'cpu', '--json', '--out', out], { cwd: temp.dir });
}

test('Ctrl-C during train stops after the batch, saves the model, records the run and exits 0', { timeout: 120_000 }, async (t) => {
  const runDir = join(temp.dir, 'stopped');
  const child = train(runDir);
  t.after(() => child.kill('SIGKILL'));
  const io = watch(child);
  await io.waitFor(/"type":"batch"/);
  child.kill('SIGINT');
  const code = await io.exited;
  assert.equal(code, 0, io.stderr);
  assert.match(io.stderr, /Stopping after this batch \(Ctrl-C again to quit at once\)/);
  const events = io.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; status?: string; epochs?: number; modelPath?: string });
  const end = events.at(-1)!;
  assert.equal(end.type, 'finished');
  assert.equal(end.status, 'stopped');
  assert.ok(end.epochs! < 500);
  assert.ok((await stat(join(end.modelPath!, 'weights.bin'))).size > 0, 'the model so far is saved');
  const project = JSON.parse(await readFile(join(temp.dir, 'p.cnnstudio.json'), 'utf8'));
  assert.deepEqual(project.runs.map((r: { status: string }) => r.status), ['stopped']);
});

test('a second Ctrl-C quits at once with 130', { timeout: 120_000 }, async (t) => {
  const child = train(join(temp.dir, 'quit'));
  t.after(() => child.kill('SIGKILL'));
  const io = watch(child);
  await io.waitFor(/"type":"batch"/);
  child.kill('SIGINT');
  await io.waitFor(/Stopping after this batch/);
  child.kill('SIGINT');
  assert.equal(await io.exited, 130);
});

test('--host 0.0.0.0 warns that others can reach it, serves, and shuts down on Ctrl-C', { timeout: 120_000 }, async (t) => {
  const rendererDir = join(temp.dir, 'renderer');
  await writeFile(join(temp.dir, 'web.mts'), `import { runWebMode } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../host/web/cli.ts')).href)};\nawait runWebMode(process.argv.slice(2), ${JSON.stringify(rendererDir)});\n`);
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>studio</title>');
  const child = spawn(process.execPath, ['--import', 'tsx', join(temp.dir, 'web.mts'), '--no-open', '--host', '0.0.0.0', '--backend', 'cpu'], { cwd: import.meta.dirname });
  t.after(() => child.kill('SIGKILL')); // only if a check failed before it exited
  const io = watch(child);
  await io.waitFor(/Press Ctrl-C to stop it\./);
  const lines = io.stdout.split('\n');
  assert.equal(
    lines[0],
    'Warning: serving on 0.0.0.0, not only on this machine. Anyone who can reach it and has the address below (its token included) can drive the engine, which reads and writes files as you. Share the address only with people you trust.',
  );
  const address = /^Convnet Studio is running at (http:\/\/[^:]+:(\d+)\/\?token=([\w-]+))$/m.exec(io.stdout);
  assert.ok(address, io.stdout);
  const [, , port, token] = address;
  // On all interfaces, so this machine's loopback reaches it too.
  const page = await fetch(`http://127.0.0.1:${port}/?token=${token}`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>studio<\/title>/);

  child.kill('SIGINT');
  assert.equal(await io.exited, 0, io.stderr);
  assert.match(io.stdout, /\nStopping Convnet Studio…\n/);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/?token=${token}`), 'nothing listens any more');
});
