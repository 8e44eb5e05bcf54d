/**
 * The shapes the data module hands to the rest of the engine. Decoded pixels
 * stay uint8 (a quarter of float32's memory) until a batch is built; see
 * batches.ts for the step to float32 in [0, 1].
 */

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

/** One split of decoded images, kept as uint8 in NHWC order. */
export interface ImageSplit {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** count × height × width × channels bytes, image after image, row by row. */
  images: Uint8Array;
  /** Class index of each image, into ImageDataset.classNames. */
  labels: Int32Array;
  /** Path of each image, in the same order (for reports and worst-mistake views). */
  files: string[];
}

export interface ImageDataset {
  classNames: string[];
  train: ImageSplit;
  validation: ImageSplit;
  test: ImageSplit;
  /** Files the scan passed over plus images that failed to decode. */
  skipped: SkippedFile[];
}

/** Where a validation split comes from. */
export type ValidationSource = 'val-folder' | 'held-out-from-train' | 'none';
