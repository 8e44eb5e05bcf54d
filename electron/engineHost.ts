/**
 * Which process hosts the desktop engine. Where Chromium's WebGPU finds a
 * hardware adapter the engine runs in the hidden engine window (it trains on
 * the GPU); otherwise in the utility process, as before (wasm). The window's
 * engine says which it is in its first message, before it serves anything;
 * until then what main sends is held, and after a "no" it goes to the
 * utility process instead, for the rest of the session. Pure, so it is
 * tested without the Electron binary (engineHost.test.ts).
 */
import type { EngineChild, SpawnEngine } from '../engine/host/engineSupervisor.js';
import type { ToEngine } from '../engine/host/link.js';
import type { GpuAdapterInfo } from '../engine/protocol.js';

/** The IPC channel on which main posts the engine window its MessagePort. */
export const ENGINE_PORT_CHANNEL = 'engine-window:port';

/** The engine window's first message: whether it trains on a hardware WebGPU adapter. */
export type EngineHostNote =
  | { engineHost: 'webgpu'; adapter: GpuAdapterInfo }
  | { engineHost: 'no-webgpu'; reason: string };

export function isEngineHostNote(message: unknown): message is EngineHostNote {
  const m = message as Partial<EngineHostNote> | null;
  return typeof m === 'object' && m !== null && (m.engineHost === 'webgpu' || m.engineHost === 'no-webgpu');
}

/** What the engine window's entry decides from its WebGPU probe: only a hardware adapter is worth a window. */
export function engineHostNote(probe: { loaded: true; adapter: GpuAdapterInfo } | { loaded: false; reason: string }): EngineHostNote {
  if (!probe.loaded) return { engineHost: 'no-webgpu', reason: probe.reason };
  if (probe.adapter.software) return { engineHost: 'no-webgpu', reason: `the only WebGPU adapter is a software one (${probe.adapter.vendor} ${probe.adapter.architecture})` };
  return { engineHost: 'webgpu', adapter: probe.adapter };
}

/**
 * A SpawnEngine that tries the engine window first and falls back to the
 * utility process when the window has no hardware adapter or ends before
 * saying. The supervisor sees one EngineChild either way.
 */
export function preferEngineWindow(spawnWindow: SpawnEngine, spawnUtility: SpawnEngine, log: (line: string) => void): SpawnEngine {
  let useWindow = true;
  return () => {
    if (!useWindow) return spawnUtility();
    let chosen: EngineChild | null = null;
    const held: ToEngine[] = [];
    const messageListeners: Array<(message: unknown) => void> = [];
    const exitListeners: Array<(description: string) => void> = [];
    let exited: string | null = null;

    const adopt = (child: EngineChild) => {
      chosen = child;
      child.onMessage((message) => messageListeners.forEach((l) => l(message)));
      child.onExit((description) => {
        exited = description;
        exitListeners.forEach((l) => l(description));
      });
      for (const message of held.splice(0)) child.send(message);
    };
    const fallBack = (why: string, window: EngineChild) => {
      useWindow = false;
      log(`main: the engine runs in the utility process (${why})`);
      window.kill();
      adopt(spawnUtility());
    };

    const window = spawnWindow();
    let decided = false;
    window.onMessage((message) => {
      if (decided) {
        if (chosen === window) messageListeners.forEach((l) => l(message));
        return;
      }
      decided = true;
      if (isEngineHostNote(message) && message.engineHost === 'webgpu') {
        log(`main: the engine runs in the engine window, on WebGPU (${message.adapter.vendor} ${message.adapter.architecture}${message.adapter.description ? `, ${message.adapter.description}` : ''})`);
        chosen = window;
        window.onExit((description) => {
          exited = description;
          exitListeners.forEach((l) => l(description));
        });
        for (const m of held.splice(0)) window.send(m);
      } else {
        fallBack(isEngineHostNote(message) && message.engineHost === 'no-webgpu' ? message.reason : 'the engine window sent no host note', window);
      }
    });
    window.onExit((description) => {
      if (!decided) {
        decided = true;
        fallBack(`the engine window ${description} before it started`, window);
      }
    });

    return {
      get pid() {
        return (chosen as EngineChild | null)?.pid;
      },
      send(message) {
        if (chosen) chosen.send(message);
        else held.push(message);
      },
      onMessage: (listener) => void messageListeners.push(listener),
      onExit(listener) {
        if (exited !== null) listener(exited);
        else exitListeners.push(listener);
      },
      kill() {
        if (chosen) chosen.kill();
        else window.kill();
      },
    };
  };
}
