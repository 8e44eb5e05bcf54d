/**
 * The project file: graph, data source, training settings and run history, as
 * plain versioned JSON (`*.cnnstudio.json`). Layer types and parameter names
 * follow Keras' own config names (snake_case, as `get_config()` writes them)
 * so a person who knows Keras reads a project file without a manual, and the
 * Keras exporter maps one to one.
 *
 * This module holds only the shape of the file. What each layer type accepts
 * lives in the layer catalogue (graph/layers); checking a graph lives in
 * graph/validate.
 */

export const PROJECT_FORMAT = 'convnet-studio.project';
export const PROJECT_VERSION = 1;

/** A parameter value as it appears in JSON. */
export type ParamValue =
  | number
  | string
  | boolean
  | null
  | number[]
  | { [key: string]: number | string | boolean | null };

export interface GraphNode {
  /** Unique within the graph; stable across edits (edges and problems name it). */
  id: string;
  /** A layer type from the catalogue, e.g. `Conv2D`. */
  type: string;
  /** Keras-named parameters; anything missing takes the catalogue's default. */
  params: Record<string, ParamValue>;
  /** Where the node sits on the canvas. */
  position: { x: number; y: number };
  /** Optional display/layer name; defaults to the id. */
  name?: string;
  /** Fine-tuning: a frozen layer's weights are not trained. */
  frozen?: boolean;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /**
   * The input slot on the target. Merge layers (Add, Concatenate, Multiply)
   * take their inputs in ascending port order, then in edge order; all other
   * layers have one input, port 0.
   */
  targetPort?: number;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Where the images come from. Issue "datasets" extends this union. */
export interface ImageFolderSource {
  kind: 'image-folder';
  /** A folder of class sub-folders, or of train/val/test sub-folders. Relative paths resolve against the project file. */
  path: string | null;
  /** Fraction of each class held out for validation when the folder has no `val` split. */
  validationSplit: number;
  /** Seed of the stratified split and of shuffling. */
  seed: number;
}

export type DataSource = ImageFolderSource;

export type OptimizerSettings =
  | { type: 'sgd'; learningRate: number; momentum: number; nesterov: boolean }
  | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { type: 'rmsprop'; learningRate: number; rho: number; momentum: number; epsilon: number }
  | { type: 'adagrad'; learningRate: number; initialAccumulatorValue: number };

export type ScheduleSettings =
  | { type: 'constant' }
  /** lr · gamma^⌊epoch / stepSize⌋ */
  | { type: 'step'; stepSize: number; gamma: number }
  /** lr · gamma^epoch */
  | { type: 'exponential'; gamma: number }
  /** cosine from lr down to minLearningRate over the run's epochs */
  | { type: 'cosine'; minLearningRate: number }
  /** multiply by factor after `patience` epochs without improvement of the monitored value */
  | { type: 'reduce-on-plateau'; factor: number; patience: number; minLearningRate: number; monitor: MonitoredMetric };

export type MonitoredMetric = 'valLoss' | 'valAccuracy';

export type LossName = 'sparse-categorical-crossentropy' | 'binary-crossentropy';

export interface EarlyStoppingSettings {
  enabled: boolean;
  monitor: MonitoredMetric;
  patience: number;
  minDelta: number;
  /** Put back the weights of the best epoch when the run ends. */
  restoreBestWeights: boolean;
}

export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSettings;
  schedule: ScheduleSettings;
  loss: LossName;
  earlyStopping: EarlyStoppingSettings;
  /** Seed of weight initialisation, shuffling and dropout. */
  seed: number;
}

/** One finished (or failed) run, as the project remembers it. */
export interface RunRecord {
  id: string;
  folder: string;
  startedAt: string;
  status: 'finished' | 'stopped' | 'failed';
  bestEpoch: number | null;
  metrics: Record<string, number>;
}

export interface ProjectFile {
  format: typeof PROJECT_FORMAT;
  version: number;
  name: string;
  graph: Graph;
  data: DataSource;
  training: TrainingSettings;
  runs: RunRecord[];
}

export function defaultTrainingSettings(): TrainingSettings {
  return {
    epochs: 10,
    batchSize: 64,
    optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    schedule: { type: 'constant' },
    loss: 'sparse-categorical-crossentropy',
    earlyStopping: { enabled: false, monitor: 'valLoss', patience: 3, minDelta: 0, restoreBestWeights: true },
    seed: 42,
  };
}

export function defaultDataSource(): DataSource {
  return { kind: 'image-folder', path: null, validationSplit: 0.1, seed: 42 };
}
