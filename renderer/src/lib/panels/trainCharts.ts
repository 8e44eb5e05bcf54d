/**
 * The Train panel's chart lines, as a pure function of the runs shown: runs
 * recorded in the project (per-epoch curves read back from their folders,
 * marked points), runs of this session ticked "Overlay" (their smoothed
 * training curve and validation), then the focused run in full (raw batches
 * faint, smoothed, validation). Each run keeps one colour on every chart;
 * validation is dashed.
 */
import type { PastCurves } from './pastRuns.js';
import type { ChartLine, Point } from './series.js';

/** A run of this session's curves (runs.svelte.ts's RunCurves has these and more). */
export interface LiveCurves {
  loss: readonly Point[];
  lossSmooth: readonly Point[];
  accuracy: readonly Point[];
  accuracySmooth: readonly Point[];
  valLoss: readonly Point[];
  valAccuracy: readonly Point[];
  learningRate: readonly Point[];
}

export interface ChartRun<Curves> {
  /** Its short name in the legend ("Run 2", "Earlier · 25 Nov, 09:20"). */
  name: string;
  colour: string;
  curves: Curves;
}

export interface ChartRuns {
  past: ChartRun<PastCurves>[];
  overlaid: ChartRun<LiveCurves>[];
  focused: ChartRun<LiveCurves> | null;
}

export type ChartMetric = 'loss' | 'accuracy';

export function metricLines(metric: ChartMetric, { past, overlaid, focused }: ChartRuns): ChartLine[] {
  const loss = metric === 'loss';
  const lines: ChartLine[] = [];
  for (const { name, colour, curves } of past) {
    lines.push({ label: `${name} train`, points: loss ? curves.loss : curves.accuracy, colour, markers: true, width: 1.5 });
    lines.push({ label: `${name} val`, points: loss ? curves.valLoss : curves.valAccuracy, colour, dashed: true, markers: true, width: 1.5 });
  }
  for (const { name, colour, curves } of overlaid) {
    lines.push({ label: `${name} train`, points: loss ? curves.lossSmooth : curves.accuracySmooth, colour, width: 1.5 });
    lines.push({ label: `${name} val`, points: loss ? curves.valLoss : curves.valAccuracy, colour, dashed: true, markers: true, width: 1.5 });
  }
  if (focused) {
    const { colour, curves } = focused;
    lines.push({ label: `train ${metric} (batches)`, points: loss ? curves.loss : curves.accuracy, colour, faint: true });
    lines.push({ label: `train ${metric} (smoothed)`, points: loss ? curves.lossSmooth : curves.accuracySmooth, colour, width: 2.5 });
    lines.push({ label: `validation ${metric}`, points: loss ? curves.valLoss : curves.valAccuracy, colour, dashed: true, markers: true, width: 2 });
  }
  return lines;
}

/** The learning rate each run trained with, as steps over its epochs; the focused run drawn widest. */
export function rateLines({ past, overlaid, focused }: ChartRuns): ChartLine[] {
  const line = (run: ChartRun<{ learningRate: readonly Point[] }>, width: number): ChartLine => ({ label: run.name, points: run.curves.learningRate, colour: run.colour, stepped: true, width });
  return [...past.map((run) => line(run, 1.5)), ...overlaid.map((run) => line(run, 1.5)), ...(focused ? [line(focused, 2.5)] : [])];
}
