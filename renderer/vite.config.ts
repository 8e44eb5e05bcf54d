// The renderer builds to dist/renderer: plain files that the web host serves
// over HTTP and Electron serves through its studio:// protocol. Relative asset
// paths keep the build valid under both.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or data: modules: the Content-Security-Policy forbids them.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Source maps (2.5 MB, with the sources) only in development builds: they
    // would otherwise be served in web mode and shipped in the installers.
    sourcemap: process.env.CONVNET_STUDIO_SOURCEMAP === '1',
    target: 'es2022',
    // CONVNET_STUDIO_MINIFY=0: readable names in a CPU profile of the window.
    minify: process.env.CONVNET_STUDIO_MINIFY !== '0',
  },
  clearScreen: false,
  logLevel: 'warn',
});
