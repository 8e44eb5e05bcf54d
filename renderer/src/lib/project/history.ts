/**
 * Undo/redo over immutable snapshots. Every edit of the project replaces the
 * whole ProjectFile with a new object that shares the untouched parts, so a
 * step is one reference and undoing is swapping references: nothing is
 * copied, and a 300-node graph costs the same to undo as a 3-node one.
 *
 * Edits that carry the same `coalesce` key within a short time become one
 * step (typing "128" into a field is one edit, not three).
 */

export interface Step<T> {
  state: T;
  /** What the edit that left this state did, e.g. "Add Conv2D". */
  label: string;
}

export interface Timeline<T> {
  past: Step<T>[];
  present: T;
  future: Step<T>[];
  /** The coalesce key and time of the newest edit, when it may absorb the next one. */
  lastKey: string | null;
  lastAt: number;
}

export const HISTORY_LIMIT = 300;
export const COALESCE_MS = 1500;

export function timeline<T>(present: T): Timeline<T> {
  return { past: [], present, future: [], lastKey: null, lastAt: 0 };
}

export function record<T>(t: Timeline<T>, next: T, label: string, coalesce: string | null = null, now = Date.now()): Timeline<T> {
  if (next === t.present) return t;
  if (coalesce !== null && coalesce === t.lastKey && now - t.lastAt < COALESCE_MS && t.past.length > 0) {
    return { ...t, present: next, future: [], lastAt: now };
  }
  const past = [...t.past, { state: t.present, label }];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, present: next, future: [], lastKey: coalesce, lastAt: now };
}

export function undo<T>(t: Timeline<T>): Timeline<T> {
  const step = t.past[t.past.length - 1];
  if (!step) return t;
  return {
    past: t.past.slice(0, -1),
    present: step.state,
    future: [{ state: t.present, label: step.label }, ...t.future],
    lastKey: null,
    lastAt: 0,
  };
}

export function redo<T>(t: Timeline<T>): Timeline<T> {
  const step = t.future[0];
  if (!step) return t;
  return {
    past: [...t.past, { state: t.present, label: step.label }],
    present: step.state,
    future: t.future.slice(1),
    lastKey: null,
    lastAt: 0,
  };
}

export const undoLabel = <T>(t: Timeline<T>): string | null => t.past[t.past.length - 1]?.label ?? null;
export const redoLabel = <T>(t: Timeline<T>): string | null => t.future[0]?.label ?? null;
