/**
 * The renderer's source maps (2.5 MB, with the sources) are for development
 * only: a production build (CONVNET_STUDIO_SOURCEMAP unset) would otherwise
 * serve them in web mode and ship them in the installers. A real Vite build
 * takes ~20 s on a loaded 2-core machine, so this reads the build config the
 * build uses (renderer/vite.config.ts), evaluated under each environment.
 */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { UserConfig } from 'vite';

const CONFIG = new URL('../renderer/vite.config.ts', import.meta.url);

/** Evaluates the config module afresh (a new URL each time) with the variable set or unset. */
async function configWith(value: string | undefined, attempt: string): Promise<UserConfig> {
  const saved = process.env.CONVNET_STUDIO_SOURCEMAP;
  if (value === undefined) delete process.env.CONVNET_STUDIO_SOURCEMAP;
  else process.env.CONVNET_STUDIO_SOURCEMAP = value;
  try {
    return ((await import(`${CONFIG.href}?${attempt}`)) as { default: UserConfig }).default;
  } finally {
    if (saved === undefined) delete process.env.CONVNET_STUDIO_SOURCEMAP;
    else process.env.CONVNET_STUDIO_SOURCEMAP = saved;
  }
}

test('a production renderer build writes no source maps; CONVNET_STUDIO_SOURCEMAP=1 turns them on', async () => {
  assert.equal((await configWith(undefined, 'production')).build?.sourcemap, false);
  assert.equal((await configWith('0', 'zero')).build?.sourcemap, false);
  assert.equal((await configWith('1', 'development')).build?.sourcemap, true);
});
