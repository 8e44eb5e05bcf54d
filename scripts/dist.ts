/**
 * `npm run dist`: installers for this platform (electron-builder.yml: AppImage
 * and deb on Linux, NSIS on Windows, dmg on macOS) into dist/installers/.
 * It needs the Electron runtime, which electron-builder packs into the app.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureElectronBuilt, ensureRendererBuilt, ROOT } from './build.js';
import { findElectronBinary } from '../electron/electronBinary.js';

const electron = findElectronBinary(ROOT);
if (!electron.found) {
  console.error(`Cannot build installers here: the Electron runtime is not installed (${electron.reason}).`);
  process.exit(1);
}
await ensureRendererBuilt({ force: true, log: console.log });
await ensureElectronBuilt({ force: true, log: console.log });
const builder = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder');
const result = spawnSync(builder, ['--config', 'electron-builder.yml', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(result.status ?? 1);
