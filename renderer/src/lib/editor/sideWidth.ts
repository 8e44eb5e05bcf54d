/**
 * The side panel's width: dragged (or arrow keys on the splitter), kept
 * between a readable minimum and 60 % of the window, remembered in this
 * browser's localStorage.
 */
export const SIDE_MIN = 340;
const KEY = 'convnet-studio.side-width';

export const sideMax = (): number => Math.max(SIDE_MIN, Math.round(window.innerWidth * 0.6));

/** The remembered width, or about a third of the window. */
export function initialSideWidth(): number {
  try {
    const stored = Number(localStorage.getItem(KEY));
    if (stored) return stored;
  } catch {
    // storage off
  }
  return Math.min(560, Math.max(380, Math.round(window.innerWidth * 0.34)));
}

/** The width clamped to its limits, remembered. */
export function keepSideWidth(width: number): number {
  const kept = Math.round(Math.min(sideMax(), Math.max(SIDE_MIN, width)));
  try {
    localStorage.setItem(KEY, String(kept));
  } catch {
    // storage off: the width lasts this session
  }
  return kept;
}
