/**
 * What the Electron preload hands the window (as `window.convnetStudio`), and
 * the IPC channel names behind it. This is the whole surface: the engine's
 * protocol as JSON text in and out, the application menu's commands, and the
 * native file dialogs. No Node, no ipcRenderer, no file system.
 */

export const BRIDGE_KEY = 'convnetStudio';

export const CHANNELS = {
  /** renderer → main → engine: one protocol frame (JSON text). */
  toEngine: 'engine:send',
  /** engine → main → renderer: one response or event (JSON text). */
  fromEngine: 'engine:message',
  /** main → renderer: a menu command the window carries out. */
  menu: 'shell:menu',
  openProjectDialog: 'dialog:open-project',
  saveProjectDialog: 'dialog:save-project',
  chooseFolderDialog: 'dialog:choose-folder',
} as const;

/** Menu commands the window carries out itself (Export, Undo, View… are handled by the shell). */
export const MENU_ACTIONS = ['file.new', 'file.open', 'file.import-model', 'file.save', 'file.save-as'] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];

export interface StudioBridge {
  send(text: string): void;
  /** Returns the function that stops listening. */
  onMessage(listener: (text: string) => void): () => void;
  onMenu(listener: (action: MenuAction) => void): () => void;
  /** A `*.cnnstudio.json` to open, or null when the person cancelled. */
  chooseProjectToOpen(): Promise<string | null>;
  /** Where to save a project, or null when cancelled. */
  chooseProjectSavePath(suggestedName: string): Promise<string | null>;
  /** A folder (e.g. of training images), or null when cancelled. */
  chooseFolder(title: string): Promise<string | null>;
}
