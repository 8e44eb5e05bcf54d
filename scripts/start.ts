/**
 * `npm start`: the desktop window, built first where needed. Where the
 * Electron runtime is not installed (its binary is downloaded separately and
 * an offline install has none), it says so and opens the web mode instead.
 * Arguments after `--` go to the web mode (e.g. `npm start -- --no-open`).
 */
import { spawn } from 'node:child_process';
import { ensureElectronBuilt, ensureEngineBuilt, ensureRendererBuilt, ROOT } from './build.js';
import { findElectronBinary } from '../electron/electronBinary.js';
import { runWebMode } from '../engine/host/web/cli.js';
import { describeError } from '../engine/errors.js';

const electron = findElectronBinary(ROOT);
try {
  const rendererDir = await ensureRendererBuilt({ log: console.log });
  // The engine bundle: Electron's engine runs it, and so does the CLI (bin/convnet-studio.js) once it is fresh.
  await ensureEngineBuilt({ log: console.log });
  if (electron.found) {
    await ensureElectronBuilt({ log: console.log });
    const child = spawn(electron.path, [ROOT], { stdio: 'inherit' });
    child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  } else {
    console.log(`The Electron runtime is not installed (${electron.reason}), so Convnet Studio opens in your browser instead.`);
    await runWebMode(process.argv.slice(2), rendererDir);
  }
} catch (e) {
  const { message, hint } = describeError(e);
  console.error(`convnet-studio: ${message}${hint ? `\n  hint: ${hint}` : ''}`);
  process.exit(1);
}
