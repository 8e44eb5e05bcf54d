#!/usr/bin/env node
// The CLI runs the engine bundle, dist/engine/cli.mjs (plain JavaScript, built
// by `npm run build`, `npm start` and `npm run dist`), when it is there and
// not older than the engine's sources: an installed CLI and the packaged app
// need no TypeScript loader and start faster.
//
// In a development checkout where the sources changed since the last build,
// it runs the sources through tsx instead, so the command always matches the
// code beside it. That is the only use of tsx outside the npm scripts and the
// tests, which is why tsx is a devDependency: a checkout has it, an installed
// CLI never reaches this branch. CONVNET_STUDIO_RUN_SOURCES=1 takes it even
// with a fresh bundle: `npm run coverage` and the subject-deletion check must
// see the CLI's child processes run the sources, not a bundle of them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENGINE_MARKER, ENGINE_SOURCES, isStale } from '../scripts/staleness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'engine', ENGINE_MARKER);

if (process.env.CONVNET_STUDIO_RUN_SOURCES !== '1' && !isStale(root, bundle, ENGINE_SOURCES)) {
  await import(pathToFileURL(bundle).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      `convnet-studio: ${existsSync(bundle) ? `${bundle} is older than the engine's sources` : `${bundle} is missing`}, ` +
        'and tsx (a development dependency) is not installed to run the sources.\n  hint: run `npm run build` in ' + root + '\n',
    );
    process.exit(1);
  }
  register();
  await import('../engine/cli/run.ts');
}
