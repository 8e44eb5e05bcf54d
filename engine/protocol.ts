/**
 * The one contract between whoever drives the engine (the window over
 * Electron IPC or a WebSocket, the CLI in-process, the tests) and the engine.
 * Commands go in and get exactly one response each; events come out on their
 * own. Everything here is JSON: tensors never cross, images cross as small
 * thumbnails. The renderer imports these types only.
 */
import type { ProjectFile } from './graph/schema.js';
import type { ValidationReport } from './graph/report.js';
import type { LayerTypeInfo } from './graph/layers/index.js';
import type { Graph } from './graph/schema.js';
import type { ExportFormat } from './export/formats.js';
import type { ExportResult } from './export/exportModel.js';
import type { ImportedProject } from './export/modelCommands.js';
import type { PredictResult } from './evaluate/predict.js';
import type { EvaluationReport } from './evaluate/evaluate.js';
import type { DataLoadingInfo } from './data/types.js';
import type { DataSource } from './graph/schema.js';
import type { DatasetSummary } from './data/summary.js';
import type { AugmentationPreview, AugmentationPreviewRequest } from './data/preview.js';
import type { RunReadback } from './train/readRun.js';
import type { ExplainRequest, ExplainResult, FeatureMapsRequest, NodeSummary } from './insight/explain.js';
import type { FeatureMaps } from './insight/featureMaps.js';
import type { ModelFilters } from './insight/filters.js';
import type { JobResult } from './job/writeJob.js';
import type { RunRecord } from './graph/schema.js';

export const PROTOCOL_VERSION = 1;

/** An image file's bytes, base64-encoded (a data: URL is accepted too), with the name it had where it came from. */
export interface SentImage {
  name: string;
  base64: string;
}

/** The largest image model.predict accepts as bytes: a frame holds at most 2 MiB, and base64 takes 4/3 of the bytes. */
export const MAX_SENT_IMAGE_BYTES = 1.25 * 1024 * 1024;

// ---------------------------------------------------------------- commands

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

/** The WebGPU adapter (the GPU and its driver) the webgpu backend runs on, as the driver names it. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /**
   * A CPU rasteriser posing as a GPU (SwiftShader, lavapipe, a "fallback"
   * adapter): correct but slower than WebAssembly, so 'auto' never picks it.
   */
  software: boolean;
}

export interface TrainOptions {
  /** Image folder; overrides the project's data path. */
  dataPath?: string;
  epochs?: number;
  batchSize?: number;
  /** The run folder; by default a new one under `runs/` beside the project file. */
  runDir?: string;
  /**
   * Fine-tuning: a run, model or export folder whose weights the layers start
   * from (matched by layer name and shape); frozen nodes must find theirs.
   */
  initialWeights?: string;
  /**
   * Where pretrained bases are fetched from (a mirror keeping the upstream
   * paths); else CONVNET_STUDIO_BASES_URL, else Google's storage.
   */
  basesUrl?: string;
}

