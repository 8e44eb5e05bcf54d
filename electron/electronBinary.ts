/**
 * Where the Electron runtime is, without `require('electron')`: that call
 * tries to download the binary when it is missing, which hangs or fails
 * offline. The electron package records the binary's path (relative to its
 * dist/ folder) in path.txt once installed; ELECTRON_OVERRIDE_DIST_PATH points
 * at a runtime installed elsewhere, as the electron package itself honours.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

export function findElectronBinary(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(join(projectRoot, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { found: false, reason: 'the electron package is not in node_modules' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, relative || (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    return existsSync(path) ? { found: true, path } : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${path}` };
  }
  if (!relative) return { found: false, reason: 'its binary was never downloaded; `npx install-electron` fetches it where there is network' };
  const path = join(packageDir, 'dist', relative);
  return existsSync(path) ? { found: true, path } : { found: false, reason: `its binary is missing from ${path}` };
}
