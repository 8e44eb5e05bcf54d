/**
 * Hostile conditions, part 5: saves killed mid-write. A SIGKILL during a save
 * leaves the hidden temporary it was writing (`.NAME.xxxxxxxx.tmp`); the next
 * save of that file, or opening it, removes the stale ones of our own naming
 * and leaves everything else alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../testing/imageFiles.js';
import { createProject } from '../graph/templates.js';
import { readProject, writeProject } from '../project/projectFile.js';
import { STALE_TEMP_MS } from '../util/atomicWrite.js';

const old = new Date(Date.now() - 2 * STALE_TEMP_MS);

/** A child process saving `path` over and over, killed with SIGKILL after `ms`. */
async function killMidSaves(path: string, ms: number): Promise<void> {
  const script = `
    import { writeFileAtomic } from ${JSON.stringify(new URL('../util/atomicWrite.ts', import.meta.url).href)};
    const big = 'x'.repeat(8 * 1024 * 1024);
    process.stdout.write('ready\\n');
    for (;;) await writeFileAtomic(${JSON.stringify(path)}, big);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
  // Listened for from the start: a child that dies early must not leave the waits below hanging.
  const exited = new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) => resolve(String(signal ?? code)));
    child.once('error', reject);
  });
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const early = await Promise.race([ready.then(() => null), exited]);
  assert.equal(early, null, 'the saving child ended before it was ready');
  await new Promise((resolve) => setTimeout(resolve, ms));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', 'the saving child was still saving when it was killed');
}

test('temporaries left by killed saves are removed at the next save and at open; others stay', async (t) => {
  const { dir, remove } = await makeTempDir('stale-temps');
  t.after(remove);
  const path = join(dir, 'p.cnnstudio.json');
  await writeProject(path, createProject('seed-cnn'));

  // Real leftovers: saves killed mid-write, until at least one temporary is left.
  for (let i = 0; i < 5 && (await readdir(dir)).length === 1; i++) await killMidSaves(path, 150 + 50 * i);
  const leftovers = (await readdir(dir)).filter((name) => name.endsWith('.tmp'));
  assert.ok(leftovers.length > 0, 'a killed save left its temporary');
  for (const name of leftovers) await utimes(join(dir, name), old, old);

  const fresh = '.p.cnnstudio.json.0123abcd.tmp';
  const stranger = '.p.cnnstudio.json.backup.tmp';
  const otherFile = '.q.cnnstudio.json.0123abcd.tmp';
  for (const name of [fresh, stranger, otherFile]) await writeFile(join(dir, name), 'x');
  await utimes(join(dir, stranger), old, old);
  await utimes(join(dir, otherFile), old, old);

  await writeProject(path, createProject('lenet5'));
  assert.deepEqual((await readdir(dir)).sort(), [fresh, stranger, otherFile, 'p.cnnstudio.json'].sort(), 'stale ones of this file gone; a fresh one (a save in progress elsewhere) and names not ours stay');

  await utimes(join(dir, fresh), old, old);
  assert.equal((await readProject(path)).graph.nodes.length > 0, true);
  assert.deepEqual((await readdir(dir)).sort(), [stranger, otherFile, 'p.cnnstudio.json'].sort(), 'opening the file removes its stale temporaries too');
});