export type Command =
  | { type: 'info' }
  | { type: 'templates.list' }
  /** The pretrained bases the engine can fetch, with licence and source. */
  | { type: 'bases.list' }
  /** Fetches a base into the cache now (or finds it there), e.g. before going offline. */
  | { type: 'bases.fetch'; id: string; basesUrl?: string }
  /** Every layer type with its family, description and parameter specs (the palette and the inspector). */
  | { type: 'layers.catalogue' }
  | { type: 'project.create'; template: string; name?: string }
  | { type: 'project.validate'; project: ProjectFile; classCount?: number }
  | { type: 'project.open'; path: string }
  /** The shipped sample project as an unsaved copy, its data path made absolute. */
  | { type: 'project.sample' }
  /**
   * Writes the project file. `overwrite`: true replaces whatever file is at
   * path (the person confirmed); left out, only a project file is replaced;
   * false (Save As somewhere new) replaces nothing. A refusal is `file-exists`.
   */
  | { type: 'project.save'; path: string; project: ProjectFile; overwrite?: boolean }
  | { type: 'train.start'; project: ProjectFile; projectPath?: string; options?: TrainOptions }
  /** Writes a trained model (run, model or export folder) as tfjs/onnx/keras/pytorch folders with labels.json under outDir. */
  | { type: 'model.export'; source: string; formats: ExportFormat[]; outDir: string }
  /**
   * The top classes of each image, with probabilities. `imageData` carries
   * images that have no path the engine can read (a file dropped in a
   * browser), as base64 bytes of at most 1.25 MiB each; their predictions
   * follow those of `images` and carry the names they were sent with.
   */
  | { type: 'model.predict'; model: string; images: string[]; imageData?: SentImage[]; topK?: number }
  /** Accuracy, confusion matrix, per-class precision/recall/F1 and the worst mistakes (with thumbnails) on a folder of labelled images. */
  | { type: 'model.evaluate'; model: string; dataPath: string; worst?: number }
  /** Grad-CAM of each image for a class (default: the predicted one) at a node (default: the last spatial one), with overlays. */
  | ({ type: 'model.explain' } & ExplainRequest)
  /** One node's output for one image: per channel a grey image, mean, max and fraction of zeros (first 64 channels unless maxChannels). */
  | ({ type: 'model.featureMaps' } & FeatureMapsRequest)
  /** The first convolution's filters as images and a histogram of every weight array. */
  | { type: 'model.filters'; model: string }
  /** Small PNG thumbnails (data URLs) of image files, at most 60 per request: a page of the Evaluate panel's galleries. */
  | { type: 'images.thumbnails'; paths: string[] }
  /** A TensorFlow.js layers model as a project graph for fine-tuning, optionally frozen up to a node and with a new head. */
  | { type: 'model.import'; path: string; freezeUpTo?: string; classCount?: number; headAfter?: string }
  /** Freezes nodes one by one (nodeIds, frozen) or everything up to a node (upTo); answers the edited graph. */
  | { type: 'graph.freeze'; graph: Graph; nodeIds?: string[]; frozen?: boolean; upTo?: string }
  /** Replaces the classifier head with a new Dense for classCount classes; answers the edited graph. */
  | { type: 'graph.replaceHead'; graph: Graph; classCount: number; after?: string }
  | { type: 'train.pause'; runId: string }
  | { type: 'train.resume'; runId: string }
  | { type: 'train.stop'; runId: string }
  /** A run read back from its folder's metrics.jsonl (the curves of a run from an earlier session). */
  | { type: 'run.read'; runDir: string }
  /** The history record a finished run folder (trained elsewhere, say) would get in the project; the caller adds it. */
  | { type: 'run.record'; project: ProjectFile; projectPath?: string; runDir: string }
  /**
   * The project as a PyTorch training job for torchrun (model.py, train.py, job.json, README) in outDir;
   * dataPath is read for the class names, initialWeights (a run, model or export folder) starts the model.
   */
  | { type: 'job.write'; project: ProjectFile; projectPath?: string; outDir: string; dataPath?: string; initialWeights?: string }
  /** What a data source holds: counts per class and split, sizes, skipped files, warnings, thumbnails. */
  | { type: 'data.summary'; data: DataSource; projectPath?: string; thumbnailsPerClass?: number; verify?: boolean }
  /** N augmented versions of one image, as PNG data URLs. */
  | ({ type: 'data.preview' } & AugmentationPreviewRequest)
  /**
   * Starts a fresh engine process (the window's "Restart engine"). Answered by
   * the host's supervisor; an engine running in-process (the CLI) has nothing
   * to restart and answers `restarted: false`.
   */
  | { type: 'engine.restart' };

export type CommandType = Command['type'];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

