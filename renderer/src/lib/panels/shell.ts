/**
 * The desktop shell's native dialogs, when the window runs in Electron (the
 * preload puts the bridge on `window`); null in a browser, where the panels
 * offer a path field instead.
 */
import type { StudioBridge } from '../../../../electron/bridge.js';

export function shellBridge(): StudioBridge | null {
  return (window as Window & { convnetStudio?: StudioBridge }).convnetStudio ?? null;
}
