/**
 * One training run: the epoch and batch loop over an already-built model and
 * an already-loaded dataset, streaming events as it goes. It owns the run's
 * control (pause, resume, stop), its checkpoints, early stopping, the
 * learning-rate schedule and the NaN guard. Everything it needs is handed in,
 * so the same loop serves the CLI, the window and the tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { join } from 'node:path';
import { StudioError, describeError } from '../errors.js';
import { describeOutOfMemory, isOutOfMemory } from '../util/outOfMemory.js';
import type { TrainingSettings } from '../project/schema.js';
import type { BackendName, EngineEvent, FinishedEvent, BatchEvent, GpuAdapterInfo } from '../protocol.js';
import { batchTensors, shuffledOrder } from '../data/batches.js';
import type { ImageDataset } from '../data/types.js';
import { evaluateSplit, labelsForLoss, type SplitMetrics } from './evaluateSplit.js';
import { ImprovementMonitor } from './monitor.js';
import { LearningRateSchedule } from './schedule.js';
import { createOptimizer, setLearningRate } from './optimizers.js';
import { saveModelFolder, type ModelMetadata } from '../model/modelFiles.js';
import { RunLog } from './runLog.js';
import { DEFAULT_GRADIENT_HEALTH_EVERY, GradientHealth } from './gradientHealth.js';
import { gpuFaultError } from './gpuFault.js';
import { phaseTwoSchedule, type FineTunePlan } from './transferPhases.js';
import type { ReplicaPool } from './parallel/replicaPool.js';

/** Batch events are throttled to about this many a second. */
const BATCH_EVENTS_PER_SECOND = 20;

export interface TrainingRunOptions {
  runId: string;
  runDir: string;
  model: tfl.LayersModel;
  /** The optimizer the model was compiled with (schedules change its rate). */
  optimizer: tf.Optimizer;
  dataset: ImageDataset;
  settings: TrainingSettings;
  backend: { name: BackendName; device: 'GPU' | 'CPU'; adapter?: GpuAdapterInfo };
  /** Stored with every saved model (class names, input shape, preprocessing). */
  modelMetadata: ModelMetadata;
  /** Fine-tuning: what started from trained weights, told in the run-started event. */
  initialWeights?: { source: string; loaded: string[]; fresh: string[] } | null;
  emit: (event: EngineEvent) => void;
  /**
   * Phase 2 of transfer learning (transferPhases.ts): when phase 1 ends
   * (its epochs done, or early stopping), these layers become trainable and
   * the model is compiled again with a fresh optimizer for `epochs` more
   * epochs, on the schedule restarted × the factor. Layers built frozen keep
   * BatchNormalization in inference mode (build.ts), as Keras' recipe wants.
   */
  fineTune?: FineTunePlan;
  /** threads > 1 on wasm/cpu: the worker replicas that share every batch (parallel/replicaPool.ts); the run closes them. */
  replicas?: ReplicaPool | null;
}

interface EpochResult {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

export class TrainingRun {
  /** The optimizer in use; phase 2 of transfer learning replaces it. */
  private optimizer: tf.Optimizer;
  private pauseRequested = false;
  private stopRequested = false;
  private resumeWaiter: (() => void) | null = null;
  private lastCheckpoint: string | undefined;
  private readonly log: RunLog;

  constructor(private readonly o: TrainingRunOptions) {
    this.log = new RunLog(o.runDir);
    this.optimizer = o.optimizer;
  }

  get paused(): boolean {
    return this.pauseRequested;
  }

  /** Takes effect between two batches; the optimizer's state is kept. */
  pause(): void {
    this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.resumeWaiter?.();
    this.resumeWaiter = null;
  }

  /** Ends the run after the current batch; the model so far is saved. */
  stop(): void {
    this.stopRequested = true;
    this.resume();
  }

  /** Frees the model's and the optimizer's tensors; the run is over. */
  dispose(): void {
    void this.o.replicas?.close();
    this.o.model.dispose();
    this.optimizer.dispose();
  }

