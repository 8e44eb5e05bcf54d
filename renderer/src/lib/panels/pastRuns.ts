/**
 * Runs recorded in the project by earlier sessions (or by the CLI), drawn on
 * the Train panel's charts from their folder's metrics log (run.read). Only
 * epoch-end values exist there, so a past run's curves are per epoch.
 */
import type { RunRecord } from '../../../../engine/protocol.js';
import type { ResultOf } from '../../../../engine/protocol.js';
import type { Point } from './series.js';

export interface PastCurves {
  loss: Point[];
  accuracy: Point[];
  valLoss: Point[];
  valAccuracy: Point[];
  learningRate: Point[];
}

export type PastOverlay =
  | { state: 'loading' }
  | { state: 'ready'; curves: PastCurves; skippedLines: number }
  | { state: 'failed'; message: string; hint: string };

export function curvesOfReadback(read: ResultOf<'run.read'>): PastCurves {
  const curves: PastCurves = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], learningRate: [] };
  for (const e of read.epochs) {
    curves.loss.push({ x: e.epoch, y: e.loss });
    curves.accuracy.push({ x: e.epoch, y: e.accuracy });
    if (typeof e.valLoss === 'number') curves.valLoss.push({ x: e.epoch, y: e.valLoss });
    if (typeof e.valAccuracy === 'number') curves.valAccuracy.push({ x: e.epoch, y: e.valAccuracy });
    if (typeof e.learningRate === 'number') curves.learningRate.push({ x: e.epoch - 1, y: e.learningRate }, { x: e.epoch, y: e.learningRate });
  }
  return curves;
}

/** "Earlier · 25 Nov, 09:20": the legend and list name of a recorded run. */
export function pastRunLabel(record: RunRecord): string {
  const when = new Date(record.startedAt);
  return Number.isNaN(when.getTime())
    ? `Earlier · ${record.id}`
    : `Earlier · ${when.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}`;
}
