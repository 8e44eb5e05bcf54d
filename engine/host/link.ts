/**
 * What travels between a host (the Electron main process, the web host) and
 * the engine process it supervises. Every frame is passed on exactly as the
 * window sent it (JSON text, or whatever else arrived), so the engine's one
 * validation module sees it first; the host only tags it with the window
 * connection it came from, so a response goes back to its sender and events
 * go to every window.
 */

/** Host → engine: one frame from one window connection. */
export interface ToEngine {
  client: number;
  frame: unknown;
}

/** Engine → host: a response for one connection, or an event for all (`client: null`). */
export interface FromEngine {
  client: number | null;
  text: string;
}

/** Both ends of a link, whatever carries it (Node IPC, a MessagePort, a worker's port). */
export interface Link<In, Out> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}

export function isToEngine(value: unknown): value is ToEngine {
  const v = value as Partial<ToEngine> | null;
  return typeof v === 'object' && v !== null && Number.isSafeInteger(v.client) && 'frame' in v;
}

export function isFromEngine(value: unknown): value is FromEngine {
  const v = value as Partial<FromEngine> | null;
  return typeof v === 'object' && v !== null && (v.client === null || Number.isSafeInteger(v.client)) && typeof v.text === 'string';
}
