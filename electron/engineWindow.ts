/**
 * The engine in a hidden engine window, for Chromium's WebGPU: Dawn's Node
 * bindings cannot run inside Electron (their external ArrayBuffers are
 * refused by Electron's V8 memory cage, dawn-gpu/node-webgpu#5), so the only
 * WebGPU a desktop engine can use is the one Chromium gives a page.
 *
 * The window is never shown and never loads anything but one local, empty
 * page (engineWindow.html, `default-src 'none'`): the engine is its preload
 * (dist/engine/engineWindow.mjs, bundled from engineWindowEntry.ts), which has Node for files and images and reaches
 * main only through the MessagePort main posts to it, the same transport as
 * the utility process. No navigation, no new windows, no permissions; it is
 * not the studio window, so the studio window's IPC never trusts it
 * (security.ts). docs/webgpu.md gives the reasoning.
 */
import { BrowserWindow, MessageChannelMain, session } from 'electron';
import type { EngineChild, SpawnEngine } from '../engine/host/engineSupervisor.js';
import type { Log } from '../engine/host/engineSession.js';
import { ENGINE_PORT_CHANNEL } from './engineHost.js';

/** Its own session partition: nothing shared with the studio window (cookies, storage, permission grants). */
const ENGINE_PARTITION = 'engine-window';

export interface EngineWindowFiles {
  /** The empty local page (electron/engineWindow.html). */
  page: string;
  /** The engine's preload (dist/engine/engineWindow.mjs, bundled from electron/engineWindowEntry.ts). */
  preload: string;
}

/** Locks the engine window's session down; sessions exist only once the app is ready, hence at the first spawn. */
function lockDownSession(): void {
  const engineSession = session.fromPartition(ENGINE_PARTITION);
  engineSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  engineSession.setPermissionCheckHandler(() => false);
  // It needs no network at all: the page and the preload are local files.
  engineSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith('file:') }));
}

export function engineWindowEngine(files: EngineWindowFiles, log: Log): SpawnEngine {
  let lockedDown = false;
  return () => {
    if (!lockedDown) {
      lockDownSession();
      lockedDown = true;
    }
    const window = new BrowserWindow({
      show: false,
      webPreferences: {
        preload: files.preload,
        partition: ENGINE_PARTITION,
        // The preload is the engine and needs Node (files, sharp); the page gets none of it.
        sandbox: false,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        // A hidden window is throttled by default; training must not be.
        backgroundThrottling: false,
        spellcheck: false,
      },
    });
    const contents = window.webContents;
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('console-message', (event) => log(`[engine window] ${event.message}`));

    const { port1, port2 } = new MessageChannelMain();
    let exitDescription: string | null = null;
    const exitListeners: Array<(description: string) => void> = [];
    const exited = (description: string) => {
      if (exitDescription !== null) return;
      exitDescription = description;
      port2.close();
      for (const listener of exitListeners) listener(description);
    };
    contents.on('render-process-gone', (_event, details) => exited(`ended (${details.reason}, code ${details.exitCode})`));
    window.on('closed', () => exited('was closed'));
    contents.once('did-finish-load', () => contents.postMessage(ENGINE_PORT_CHANNEL, null, [port1]));
    void window.loadFile(files.page).catch((e: unknown) => {
      log(`main: the engine window could not load ${files.page}: ${(e as Error).message}`);
      window.destroy();
    });
    port2.start();

    const engine: EngineChild = {
      get pid() {
        return window.isDestroyed() ? undefined : contents.getOSProcessId();
      },
      send: (message) => port2.postMessage(message),
      onMessage: (listener) => void port2.on('message', (event) => listener(event.data)),
      onExit(listener) {
        if (exitDescription !== null) listener(exitDescription);
        else exitListeners.push(listener);
      },
      kill: () => {
        if (!window.isDestroyed()) window.destroy();
      },
    };
    return engine;
  };
}
