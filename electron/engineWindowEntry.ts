/**
 * The engine in the engine window's preload: probe Chromium's WebGPU, tell
 * main whether this window is worth keeping (a hardware adapter), then serve
 * the engine on the MessagePort main posted, exactly as the utility process
 * does (engineEntry.ts). When the adapter is missing or software, main closes
 * this window and starts the utility process instead (engineHost.ts).
 */
import { ipcRenderer } from 'electron';
import { probeWebgpu } from '../engine/backend/webgpu.js';
import { serveEngine } from '../engine/host/serveEngine.js';
import { ENGINE_PORT_CHANNEL, engineHostNote } from './engineHost.js';

ipcRenderer.once(ENGINE_PORT_CHANNEL, (event) => {
  const port = event.ports[0];
  if (!port) {
    console.error('engine window: the message from main carried no MessagePort.');
    return;
  }
  port.start();
  void probeWebgpu().then((probe) => {
    const note = engineHostNote(probe);
    port.postMessage(note);
    if (note.engineHost !== 'webgpu') return;
    serveEngine(
      {
        send: (message) => port.postMessage(message),
        onMessage: (listener) => port.addEventListener('message', (e) => listener(e.data)),
      },
      { backend: 'auto', log: (line) => console.error(line) },
    );
  });
});