export interface FetchedBaseResult {
  id: string;
  /** The local path of the base's first file (model.json or the .h5). */
  path: string;
  files: { file: string; path: string; sha256: string; fromCache: boolean; bytes: number }[];
}

/** A pretrained base the studio can fetch (engine/pretrained/registry.ts), with its licence and source. */
export interface PretrainedBaseInfo {
  id: string;
  title: string;
  architecture: 'mobilenetv2';
  alpha: number;
  rows: number;
  licence: string;
  source: string;
}

export interface TemplateInfo {
  name: string;
  title: string;
  description: string;
}

export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why it cannot be used, when it cannot. */
  reason?: string;
  /** webgpu: the adapter found, whether or not 'auto' would use it. */
  adapter?: GpuAdapterInfo;
}

export interface EngineInfo {
  protocolVersion: number;
  version: string;
  node: string;
  tfjs: string;
  /** The backend in use (after the first selection), and its device. */
  backend: BackendName | null;
  device: 'GPU' | 'CPU' | null;
  backends: BackendStatus[];
  devices: string[];
  /** The machine the engine runs on (its host name), so the window can say where a remote engine is; absent from engines older than it. */
  host?: string;
  /** The adapter the active backend runs on, when it is webgpu. */
  adapter?: GpuAdapterInfo;
}

/** What each command answers. */
export interface CommandResults {
  info: EngineInfo;
  'templates.list': TemplateInfo[];
  'bases.list': PretrainedBaseInfo[];
  'bases.fetch': FetchedBaseResult;
  'layers.catalogue': LayerTypeInfo[];
  'project.create': ProjectFile;
  'project.validate': ValidationReport;
  'project.open': ProjectFile;
  'project.sample': { project: ProjectFile; path: string };
  'project.save': { path: string };
  'train.start': { runId: string; runDir: string };
  'model.export': ExportResult;
  'model.predict': PredictResult;
  'model.evaluate': EvaluationReport;
  'images.thumbnails': { path: string; dataUrl: string | null; error?: string }[];
  'model.import': ImportedProject;
  'model.explain': ExplainResult;
  'model.featureMaps': FeatureMaps;
  'model.filters': ModelFilters & { modelDir: string; nodes: NodeSummary[] };
  'graph.freeze': Graph;
  'graph.replaceHead': Graph;
  'train.pause': { runId: string };
  'train.resume': { runId: string };
  'train.stop': { runId: string };
  'run.read': RunReadback;
  'run.record': RunRecord;
  'job.write': JobResult;
  'data.summary': DatasetSummary;
  'data.preview': AugmentationPreview;
  'engine.restart': { restarted: boolean };
}

export type ResultOf<T extends CommandType> = CommandResults[T];

export interface ErrorInfo {
  message: string;
  hint: string;
  code: string;
}

/** A command on the wire, with the id its response will carry. */
export interface RequestMessage {
  kind: 'request';
  id: number;
  command: Command;
}

export type ResponseMessage =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorInfo };

export interface EventMessage {
  kind: 'event';
  event: EngineEvent;
}

export type EngineMessage = ResponseMessage | EventMessage;

// ------------------------------------------------------------------ events

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
  /** All epochs of the run, the fine-tuning phase of transfer learning included. */
  epochs: number;
  /** Transfer learning: the first epoch of phase 2 (the base's top blocks unfrozen at a lower rate). */
  fineTuneFromEpoch?: number;
  batchSize: number;
  batchesPerEpoch: number;
  /** Whether the decoded images are held in memory or streamed from disk (past the memory budget). */
  dataLoading?: DataLoadingInfo;
  /** Fine-tuning: which nodes started from the given model's weights, and which started fresh (no layer of that name and shape). */
  initialWeights?: { source: string; loaded: string[]; fresh: string[] };
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
  | CheckpointEvent
  | PausedEvent
  | FinishedEvent
  | RunErrorEvent
  | WarningEvent;

export type EngineEventType = EngineEvent['type'];