  /**
   * Runs to the end. Never throws: a failure becomes an `error` event (and
   * the returned promise resolves to null), so a caller cannot lose it.
   */
  async run(): Promise<FinishedEvent | null> {
    // Gradient clipping and the gradient-health checks hook the optimizer for the run's length.
    const health = new GradientHealth({
      runId: this.o.runId,
      runDir: this.o.runDir,
      model: this.o.model,
      optimizer: this.o.optimizer,
      everyBatches: this.o.settings.gradientHealthEvery ?? DEFAULT_GRADIENT_HEALTH_EVERY,
      clipNorm: this.o.settings.optimizer.clipNorm,
      emit: this.o.emit,
    });
    try {
      return await this.train(health);
    } catch (e) {
      // An allocation that failed anyway is the machine's limit, said with the model's size.
      // A StudioError already says what happened (a GPU's own out-of-memory names its device); only raw errors are read here.
      const info = !(e instanceof StudioError) && isOutOfMemory(e)
        ? describeOutOfMemory(e, `while training ${this.o.model.countParams().toLocaleString('en-US')} parameters at batch size ${this.o.settings.batchSize}`)
        : describeError(e);
      const event: EngineEvent = {
        type: 'error',
        runId: this.o.runId,
        ...info,
        ...(this.lastCheckpoint ? { lastCheckpoint: this.lastCheckpoint } : {}),
      };
      await this.log.append(event).catch(() => undefined);
      this.o.emit(event);
      return null;
    } finally {
      health.detach();
      // No worker thread outlives its run: finished, stopped or failed.
      await this.o.replicas?.close();
    }
  }

  private emit(event: EngineEvent): void {
    this.o.emit(event);
  }

  private async train(health: GradientHealth): Promise<FinishedEvent> {
    const { model, dataset, settings, runId, runDir, fineTune } = this.o;
    const { train, validation, test, classNames } = dataset;
    const phaseOneEpochs = settings.epochs;
    // Early stopping in phase 1 brings phase 2 forward, and the total with it.
    let totalEpochs = phaseOneEpochs + (fineTune?.epochs ?? 0);
    /** The first epoch of phase 2 once phase 1 has ended; null while in phase 1 (or without one). */
    let phaseTwoFrom: number | null = null;
    const batchSize = Math.min(settings.batchSize, train.count);
    const batchesPerEpoch = Math.ceil(train.count / batchSize);
    let schedule = new LearningRateSchedule(settings.schedule, settings.optimizer.learningRate, settings.epochs);
    const es = settings.earlyStopping;
    // Without a validation split the run can only watch the training loss.
    const monitorMetric = validation.count > 0 ? es.monitor : 'valLoss';
    let monitor = new ImprovementMonitor(monitorMetric, es.minDelta);
    let bestWeights: tf.Tensor[] | null = null;
    let bestResult: EpochResult | null = null;
    let lastResult: EpochResult | null = null;
    let status: FinishedEvent['status'] = 'completed';

    const started = {
      type: 'run-started' as const,
      runId,
      runDir,
      backend: this.o.backend.name,
      device: this.o.backend.device,
      ...(this.o.backend.adapter ? { adapter: this.o.backend.adapter } : {}),
      params: model.countParams(),
      trainableParams: model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0),
      dataset: { classes: classNames, train: train.count, validation: validation.count, test: test.count },
      epochs: totalEpochs,
      ...(fineTune ? { fineTuneFromEpoch: phaseOneEpochs + 1 } : {}),
      batchSize,
      batchesPerEpoch,
      threads: this.o.replicas?.threads ?? 1,
      ...(dataset.loading ? { dataLoading: dataset.loading } : {}),
      ...(this.o.initialWeights ? { initialWeights: this.o.initialWeights } : {}),
    };
    await this.log.append(started);
    this.emit(started);

    const pace = new Pace(totalEpochs, batchesPerEpoch);
    let lastBatchEventAt = 0;

