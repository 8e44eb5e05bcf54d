/**
 * The engine's entry in its Electron utility process: wait for the
 * MessagePort main sends first, then serve the engine on it. The engine code
 * itself knows nothing of Electron (engine/host/serveEngine.ts).
 */
import type { MessagePortMain } from 'electron';
import { serveEngine } from '../engine/host/serveEngine.js';

process.parentPort.once('message', (event) => {
  const port: MessagePortMain | undefined = event.ports[0];
  if (!port) {
    process.stderr.write('engine: the first message from main carried no MessagePort; exiting.\n');
    process.exit(1);
  }
  serveEngine({
    send: (message) => port.postMessage(message),
    onMessage: (listener) => void port.on('message', (e) => listener(e.data)),
  });
  port.start();
});
