/**
 * The window's size and position, remembered between sessions in a small
 * JSON file in the user-data folder. A saved position is used only when it is
 * still mostly on a connected display (a monitor may have been unplugged).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../engine/util/atomicWrite.js';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 860 };
const MIN_SIZE = { width: 640, height: 480 };

function isRectangle(value: unknown): value is Rectangle {
  const r = value as Partial<Rectangle> | null;
  return typeof r === 'object' && r !== null && [r.x, r.y, r.width, r.height].every((n) => typeof n === 'number' && Number.isFinite(n));
}

function overlapArea(a: Rectangle, b: Rectangle): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * The bounds to open with: the saved ones when at least half of the window
 * lands on one of `displays` (their work areas), else the default size
 * centred by the window system (no x/y).
 */
export function fitBounds(saved: unknown, displays: Rectangle[]): { bounds: Partial<Rectangle> & { width: number; height: number }; maximized: boolean } {
  const state = saved as Partial<WindowState> | null;
  if (!state || !isRectangle(state.bounds)) return { bounds: { ...DEFAULT_SIZE }, maximized: false };
  const bounds = {
    ...state.bounds,
    width: Math.max(MIN_SIZE.width, Math.round(state.bounds.width)),
    height: Math.max(MIN_SIZE.height, Math.round(state.bounds.height)),
  };
  const visible = Math.max(0, ...displays.map((d) => overlapArea(bounds, d)));
  const maximized = state.maximized === true;
  if (visible >= (bounds.width * bounds.height) / 2) return { bounds, maximized };
  return { bounds: { width: Math.min(bounds.width, DEFAULT_SIZE.width), height: Math.min(bounds.height, DEFAULT_SIZE.height) }, maximized };
}

export async function loadWindowState(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    // No file yet, or a damaged one: start from the defaults.
    return null;
  }
}

export async function saveWindowState(path: string, state: WindowState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(state, null, 2) + '\n');
}
