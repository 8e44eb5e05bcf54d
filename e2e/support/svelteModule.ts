/**
 * A window module written with Svelte's runes (`*.svelte.ts`: `$state`,
 * `$derived`) loaded in Node for a test, as the window would run it:
 * esbuild bundles it (Svelte's runtime included), each `.svelte.ts` file
 * compiled by Svelte's own compiler after its types are stripped. No
 * component and no DOM are needed for state that only lives in classes.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, transform } from 'esbuild';
import { compileModule } from 'svelte/compiler';

export async function importSvelteModule<T>(entry: string): Promise<T> {
  const outfile = join(await mkdtemp(join(tmpdir(), 'cnnstudio-svelte-module-')), 'module.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'error',
    plugins: [
      {
        name: 'svelte-rune-modules',
        setup(builder) {
          builder.onLoad({ filter: /\.svelte\.ts$/ }, async (args) => {
            const js = (await transform(await readFile(args.path, 'utf8'), { loader: 'ts' })).code;
            return { contents: compileModule(js, { filename: args.path, generate: 'client' }).js.code, loader: 'js', resolveDir: dirname(args.path) };
          });
        },
      },
    ],
  });
  return (await import(pathToFileURL(outfile).href)) as T;
}
