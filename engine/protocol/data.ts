/**
 * What the engine reports about a dataset: its summary, how it is loaded,
 * the files it skipped, and augmentation previews.
 */
import type { AugmentationSettings, DataSource, ResizeMode } from './project.js';

/** A file or folder the scan or the loader passed over, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** The size every image is decoded to; comes from the graph's input node. */
export interface ImageInputShape {
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Whether the decoded images are held in memory or streamed, and why. */
export interface DataLoadingInfo {
  mode: 'memory' | 'stream';
  /** Bytes the decoded images of every split take as uint8. */
  datasetBytes: number;
  /** The memory budget they were measured against. */
  budgetBytes: number;
}

export type SplitKey = 'train' | 'validation' | 'test';

export interface DuplicateGroup {
  /** SHA-1 of the file's bytes (of the pixels, for IDX images). */
  hash: string;
  files: { path: string; split: SplitKey; className: string }[];
}

export interface ClassThumbnail {
  path: string;
  /** A PNG of at most 48 × 48 pixels as a data: URL. */
  dataUrl: string;
}

export interface DatasetSummary {
  source: { kind: SourceKind; path: string; layout: string };
  classNames: string[];
  /** Readable images, over all splits. */
  total: number;
  /** Images per class (in classNames order) in each split, as training would split them. */
  perClass: Record<SplitKey, number[]>;
  splits: Record<SplitKey, number>;
  /** Splits the source gives (folders, a CSV column, t10k files) or held out of train by the fractions. */
  origin: { validation: SplitOrigin; test: SplitOrigin };
  /** The most common image sizes first (at most 10). */
  sizes: { width: number; height: number; count: number }[];
  distinctSizes: number;
  /** Images per file format, as the file's content says (not its name). */
  formats: Record<string, number>;
  skipped: SkippedFile[];
  /** Identical images in more than one split, or under more than one class. */
  duplicates: DuplicateGroup[];
  warnings: string[];
  /** A few images of each class. */
  thumbnails: Record<string, ClassThumbnail[]>;
  /** Whether every image was decoded (true) or only its header read. */
  verified: boolean;
}

export type SourceKind = DataSource['kind'];

/** Where a split's images came from. */
export type SplitOrigin = 'given' | 'held-out' | 'none';

export interface AugmentationPreviewRequest {
  /** An image file. */
  image: string;
  input: ImageInputShape;
  augmentation?: Partial<AugmentationSettings>;
  resize?: ResizeMode;
  count?: number;
  seed?: number;
}

export interface AugmentationPreview {
  /** The image at the input size, unaugmented, as a PNG data: URL. */
  original: string;
  /** `count` augmented versions, PNG data: URLs at the input size. */
  augmented: string[];
  width: number;
  height: number;
}