    // Kept best weights are freed on every way out, an error included.
    try {
      epochs: for (let epoch = 1; epoch <= totalEpochs; epoch++) {
        const epochStart = performance.now();
        // Each phase asks its own schedule with its own 1-based epoch.
        const learningRate = schedule.rateForEpoch(epoch - (phaseTwoFrom ?? 1) + 1);
        setLearningRate(this.optimizer, learningRate);
        const order = shuffledOrder(train.count, settings.seed, epoch);
        let lossSum = 0;
        let accuracySum = 0;
        let seen = 0;

        for (let b = 0; b < batchesPerEpoch; b++) {
          // Between batches: let commands arrive, then honour pause and stop.
          await new Promise((resolve) => setImmediate(resolve));
          if (this.pauseRequested) await this.waitWhilePaused(epoch, b + 1);
          if (this.stopRequested) {
            status = 'stopped';
            break epochs;
          }
          const batchStart = performance.now();
          const start = b * batchSize;
          const end = Math.min(train.count, start + batchSize);
          const { x, y } = await batchTensors(train, order, start, end, { epoch });
          const target = labelsForLoss(y, settings.loss);
          let values: number | number[];
          try {
            values = this.o.replicas ? await this.o.replicas.step(this.optimizer, x, target) : await model.trainOnBatch(x, target);
            await health.afterStep(x, epoch, b + 1);
          } catch (e) {
            // A GPU that ran out of memory makes the step fail in some other way; the device's report says why.
            throw this.gpuFault(epoch, b + 1, batchSize, e) ?? e;
          } finally {
            tf.dispose([x, y, target]);
          }
          const fault = this.gpuFault(epoch, b + 1, batchSize);
          if (fault) throw fault;
          const [loss, accuracy] = values as number[];
          if (!Number.isFinite(loss)) throw this.divergedError(epoch, b + 1, loss, learningRate);
          const n = end - start;
          lossSum += loss * n;
          accuracySum += accuracy * n;
          seen += n;
          pace.batchDone(n, performance.now() - batchStart);

          const now = performance.now();
          const lastOfEpoch = b === batchesPerEpoch - 1;
          if (lastOfEpoch || now - lastBatchEventAt >= 1000 / BATCH_EVENTS_PER_SECOND) {
            lastBatchEventAt = now;
            const memory = tf.memory();
            const event: BatchEvent = {
              type: 'batch',
              runId,
              epoch,
              batch: b + 1,
              batchesPerEpoch,
              loss: lossSum / seen,
              accuracy: accuracySum / seen,
              samplesPerSecond: pace.samplesPerSecond(),
              etaSeconds: pace.etaSeconds(),
              tensors: memory.numTensors,
              memoryBytes: memory.numBytes,
            };
            this.emit(event);
          }
        }

        const validationStart = performance.now();
        const val: SplitMetrics | null = await evaluateSplit(model, validation, batchSize, settings.loss);
        pace.validationDone(performance.now() - validationStart);
        const result: EpochResult = {
          epoch,
          loss: lossSum / seen,
          accuracy: accuracySum / seen,
          valLoss: val?.loss ?? null,
          valAccuracy: val?.accuracy ?? null,
        };
        if (val && !Number.isFinite(val.loss)) throw this.divergedError(epoch, batchesPerEpoch, val.loss, learningRate);
        lastResult = result;
        const epochEvent = {
          type: 'epoch' as const,
          runId,
          ...result,
          learningRate,
          seconds: (performance.now() - epochStart) / 1000,
          tensors: tf.memory().numTensors,
          ...(this.o.replicas ? { replicaTensors: this.o.replicas.replicaTensors } : {}),
        };
        await this.log.append(epochEvent);
        this.emit(epochEvent);

        const monitored = monitorMetric === 'valAccuracy' ? result.valAccuracy! : (result.valLoss ?? result.loss);
        const improved = monitor.update(monitored, epoch);
        if (improved) {
          bestResult = result;
          if (es.enabled && es.restoreBestWeights) {
            tf.dispose(bestWeights ?? []);
            bestWeights = model.getWeights().map((w) => tf.clone(w));
          }
        }
        const checkpoint = join(runDir, 'checkpoints', `epoch-${String(epoch).padStart(3, '0')}`);
        await saveModelFolder(model, checkpoint, { ...this.o.modelMetadata, ...result });
        this.lastCheckpoint = checkpoint;
        this.emit({ type: 'checkpoint', runId, epoch, path: checkpoint, best: improved });

        schedule.observe(result, epoch);
        // As Keras' EarlyStopping: stop once `patience` epochs in a row brought no improvement.
        const stopEarly = es.enabled && monitor.epochsWithoutImprovement >= Math.max(1, es.patience);
        if (fineTune && phaseTwoFrom === null && (stopEarly || epoch === phaseOneEpochs)) {
          // Phase 1 is over: phase 2 starts from its best weights (when kept), with everything that judges a phase afresh.
          const restoredEpoch = bestWeights ? monitor.bestEpoch : null;
          if (bestWeights) model.setWeights(bestWeights);
          tf.dispose(bestWeights ?? []);
          bestWeights = null;
          bestResult = null;
          phaseTwoFrom = epoch + 1;
          totalEpochs = epoch + fineTune.epochs;
          pace.setEpochs(totalEpochs);
          schedule = phaseTwoSchedule(settings.schedule, settings.optimizer.learningRate, fineTune);
          monitor = new ImprovementMonitor(monitorMetric, es.minDelta);
          this.startFineTuning(fineTune, schedule.rateForEpoch(1), health);
          const event = {
            type: 'fine-tuning' as const,
            runId,
            epoch: phaseTwoFrom,
            epochs: totalEpochs,
            phaseOneEnded: stopEarly ? ('early-stopped' as const) : ('epochs-done' as const),
            restoredEpoch,
            learningRate: schedule.rateForEpoch(1),
            layers: fineTune.layerNames.length,
            trainableParams: model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0),
          };
          await this.log.append(event);
          this.emit(event);
          continue;
        }
        if (stopEarly) {
          status = 'early-stopped';
          break;
        }
      }
    } catch (e) {
      tf.dispose(bestWeights ?? []);
      throw e;
    }

