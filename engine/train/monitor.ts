/**
 * Tracks whether a monitored metric is still improving. Early stopping and
 * reduce-on-plateau both ask the same question ("how many epochs since the
 * last real improvement?"), so they share this.
 */
import type { MonitoredMetric } from '../project/schema.js';

export class ImprovementMonitor {
  best: number | null = null;
  bestEpoch: number | null = null;
  epochsWithoutImprovement = 0;

  constructor(
    readonly metric: MonitoredMetric,
    private readonly minDelta = 0,
  ) {}

  /** Loss goes down, accuracy goes up. */
  private get lowerIsBetter(): boolean {
    return this.metric === 'valLoss';
  }

  /** Records one epoch's value; returns whether it is a new best. */
  update(value: number, epoch: number): boolean {
    const improved =
      this.best === null ||
      (this.lowerIsBetter ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.epochsWithoutImprovement = 0;
    } else {
      this.epochsWithoutImprovement++;
    }
    return improved;
  }
}
