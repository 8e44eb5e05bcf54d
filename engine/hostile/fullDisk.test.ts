/**
 * Hostile input, part 3: a full disk. On a real full file system (a small
 * tmpfs in a private mount namespace, where `unshare` may mount one) a
 * project save, a CLI export and a protocol export each fail with the path
 * and "the disk is full", leave the old project intact and leave no partial
 * export, no empty folder and no temporary file. Where no tmpfs can be
 * mounted that test says so and is skipped; the kernel's /dev/full still
 * gives a real ENOSPC for the wording test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError } from '../errors.js';
import { buildModel } from '../graph/tfjs/build.js';
import { chain } from '../testing/graphs.js';
import { createProject } from '../graph/templates.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { exportModel } from '../export/exportModel.js';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomicWrite.js';

function canMountTmpfs(dir: string): string | null {
  const probe = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', dir], { encoding: 'utf8' });
  if (probe.error) return `unshare is not available (${probe.error.message})`;
  return probe.status === 0 ? null : `unshare could not mount a tmpfs (${probe.stderr.trim()})`;
}

test('ENOSPC, EROFS, EACCES, ENAMETOOLONG and a NUL in a path are worded with the path and the cause, not as a bug', async (t) => {
  const { dir, remove } = await makeTempDir('fs-words');
  t.after(remove);
  // A real refusal from the kernel: a name over 255 bytes.
  const long = join(dir, 'x'.repeat(300));
  const tooLong = await writeFileAtomic(long, 'x').then(() => null, (e: unknown) => e);
  assert.equal(describeError(tooLong).code, 'file-system');
  assert.match(describeError(tooLong).message, /^Cannot write ".*x{50}.*: a name in the path is too long for the file system \(ENAMETOOLONG\)\.$/);
  // A real refusal from Node: a NUL in the path.
  const nul = await writeFileAtomic(join(dir, 'a\0b.json'), 'x').then(() => null, (e: unknown) => e);
  assert.match(describeError(nul).message, /: the path holds a NUL character, which no file name can contain\.$/);
  // A full disk where no tmpfs can be mounted: Node's ENOSPC error, as fs would raise it (simulated).
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC', errno: -28, syscall: 'write', path: '/data/run/metrics.jsonl' });
  assert.deepEqual(describeError(enospc), {
    message: 'Cannot write "/data/run/metrics.jsonl": the disk is full (ENOSPC).',
    hint: 'Free some space on that disk (or choose a folder on another one) and try again; nothing was half-written.',
    code: 'disk-full',
  });
  for (const [code, cause] of [['EROFS', 'the file system is read-only'], ['EACCES', 'permission is denied']]) {
    const e = Object.assign(new Error(`${code}: simulated`), { code, syscall: 'open', path: '/p' });
    assert.equal(describeError(e).message, `Cannot open "/p": ${cause} (${code}).`);
  }
});

test('on a full tmpfs: save, CLI export, protocol export and a run folder fail in words; nothing half-written is left', async (t) => {
  const { dir, remove } = await makeTempDir('full-disk');
  t.after(remove);
  const mount = join(dir, 'mount');
  await mkdir(mount);
  const unavailable = canMountTmpfs(mount);
  if (unavailable) {
    t.skip(`${unavailable}; the /dev/full test covers the wording`);
    return;
  }
  const modelDir = join(dir, 'model');
  const model = buildModel(chain([16, 16, 1], [{ type: 'Flatten' }, { type: 'Dense', params: { units: 200 } }, { type: 'Dense', params: { units: 3 } }]), { seed: 1 });
  await saveModelFolder(model, modelDir, { classNames: ['a', 'b', 'c'] });
  model.dispose();
  const projectFile = join(dir, 'digits.cnnstudio.json');
  await writeFile(projectFile, JSON.stringify(createProject('seed-cnn', 'Digits'), null, 2));

  const dataDir = await writePatternFolder({ perClass: 4, size: 8 });
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const script = [
    'mount -t tmpfs -o size=256k tmpfs "$1"',
    'cp "$3" "$1/digits.cnnstudio.json"',
    '(dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; true)',
    'exec "$4" --import tsx engine/hostile/fullDiskChild.ts "$1" "$2" "$5"',
  ].join(' && ');
  const child = spawnSync('unshare', ['-rm', 'sh', '-c', script, 'sh', mount, modelDir, projectFile, process.execPath, dataDir], {
    encoding: 'utf8',
    timeout: 90_000,
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  assert.equal(child.status, 0, child.stderr);
  const report = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    saveExit: number;
    exportExit: number;
    stderr: string;
    reply: { ok: boolean; error: { message: string; code: string } };
    runError: { message: string; code: string };
    projectUnchanged: boolean;
    left: string[];
  };
  assert.equal(report.saveExit, 1);
  assert.match(report.stderr, new RegExp(`Cannot write "${mount}/digits.cnnstudio.json": the disk is full \\(ENOSPC\\)`));
  assert.equal(report.exportExit, 1);
  assert.match(report.stderr, new RegExp(`${mount}/exported.*the disk is full \\(ENOSPC\\)`));
  assert.doesNotMatch(report.stderr, /bug/);
  assert.equal(report.reply.ok, false);
  assert.equal(report.reply.error.code, 'disk-full');
  assert.match(report.reply.error.message, /exported.*the disk is full \(ENOSPC\)/);
  assert.equal(report.runError.code, 'disk-full');
  assert.match(report.runError.message, new RegExp(`^Cannot write "${mount}/run/run.json": the disk is full \\(ENOSPC\\)\\.$`));
  assert.equal(report.projectUnchanged, true);
  assert.deepEqual(report.left, ['digits.cnnstudio.json', 'filler'], 'no partial export, empty folder (export or run) or temporary file');
});

test('an export whose source does not exist leaves no output folder (not even an empty one) and no staging folder', async (t) => {
  const { dir, remove } = await makeTempDir('export-missing');
  t.after(remove);
  const outDir = join(dir, 'deeper', 'exported');
  await assert.rejects(exportModel({ source: join(dir, 'no-such-run'), formats: ['tfjs', 'onnx'], outDir }), (e: Error & { code?: string }) => e.code !== 'internal');
  assert.equal(existsSync(join(dir, 'deeper')), false, 'the parent folder it created is gone too');
  assert.deepEqual(await readdir(dir), []);
});
