/**
 * The project file's shape (`*.cnnstudio.json`): graph, data source,
 * training settings and run history, as plain versioned JSON. Layer types and
 * parameter names follow Keras' config names. project/schema.ts re-exports these
 * and holds the defaults; what each layer type accepts lives in graph/layers.
 */

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
  /**
   * The pretrained base this node belongs to (a base id from the registry,
   * e.g. `mobilenetv2-0.35-224`): its weights come from that base when a run
   * starts, and the editor shows the group as one collapsible node.
   */
  group?: string;
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

/** How an image becomes the network's input; stored with the model too. */
export type ResizeMode = 'stretch' | 'center-crop' | 'letterbox';

/** zero-one: x/255; minus-one-one: x/127.5 − 1; mean-std: (x/255 − mean) / std per channel, measured on the training split. */
export type NormalizationMode = 'zero-one' | 'minus-one-one' | 'mean-std';

export interface PreprocessingSettings {
  resize: ResizeMode;
  normalization: NormalizationMode;
}

/**
 * Random changes to training images, drawn per image and per batch from the
 * data seed. Every setting at 0 (or false) is off.
 */
export interface AugmentationSettings {
  horizontalFlip: boolean;
  verticalFlip: boolean;
  /** Largest rotation either way, in degrees. */
  rotation: number;
  /** Largest change of scale either way, as a fraction (0.2: 80 %…120 %). */
  zoom: number;
  /** Largest shift either way, as a fraction of the width and height. */
  translation: number;
  /** Smallest side of a random crop (resized back to the input), as a fraction; 0 is off. */
  crop: number;
  /** Largest brightness change either way, on the [0, 1] pixel scale. */
  brightness: number;
  /** Largest contrast change either way, as a fraction. */
  contrast: number;
  /** Largest saturation change either way, as a fraction (RGB inputs only). */
  saturation: number;
  /** Standard deviation of added Gaussian noise, on the [0, 1] pixel scale. */
  noise: number;
  /** Side of a square blacked out at a random place, as a fraction of the image side; 0 is off. */
  cutout: number;
}

export interface DataCacheSettings {
  /**
   * Decoded images (uint8) are kept in memory up to this many MiB; a larger
   * dataset streams from disk. null: a quarter of the machine's memory, at most 4 GiB.
   */
  memoryBudgetMB: number | null;
}

/** Settings every kind of data source shares; filled with defaults when a file leaves them out. */
export interface DataSourceCommon {
  /** Fraction of each class held out for validation when the source has no `val` split. */
  validationSplit: number;
  /** Fraction of each class held out for testing when the source has no `test` split. */
  testSplit?: number;
  /** Seed of the stratified split, of shuffling and of augmentation. */
  seed: number;
  preprocessing?: PreprocessingSettings;
  augmentation?: AugmentationSettings;
  cache?: DataCacheSettings;
}

/** Where the images come from. */
export interface ImageFolderSource extends DataSourceCommon {
  kind: 'image-folder';
  /** A folder of class sub-folders, or of train/val/test sub-folders. Relative paths resolve against the project file. */
  path: string | null;
}

/** A CSV file of `path,label` rows (an optional `split` column: train/val/test); image paths are relative to the CSV file. */
export interface CsvSource extends DataSourceCommon {
  kind: 'csv';
  path: string | null;
}

/**
 * MNIST-style IDX files: `path` is a folder holding train-images-idx3-ubyte,
 * train-labels-idx1-ubyte (and t10k-… for the test split), gzipped or not;
 * or an images file, with `labels` naming its labels file.
 */
export interface IdxSource extends DataSourceCommon {
  kind: 'idx';
  path: string | null;
  labels?: string | null;
  /** Names of labels 0, 1, …; by default the numbers themselves. */
  classNames?: string[] | null;
}

export type DataSource = ImageFolderSource | CsvSource | IdxSource;

export type OptimizerSettings = (
  | { type: 'sgd'; learningRate: number; momentum: number; nesterov: boolean }
  | { type: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { type: 'rmsprop'; learningRate: number; rho: number; momentum: number; epsilon: number }
  | { type: 'adagrad'; learningRate: number; initialAccumulatorValue: number }
) & {
  /** Clip the gradients' global L2 norm to this before each step (as PyTorch's clip_grad_norm_); absent or null: no clipping. */
  clipNorm?: number | null;
};

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

/**
 * Transfer learning from a pretrained base (the mobilenetv2-imagenet
 * template), as Keras' transfer-learning guide does it: phase 1 trains the
 * new head on the frozen base for `epochs`; phase 2 unfreezes the base's top
 * `fineTuneBlocks` blocks for `fineTuneEpochs` more epochs at the learning
 * rate × `fineTuneLearningRateFactor` (10× lower by default). BatchNormalization
 * stays in inference mode in both phases.
 */
export interface TransferSettings {
  /** The classifying Dense node; a run sets its units to the data's class count (the head starts fresh anyway). */
  head: string | null;
  fineTuneBlocks: number;
  /** Phase 2's epochs (0: no phase 2). Early stopping in phase 1 ends phase 1, not the run. */
  fineTuneEpochs: number;
  /** Phase 2 runs the project's schedule again from its start, every rate (minimums too) × this factor. */
  fineTuneLearningRateFactor: number;
  /**
   * Where the pretrained bases are fetched from: a mirror that keeps the
   * upstream paths below it. Null or absent: CONVNET_STUDIO_BASES_URL, else
   * Google's storage. A run's own option (`--bases-url`) comes first.
   */
  basesUrl?: string | null;
}

export interface TrainingSettings {
  /** The training epochs; with transfer settings, those of phase 1 (the head on the frozen base). */
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSettings;
  schedule: ScheduleSettings;
  loss: LossName;
  earlyStopping: EarlyStoppingSettings;
  /** Seed of weight initialisation, shuffling and dropout. */
  seed: number;
  /** Check gradient health every this many steps (0: never); absent: the engine's default (engine/train/gradientHealth.ts). */
  gradientHealthEvery?: number;
  transfer?: TransferSettings;
  /**
   * Fine-tuning: a run, model or export folder whose weights the layers start
   * from (matched by layer name and shape; a relative path is relative to the
   * project file). Kept in the project so every run of it starts there.
   */
  initialWeights?: string | null;
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
  format: 'convnet-studio.project';
  version: number;
  name: string;
  graph: Graph;
  data: DataSource;
  training: TrainingSettings;
  runs: RunRecord[];
}
