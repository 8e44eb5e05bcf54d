/**
 * An engine behind a MessagePort in a worker thread: the tests' stand-in for
 * Electron's utilityProcess, which cannot run here (no Electron binary). It
 * does what electron/engineEntry.ts does: wait for the port the host sends
 * first, then serve the engine on it. Node's MessagePort hands listeners the
 * data itself where Electron's MessagePortMain hands an event with `.data`;
 * that is the only difference.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { serveEngine } from '../host/serveEngine.js';

parentPort!.once('message', ({ port }: { port: MessagePort }) => {
  serveEngine({ send: (message) => port.postMessage(message), onMessage: (listener) => void port.on('message', listener) }, { backend: 'cpu' });
});
