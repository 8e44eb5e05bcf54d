/**
 * The Train panel's chart lines (renderer/src/lib/panels/trainCharts.ts), a
 * pure function of the runs shown: which lines each run gets, in which order,
 * with which points and style. No browser needed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricLines, rateLines, type ChartRuns, type LiveCurves } from '../renderer/src/lib/panels/trainCharts.js';
import type { PastCurves } from '../renderer/src/lib/panels/pastRuns.js';

const p = (x: number, y: number) => ({ x, y });
const live = (seed: number): LiveCurves => ({
  loss: [p(0.5, seed + 1)],
  lossSmooth: [p(0.5, seed + 2)],
  accuracy: [p(0.5, seed + 3)],
  accuracySmooth: [p(0.5, seed + 4)],
  valLoss: [p(1, seed + 5)],
  valAccuracy: [p(1, seed + 6)],
  learningRate: [p(0, seed + 7), p(1, seed + 7)],
});
const past: PastCurves = { loss: [p(1, 0.9)], accuracy: [p(1, 0.4)], valLoss: [p(1, 1.1)], valAccuracy: [p(1, 0.3)], learningRate: [p(0, 0.01), p(1, 0.01)] };

const runs: ChartRuns = {
  past: [{ name: 'Earlier · run-a', colour: 'red', curves: past }],
  overlaid: [{ name: 'Run 1', colour: 'green', curves: live(10) }],
  focused: { name: 'Run 2', colour: 'blue', curves: live(20) },
};

test('loss: past runs, then overlaid runs, then the focused run in full', () => {
  const lines = metricLines('loss', runs);
  assert.deepEqual(
    lines.map((l) => [l.label, l.colour, l.points[0]?.y]),
    [
      ['Earlier · run-a train', 'red', 0.9],
      ['Earlier · run-a val', 'red', 1.1],
      ['Run 1 train', 'green', 12], // an overlaid run: its smoothed curve
      ['Run 1 val', 'green', 15],
      ['train loss (batches)', 'blue', 21],
      ['train loss (smoothed)', 'blue', 22],
      ['validation loss', 'blue', 25],
    ],
  );
  assert.ok(lines.filter((l) => l.label.includes('val')).every((l) => l.dashed && l.markers), 'validation is dashed, with its epochs marked');
  assert.equal(lines.find((l) => l.label === 'train loss (batches)')?.faint, true, 'raw batches are faint behind the smoothed curve');
});

test('accuracy draws the accuracy curves of the same runs', () => {
  const lines = metricLines('accuracy', runs);
  assert.deepEqual(lines.map((l) => l.points[0]?.y), [0.4, 0.3, 14, 16, 23, 24, 26]);
  assert.equal(lines.at(-1)?.label, 'validation accuracy');
});

test('no runs, no lines; a focused run alone has three', () => {
  assert.deepEqual(metricLines('loss', { past: [], overlaid: [], focused: null }), []);
  assert.equal(metricLines('loss', { past: [], overlaid: [], focused: runs.focused }).length, 3);
});

test('learning rate: one stepped line per run, the focused one widest', () => {
  const lines = rateLines(runs);
  assert.deepEqual(lines.map((l) => [l.label, l.width]), [['Earlier · run-a', 1.5], ['Run 1', 1.5], ['Run 2', 2.5]]);
  assert.ok(lines.every((l) => l.stepped));
  assert.deepEqual(lines[2]!.points, [p(0, 27), p(1, 27)]);
});
