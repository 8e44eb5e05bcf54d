/**
 * Who may talk to the main process, and where the window may go. The window
 * loads the renderer from one origin only (`studio://app`, the custom
 * protocol); any IPC message from another frame, another page or another
 * webContents is dropped, and navigation anywhere else is blocked.
 * Pure functions, so they are tested without the Electron binary.
 */

export const APP_SCHEME = 'studio';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** What main knows about the sender of an IPC message. */
export interface SenderFacts {
  /** webContents id of the sender. */
  senderId: number;
  /** URL of the frame that sent it; null when that frame is gone. */
  frameUrl: string | null;
  /** Whether that frame is its page's top frame (not an iframe). */
  isMainFrame: boolean;
}

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host.toLowerCase() === APP_HOST;
  } catch {
    return false;
  }
}

/** True only for the studio window's own top frame showing the studio's own page. */
export function isTrustedSender(sender: SenderFacts, windowContentsId: number | null): boolean {
  return windowContentsId !== null && sender.senderId === windowContentsId && sender.isMainFrame && sender.frameUrl !== null && isAppUrl(sender.frameUrl);
}

/** Navigation is allowed only within the app's page (a reload, a fragment); never to another site or file. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}
