/**
 * Learning-rate schedules, evaluated once per epoch. All but reduce-on-plateau
 * are pure functions of the epoch; reduce-on-plateau remembers the rate it
 * reached and lowers it when the monitored metric stops improving.
 */
import type { ScheduleSettings } from '../project/schema.js';
import { ImprovementMonitor } from './monitor.js';

export class LearningRateSchedule {
  private plateauRate: number;
  private readonly plateau: ImprovementMonitor | null;

  constructor(
    private readonly settings: ScheduleSettings,
    private readonly baseRate: number,
    private readonly totalEpochs: number,
  ) {
    this.plateauRate = baseRate;
    this.plateau = settings.type === 'reduce-on-plateau' ? new ImprovementMonitor(settings.monitor) : null;
  }

  /** The rate for a 1-based epoch. */
  rateForEpoch(epoch: number): number {
    const s = this.settings;
    const e = epoch - 1;
    switch (s.type) {
      case 'constant':
        return this.baseRate;
      case 'step':
        return this.baseRate * Math.pow(s.gamma, Math.floor(e / s.stepSize));
      case 'exponential':
        return this.baseRate * Math.pow(s.gamma, e);
      case 'cosine': {
        const progress = this.totalEpochs <= 1 ? 0 : e / (this.totalEpochs - 1);
        return s.minLearningRate + 0.5 * (this.baseRate - s.minLearningRate) * (1 + Math.cos(Math.PI * progress));
      }
      case 'reduce-on-plateau':
        return this.plateauRate;
    }
  }

  /** Tells reduce-on-plateau how an epoch went; other schedules ignore it. */
  observe(metrics: { valLoss: number | null; valAccuracy: number | null; loss: number }, epoch: number): void {
    const s = this.settings;
    if (s.type !== 'reduce-on-plateau' || !this.plateau) return;
    const value = s.monitor === 'valLoss' ? (metrics.valLoss ?? metrics.loss) : metrics.valAccuracy;
    if (value === null) return;
    this.plateau.update(value, epoch);
    // As Keras: act once `patience` epochs in a row brought no improvement.
    if (this.plateau.epochsWithoutImprovement >= s.patience) {
      this.plateauRate = Math.max(s.minLearningRate, this.plateauRate * s.factor);
      this.plateau.epochsWithoutImprovement = 0;
    }
  }
}
