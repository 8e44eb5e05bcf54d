/**
 * The CLI as a program: runs `main` on the command line's arguments. The
 * entry of the bundle dist/engine/cli.mjs, and what bin/convnet-studio.js
 * loads through tsx when the bundle is missing or older than the sources.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
