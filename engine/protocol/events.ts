/**
 * What the engine reports on its own, without being asked: training progress,
 * epochs, checkpoints, gradient health, warnings.
 */
import type { BackendName, GpuAdapterInfo } from './backend.js';
import type { DataLoadingInfo } from './data.js';

export interface DatasetSizes {
  classes: string[];
  train: number;
  validation: number;
  test: number;
}

/**
 * Work before the first batch (decoding the images, fetching a pretrained
 * base, building the model). For downloading-base, done and total count
 * bytes (total 0 when the server does not say) and `file` names the file.
 */
export interface ProgressEvent {
  type: 'progress';
  runId: string;
  stage: 'loading-data' | 'downloading-base' | 'building-model';
  done: number;
  total: number;
  file?: string;
}

export interface RunStartedEvent {
  type: 'run-started';
  runId: string;
  runDir: string;
  backend: BackendName;
  device: 'GPU' | 'CPU';
  /** webgpu: the adapter it trains on (the window's badge names it). */
  adapter?: GpuAdapterInfo;
  params: number;
  trainableParams: number;
  dataset: DatasetSizes;
  /**
   * All epochs of the run as planned, the fine-tuning phase of transfer
   * learning included (early stopping in phase 1 brings phase 2 forward: the
   * `fine-tuning` event then gives the new total).
   */
  epochs: number;
  /** Transfer learning: the planned first epoch of phase 2 (the base's top blocks unfrozen at a lower rate). */
  fineTuneFromEpoch?: number;
  batchSize: number;
  batchesPerEpoch: number;
  /** Whether the decoded images are held in memory or streamed from disk (past the memory budget). */
  dataLoading?: DataLoadingInfo;
  /** Fine-tuning: which nodes started from the given model's weights, and which started fresh (no layer of that name and shape). */
  initialWeights?: { source: string; loaded: string[]; fresh: string[] };
  /**
   * Threads the run trains on: 1, or the data-parallel replicas (the engine's
   * thread plus workers) on wasm/cpu; GPU backends always say 1. Absent from engines older than it.
   */
  threads?: number;
}

export interface BatchEvent {
  type: 'batch';
  runId: string;
  /** 1-based. */
  epoch: number;
  /** 1-based, within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
  /** Seconds until the whole run ends, at the current pace. */
  etaSeconds: number;
  /** Live tensors in the backend: flat from epoch to epoch in a healthy run. */
  tensors: number;
  /** Bytes held by the backend. */
  memoryBytes: number;
}

export interface EpochEvent {
  type: 'epoch';
  runId: string;
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  learningRate: number;
  seconds: number;
  tensors: number;
  /** Live tensors in each worker replica (threads > 1), in worker order: flat from epoch to epoch too. */
  replicaTensors?: number[];
}

/**
 * Transfer learning: phase 1 (the head on the frozen base) ended, after its
 * epochs or stopped early, and phase 2 begins at `epoch`: the top blocks
 * train too, with the schedule restarted at the lower rate.
 */
export interface FineTuningEvent {
  type: 'fine-tuning';
  runId: string;
  /** The first epoch of phase 2. */
  epoch: number;
  /** The run's epochs now (phase 1's as run, plus phase 2's). */
  epochs: number;
  /** Why phase 1 ended: its epochs were done, or early stopping. */
  phaseOneEnded: 'epochs-done' | 'early-stopped';
  /** Phase 1's best epoch, whose weights phase 2 starts from when restoreBestWeights is set (else null). */
  restoredEpoch: number | null;
  learningRate: number;
  /** Layers unfrozen, and the trainable parameters now. */
  layers: number;
  trainableParams: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  runId: string;
  epoch: number;
  path: string;
  best: boolean;
}

export interface PausedEvent {
  type: 'paused' | 'resumed';
  runId: string;
  epoch: number;
  batch: number;
}

export interface FinishedEvent {
  type: 'finished';
  runId: string;
  runDir: string;
  status: 'completed' | 'early-stopped' | 'stopped';
  epochs: number;
  bestEpoch: number | null;
  /** Metrics of the weights the run ended with (the best epoch's when they were restored). */
  metrics: { loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null };
  /** The saved model folder (model.json + weights.bin). */
  modelPath: string;
}

/**
 * A failure of a run (`runId` set), or of the transport (`runId: null`): a
 * refused frame ('invalid-message', 'unknown-command', 'message-too-large';
 * engine/host/messageValidation.ts), or the engine process dying
 * ('engine-crashed' when it was restarted, 'engine-failed' when it kept dying
 * and is tried again after a back-off, 'engine-unavailable' for a request sent
 * meanwhile; engine/host/engineSupervisor.ts).
 */
export interface RunErrorEvent {
  type: 'error';
  runId: string | null;
  message: string;
  hint: string;
  code: string;
  /** The newest checkpoint written before the failure, when there is one. */
  lastCheckpoint?: string;
}

/**
 * Something a person should know that does not stop the run: e.g. image files
 * that disappeared between the scan and loading ('data-vanished'; past a
 * threshold the run stops with an error of that code instead).
 */
export interface WarningEvent {
  type: 'warning';
  runId: string | null;
  message: string;
  hint: string;
  code: string;
}

/** One node's figures at a gradient-health check (engine/train/gradientHealth.ts). */
export interface LayerHealth {
  node: string;
  /** L2 norm of the step's gradient over the node's trainable weights; null for a node without any (a ReLU Activation). */
  gradientNorm: number | null;
  weightNorm: number | null;
  /** ‖Δw‖ / ‖w‖ of the step: about 1e-3 is healthy; far below, the node barely learns; near 1, it is thrown around. */
  updateRatio: number | null;
  /** For ReLU nodes: the fraction of their outputs that are zero on the batch. */
  zeroFraction: number | null;
}

/** Every N training steps: per trainable node, gradient and weight norms and the update/weight ratio. */
export interface GradientHealthEvent {
  type: 'gradient-health';
  runId: string;
  epoch: number;
  batch: number;
  /** Training steps so far in the run. */
  step: number;
  /** The check interval in steps (training.gradientHealthEvery). */
  everyBatches: number;
  layers: LayerHealth[];
}

/**
 * A gradient-health problem seen during training, once per node and kind, with
 * the node named and the fix. Its own type (not 'warning'), because the window
 * draws it beside the node's health strip rather than as a notice.
 */
export interface TrainingWarningEvent {
  type: 'health-warning';
  runId: string;
  kind: 'vanishing-gradients' | 'exploding-gradients' | 'dead-relu';
  node: string;
  message: string;
  hint: string;
  epoch: number;
  batch: number;
}

export type EngineEvent =
  | ProgressEvent
  | GradientHealthEvent
  | TrainingWarningEvent
  | RunStartedEvent
  | BatchEvent
  | EpochEvent
  | FineTuningEvent
  | CheckpointEvent
  | PausedEvent
  | FinishedEvent
  | RunErrorEvent
  | WarningEvent;

export type EngineEventType = EngineEvent['type'];
