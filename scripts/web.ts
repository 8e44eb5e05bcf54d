/**
 * `npm run web`: the studio in a browser. Builds the window when its sources
 * changed, then starts the web host (engine/host/web/cli.ts has the options).
 */
import { ensureRendererBuilt } from './build.js';
import { runWebMode } from '../engine/host/web/cli.js';
import { describeError } from '../engine/errors.js';

try {
  await runWebMode(process.argv.slice(2), await ensureRendererBuilt({ log: console.log }));
} catch (e) {
  const { message, hint } = describeError(e);
  console.error(`convnet-studio web: ${message}${hint ? `\n  hint: ${hint}` : ''}`);
  process.exit(e instanceof Error && 'code' in e && e.code === 'usage' ? 2 : 1);
}
