import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectronBinary } from './electronBinary.js';

/** A project folder with an electron package in the state an install left it. */
async function projectWithElectron(pathTxt: string | null, binary: string | null): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cnnstudio-electron-'));
  const pkg = join(root, 'node_modules', 'electron');
  await mkdir(join(pkg, 'dist'), { recursive: true });
  await writeFile(join(root, 'package.json'), '{"name":"p"}');
  await writeFile(join(pkg, 'package.json'), '{"name":"electron","version":"45.0.0"}');
  if (pathTxt !== null) await writeFile(join(pkg, 'path.txt'), pathTxt);
  if (binary !== null) {
    await writeFile(join(pkg, 'dist', binary), '#!/bin/sh\n');
    await chmod(join(pkg, 'dist', binary), 0o755);
  }
  return root;
}

test('finds the binary an install recorded, without triggering a download', async () => {
  const root = await projectWithElectron('electron', 'electron');
  assert.deepEqual(findElectronBinary(root, {}), { found: true, path: join(root, 'node_modules', 'electron', 'dist', 'electron') });
});

test('says why when the binary is not there', async () => {
  const never = findElectronBinary(await projectWithElectron(null, null), {});
  assert.equal(never.found, false);
  assert.match(!never.found ? never.reason : '', /never downloaded; `npx install-electron` fetches it/);
  const removed = findElectronBinary(await projectWithElectron('electron', null), {});
  assert.match(!removed.found ? removed.reason : '', /binary is missing from .*dist\/electron/);
  const noPackage = findElectronBinary(await mkdtemp(join(tmpdir(), 'cnnstudio-none-')), {});
  assert.match(!noPackage.found ? noPackage.reason : '', /not in node_modules/);
});

test('honours ELECTRON_OVERRIDE_DIST_PATH as the electron package does', async () => {
  const root = await projectWithElectron(null, null);
  const elsewhere = await mkdtemp(join(tmpdir(), 'cnnstudio-dist-'));
  await writeFile(join(elsewhere, 'electron'), '');
  assert.deepEqual(findElectronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: elsewhere }), { found: true, path: join(elsewhere, 'electron') });
});
