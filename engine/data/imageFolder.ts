/**
 * Loads an image-folder dataset with only a validation fraction and a seed:
 * the shape the first trainer and its tests use. Everything else (CSV and
 * IDX sources, test fractions, preprocessing, augmentation, the memory
 * budget) is loadDataset's, in dataset.ts.
 */
import { defaultDataSource, type ImageFolderSource } from '../project/schema.js';
import { loadDataset, type LoadDatasetOptions, type LoadedDataset } from './dataset.js';
import type { ImageInputShape, ValidationSource } from './types.js';

export interface ImageFolderOptions {
  path: string;
  /** Fraction of each class held out for validation when there is no val/ folder. */
  validationSplit: number;
  seed: number;
}

export type LoadOptions = LoadDatasetOptions;

export interface LoadedImageDataset extends LoadedDataset {
  /** Where validation came from: the val/ folder, held out of train, or nowhere (split 0). */
  validationFrom: ValidationSource;
}

export async function loadImageDataset(source: ImageFolderOptions, input: ImageInputShape, options: LoadOptions = {}): Promise<LoadedImageDataset> {
  const full: ImageFolderSource = { ...(defaultDataSource() as ImageFolderSource), ...source, kind: 'image-folder' };
  const dataset = await loadDataset(full, source.path, input, options);
  const validationFrom: ValidationSource =
    dataset.origin.validation === 'given' ? 'val-folder' : dataset.origin.validation === 'held-out' ? 'held-out-from-train' : 'none';
  return { ...dataset, validationFrom };
}
