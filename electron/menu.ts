/**
 * The application menu. File commands that need the open project (New, Open,
 * Save, Save As) go to the window, which holds the project; Export copies the
 * last trained model to a folder the person picks (main knows where the
 * engine put it). Undo and Redo are the editing roles of the focused field.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from './bridge.js';

export interface MenuHandlers {
  toWindow(action: MenuAction): void;
  exportModel(): void;
  about(): void;
  /** Export is offered once a run has saved a model. */
  canExport: boolean;
}

export function menuTemplate(handlers: MenuHandlers, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => handlers.toWindow('file.new') },
      { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => handlers.toWindow('file.open') },
      { label: 'Import Trained Model…', click: () => handlers.toWindow('file.import-model') },
      { type: 'separator' },
      { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => handlers.toWindow('file.save') },
      { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => handlers.toWindow('file.save-as') },
      { type: 'separator' },
      { label: 'Export Trained Model…', accelerator: 'CmdOrCtrl+E', enabled: handlers.canExport, click: () => handlers.exportModel() },
      ...(mac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { role: 'reload' },
      { role: 'toggleDevTools' },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [{ label: 'About Convnet Studio', click: () => handlers.about() }],
  };
  return [...(mac ? [{ role: 'appMenu' as const }] : []), file, edit, view, help];
}