    let finalResult = lastResult;
    if (bestWeights && bestResult && status !== 'stopped') {
      model.setWeights(bestWeights);
      finalResult = bestResult;
    }
    tf.dispose(bestWeights ?? []);
    if (!finalResult) {
      // Stopped before the first epoch ended: measure what the weights are now.
      const val = await evaluateSplit(model, validation, batchSize, settings.loss);
      const tr = await evaluateSplit(model, train, batchSize, settings.loss);
      finalResult = { epoch: 0, loss: tr!.loss, accuracy: tr!.accuracy, valLoss: val?.loss ?? null, valAccuracy: val?.accuracy ?? null };
    }
    const modelPath = join(runDir, 'model');
    await saveModelFolder(model, modelPath, { ...this.o.modelMetadata, ...finalResult });
    const finished: FinishedEvent = {
      type: 'finished',
      runId,
      runDir,
      status,
      epochs: lastResult?.epoch ?? 0,
      bestEpoch: monitor.bestEpoch,
      metrics: { loss: finalResult.loss, accuracy: finalResult.accuracy, valLoss: finalResult.valLoss, valAccuracy: finalResult.valAccuracy },
      modelPath,
    };
    await this.log.append(finished);
    this.emit(finished);
    return finished;
  }

  /** Unfreezes phase 2's layers and compiles again: tfjs collects the trainable weights at compile time. */
  private startFineTuning(fineTune: FineTunePlan, learningRate: number, health: GradientHealth): void {
    const chosen = new Set(fineTune.layerNames);
    for (const layer of this.o.model.layers) if (chosen.has(layer.name)) layer.trainable = true;
    // A fresh optimizer: the old one's moment estimates are indexed by the old list of weights.
    const next = createOptimizer({ ...this.o.settings.optimizer, learningRate });
    fineTune.compile(next);
    health.follow(next);
    this.o.replicas?.resync();
    this.optimizer.dispose();
    this.optimizer = next;
  }

  /**
   * On webgpu, the GPU error the device reported during the step (or the
   * thrown one, when it is an out-of-memory), as the error the run stops with.
   */
  private gpuFault(epoch: number, batch: number, batchSize: number, thrown?: unknown): StudioError | null {
    if (this.o.backend.name !== 'webgpu') return null;
    return gpuFaultError({
      thrown,
      where: `epoch ${epoch}, batch ${batch}`,
      batchSize,
      params: this.o.model.countParams(),
      adapter: this.o.backend.adapter,
      lastCheckpoint: this.lastCheckpoint,
    });
  }
  /** Pace only counts time inside batches, so time spent here never skews samples/s or the ETA. */
  private async waitWhilePaused(epoch: number, batch: number): Promise<void> {
    this.emit({ type: 'paused', runId: this.o.runId, epoch, batch });
    while (this.pauseRequested) await new Promise<void>((resolve) => (this.resumeWaiter = resolve));
    if (!this.stopRequested) this.emit({ type: 'resumed', runId: this.o.runId, epoch, batch });
  }

  private divergedError(epoch: number, batch: number, loss: number, learningRate: number): StudioError {
    const where = this.lastCheckpoint
      ? `The last good checkpoint is ${this.lastCheckpoint}.`
      : 'No checkpoint was written yet (it diverged in the first epoch).';
    return new StudioError(
      `Training diverged: the loss became ${loss} at epoch ${epoch}, batch ${batch}. ${where}`,
      `Lower the learning rate (it was ${learningRate}), add BatchNormalization, or check the data for broken images.`,
      'non-finite-loss',
    );
  }
}

/** Throughput and time-to-go, with paused time left out. */
class Pace {
  private samples = 0;
  private trainingMs = 0;
  private batches = 0;
  private validations = 0;
  private validationMs = 0;

  constructor(
    private epochs: number,
    private readonly batchesPerEpoch: number,
  ) {}

  /** Phase 1 of transfer learning stopped early: the run is shorter than planned. */
  setEpochs(epochs: number): void {
    this.epochs = epochs;
  }

  batchDone(samples: number, ms: number): void {
    this.samples += samples;
    this.trainingMs += ms;
    this.batches++;
  }

  validationDone(ms: number): void {
    this.validations++;
    this.validationMs += ms;
  }

  samplesPerSecond(): number {
    return this.trainingMs > 0 ? (this.samples * 1000) / this.trainingMs : 0;
  }

  /** Remaining batches at the mean batch time, plus the validations still to come at their mean time. */
  etaSeconds(): number {
    if (this.batches === 0) return 0;
    const remainingBatches = this.epochs * this.batchesPerEpoch - this.batches;
    const remainingValidations = this.epochs - this.validations;
    // Before the first validation has run, guess it costs what a tenth of an epoch does.
    const perValidation = this.validations
      ? this.validationMs / this.validations
      : (this.batchesPerEpoch * this.trainingMs) / this.batches / 10;
    return (remainingBatches * (this.trainingMs / this.batches) + remainingValidations * perValidation) / 1000;
  }
}
