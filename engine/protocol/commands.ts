/**
 * Every command the engine takes, and what each returns.
 */
import type { BackendName, GpuAdapterInfo } from './backend.js';
import type { AugmentationPreview, AugmentationPreviewRequest, DatasetSummary } from './data.js';
import type { ExplainRequest, ExplainResult, FeatureMaps, FeatureMapsRequest, ModelFilters, NodeSummary } from './insight.js';
import type { JobResult } from './job.js';
import type { EvaluationReport, ExportFormat, ExportResult, ImportedProject, PredictResult, SentImage } from './model.js';
import type { DataSource, Graph, ProjectFile, RunRecord } from './project.js';
import type { RunReadback } from './run.js';
import type { LayerTypeInfo, MemoryLimit, ValidationReport } from './validation.js';

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
  /**
   * Cores the run trains on (wasm and cpu backends: data-parallel replicas in
   * worker threads; 1 is the single-thread path). Absent: CONVNET_STUDIO_THREADS,
   * else 1. The CLI passes the machine's cores, the window cores − 1.
   */
  threads?: number;
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
  /** The pretrained base the template starts from (its id in bases.list, which gives its licence and source). */
  base?: string;
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
  /** What training may use (the backend's memory), so the window's own validation warns as the engine's does. */
  memoryLimit?: MemoryLimit;
  /** Logical cores of the engine's machine (the window's threads default is one fewer). */
  cpuCores?: number;
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
