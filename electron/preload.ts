/**
 * The preload: the only code with both the page and IPC in reach. It hands the
 * page exactly one object, `window.convnetStudio` (the StudioBridge of
 * electron/bridge.ts), and nothing else: no ipcRenderer, no Node, no way to
 * pick a channel. Bundled to one CommonJS file, as a sandboxed preload must be.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_KEY, CHANNELS, MENU_ACTIONS, type MenuAction, type StudioBridge } from './bridge.js';

function subscribe<T>(channel: string, accept: (value: unknown) => value is T, listener: (value: T) => void): () => void {
  const handler = (_event: IpcRendererEvent, value: unknown) => {
    if (accept(value)) listener(value);
  };
  ipcRenderer.on(channel, handler);
  return () => void ipcRenderer.removeListener(channel, handler);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isMenuAction = (value: unknown): value is MenuAction => (MENU_ACTIONS as readonly unknown[]).includes(value);
const pathOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const bridge: StudioBridge = {
  // Whatever the page passes goes on as it is: the engine's validation judges it.
  send: (text) => ipcRenderer.send(CHANNELS.toEngine, text),
  onMessage: (listener) => subscribe(CHANNELS.fromEngine, isString, listener),
  onMenu: (listener) => subscribe(CHANNELS.menu, isMenuAction, listener),
  chooseProjectToOpen: async () => pathOrNull(await ipcRenderer.invoke(CHANNELS.openProjectDialog)),
  chooseProjectSavePath: async (suggestedName) => pathOrNull(await ipcRenderer.invoke(CHANNELS.saveProjectDialog, String(suggestedName))),
  chooseFolder: async (title) => pathOrNull(await ipcRenderer.invoke(CHANNELS.chooseFolderDialog, String(title))),
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
