/**
 * Entry of the engine as a child process of the web host (child_process.fork
 * with an IPC channel). It serves until its parent goes away.
 */
import { takeCoverage } from 'node:v8';
import { backendFromArgs, serveEngine } from './serveEngine.js';
import type { FromEngine } from './link.js';

const send = process.send?.bind(process);
if (!send) {
  process.stderr.write('engine/host/engineProcess.ts runs as a child of the web host (it needs an IPC channel); start the studio with `npm run web`.\n');
  process.exit(2);
}

serveEngine(
  {
    send: (message: FromEngine) => {
      // The host may already be gone; the disconnect handler below ends this process.
      if (process.connected) send(message, undefined, undefined, () => undefined);
    },
    onMessage: (listener) => void process.on('message', listener),
  },
  { backend: backendFromArgs(process.argv.slice(2)) },
);
// The host is gone: nobody is left to answer.
process.on('disconnect', () => process.exit(0));
// Under `npm run coverage` (NODE_V8_COVERAGE set), the host's SIGTERM would end
// this process before V8 writes what it covered: write it, then die of the
// same signal as always.
if (process.env.NODE_V8_COVERAGE) {
  process.once('SIGTERM', () => {
    takeCoverage();
    process.kill(process.pid, 'SIGTERM');
  });
}
