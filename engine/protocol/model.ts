/**
 * Trained models crossing the contract: export results and their sidecar,
 * imported projects, predictions, evaluation reports, and the images the
 * window sends for prediction.
 */
import type { SkippedFile } from './data.js';
import type { ProjectFile } from './project.js';

/** An image file's bytes, base64-encoded (a data: URL is accepted too), with the name it had where it came from. */
export interface SentImage {
  name: string;
  base64: string;
}

/** The largest image model.predict accepts as bytes: a frame holds at most 2 MiB, and base64 takes 4/3 of the bytes. */
export const MAX_SENT_IMAGE_BYTES = 1.25 * 1024 * 1024;

export type ExportFormat = 'tfjs' | 'onnx' | 'keras' | 'pytorch';

export interface ExportCheck {
  format: ExportFormat;
  /** Largest absolute difference from the trained model's outputs on the check images; null when not run. */
  maxDifference: number | null;
  /** Why the check did not run. */
  skipped?: string;
}

export interface ExportResult {
  outDir: string;
  formats: ExportFormat[];
  /** Written files, relative to outDir. */
  files: string[];
  /** Size in bytes of each written file, in the order of `files`. */
  sizes: number[];
  sidecar: ModelSidecar;
  checks: ExportCheck[];
  /** Layers a verified consumer of a format cannot run as exported, or computes differently, each naming layer and consumer. */
  warnings: string[];
}

export interface ModelSidecar {
  format: 'convnet-studio.labels';
  version: 1;
  /** Output index i is classNames[i]. */
  classNames: string[];
  /** False when the model carried no class names and they were numbered. */
  classNamesKnown: boolean;
  input: { height: number; width: number; channels: number; shape: number[] };
  /** As the trainer wrote it into the model's metadata (resize mode, channels, normalisation…), or null when the model has none. */
  preprocessing: unknown;
  /** What the last layer gives: probabilities (softmax or sigmoid) or raw scores. */
  output: 'probabilities' | 'scores';
  /** The input layout each exported format expects. */
  layouts: Partial<Record<ExportFormat, string>>;
  onnx?: { input: string; output: string; opset: number; inputLayout: 'NHWC' };
  project?: string;
  runId?: string;
  exportedBy: string;
  exportedAt: string;
}

export interface ImportedProject {
  project: ProjectFile;
  /** The model folder to pass as train.start's options.initialWeights. */
  initialWeights: string;
  /** The imported model's class names, when it recorded them. */
  classNames: string[] | null;
}

export interface ClassProbability {
  index: number;
  className: string;
  probability: number;
}

export interface ImagePrediction {
  image: string;
  top: ClassProbability[];
}

export interface PredictResult {
  modelDir: string;
  classNames: string[];
  labelsFrom: string;
  /** True when the model recorded no preprocessing and stretched [0, 1] images were assumed. */
  preprocessingAssumed: boolean;
  predictions: ImagePrediction[];
  /**
   * Images that could not be read or decoded, each with why; the others are
   * still predicted. (When none can be, the command fails with the first one's error.)
   */
  failures: { image: string; message: string; hint: string; code: string }[];
}

export interface Mistake {
  path: string;
  trueClass: string;
  predictedClass: string;
  /** Probability of the (wrong) predicted class. */
  confidence: number;
  /** Probability the model gave the true class. */
  trueProbability: number;
  /** A PNG data URL, at most 64×64. */
  thumbnail: string;
}

/** One evaluated image: its true and predicted class (indexes into classNames) and the predicted class's probability. */
export interface ImageResult {
  path: string;
  trueClass: number;
  predicted: number;
  confidence: number;
}

export interface EvaluationReport extends ClassificationMetrics {
  modelDir: string;
  dataPath: string;
  /** Which images were evaluated: every image of a class-folder dataset, or the test/val/train split folder. */
  split: 'all' | 'test' | 'val' | 'train';
  classNames: string[];
  worst: Mistake[];
  /** Every evaluated image, in folder order (the window pages through them; thumbnails come per page from images.thumbnails). */
  results: ImageResult[];
  skipped: SkippedFile[];
}

/** Confusion matrix and per-class precision, recall and F1 from true and predicted class indices. */

export interface ClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  /** Images whose true class this is. */
  support: number;
}

export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  /** confusion[true][predicted]: how many images of class `true` were predicted as `predicted`. */
  confusion: number[][];
  perClass: ClassMetrics[];
  /** Unweighted means over the classes that occur (as scikit-learn's macro average). */
  macro: { precision: number; recall: number; f1: number };
}
