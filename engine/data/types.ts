/**
 * The shapes the data module hands to the rest of the engine. Decoded pixels
 * stay uint8 (a quarter of float32's memory) until a batch is built; see
 * batches.ts for the step to float32.
 */
import type { AugmentationSettings, NormalizationMode, ResizeMode } from '../project/schema.js';
import type { SkippedFile, DataLoadingInfo } from '../protocol/index.js';
export type { SkippedFile, ImageInputShape, DataLoadingInfo } from '../protocol/index.js';

/** uint8 → float: value / 255, then (· − mean) / std per channel. */
export interface Normalization {
  mode: NormalizationMode;
  /** Per channel, on the [0, 1] scale: 0 for zero-one, 0.5 for minus-one-one, measured for mean-std. */
  mean: number[];
  /** Per channel, on the [0, 1] scale: 1 for zero-one, 0.5 for minus-one-one, measured for mean-std. */
  std: number[];
}

/** Augmentation of a training split, with the seed its random draws start from. */
export interface SplitAugmentation {
  settings: AugmentationSettings;
  seed: number;
}

/** Reads images of a split that is not held in memory (see streamedImages.ts). */
export interface ImageReader {
  /** Decodes images indices[start…end) into `target`, image after image, and starts reading the next ones. */
  read(indices: Int32Array, start: number, end: number, target: Uint8Array): Promise<void>;
}

interface SplitCommon {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** Class index of each image, into ImageDataset.classNames. */
  labels: Int32Array;
  /** Path of each image, in the same order (for reports and worst-mistake views). */
  files: string[];
  /** How batches turn bytes into floats; [0, 1] when absent. */
  normalization?: Normalization;
  /** Random changes applied to training batches (never to validation or test). */
  augmentation?: SplitAugmentation;
}

/** A split whose decoded images are all in memory, kept as uint8 in NHWC order. */
export interface MemorySplit extends SplitCommon {
  storage?: 'memory';
  /** count × height × width × channels bytes, image after image, row by row. */
  images: Uint8Array;
}

/** A split read from disk batch by batch, with read-ahead. */
export interface StreamedSplit extends SplitCommon {
  storage: 'stream';
  reader: ImageReader;
}

export type ImageSplit = MemorySplit | StreamedSplit;

/** The preprocessing a model was trained with; stored in its metadata so predictions repeat it. */
export interface PreprocessingRecord {
  resize: ResizeMode;
  channels: 1 | 3;
  colour: 'grey' | 'rgb';
  /** How the 0…255 pixel becomes the network's input: (value / 255 − mean) / std per channel. */
  normalization: Normalization;
  alphaBackground: 'black';
}

export interface ImageDataset {
  classNames: string[];
  train: ImageSplit;
  validation: ImageSplit;
  test: ImageSplit;
  /** Files the scan passed over plus images that failed to decode. */
  skipped: SkippedFile[];
  /** How the images are held; absent for datasets built in memory by hand. */
  loading?: DataLoadingInfo;
}

/** Where a validation split comes from. */
export type ValidationSource = 'val-folder' | 'held-out-from-train' | 'none';
