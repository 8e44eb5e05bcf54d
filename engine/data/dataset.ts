/**
 * Loads any data source for training: plan the source, split it, decode
 * every image once to the input size (which finds the broken ones, and
 * measures mean/std when asked), then either keep the pixels in memory as
 * uint8 or, past the memory budget, stream them from disk batch by batch.
 * Either way the counts are exact before training starts, and what was
 * skipped is reported with its reason.
 */
import { constants as bufferConstants } from 'node:buffer';
import { totalmem } from 'node:os';
import { StudioError } from '../errors.js';
import {
  defaultAugmentation,
  defaultPreprocessing,
  type AugmentationSettings,
  type DataSource,
  type PreprocessingSettings,
} from '../project/schema.js';
import { checkAugmentation } from './augment.js';
import { DecodePool } from './decodePool.js';
import { decodeItems } from './itemDecode.js';
import { ChannelStatistics, checkNormalizationMode, normalizationFor } from './normalization.js';
import { seedToUint32 } from './random.js';
import { checkTestSplit, checkValidationSplit } from './split.js';
import { assignSplits, planSource, type DatasetItem, type SplitOrigin, type SourceKind } from './source.js';
import { StreamedImages } from './streamedImages.js';
import type {
  DataLoadingInfo,
  ImageDataset,
  ImageInputShape,
  ImageSplit,
  Normalization,
  PreprocessingRecord,
  SkippedFile,
} from './types.js';

export const RESIZE_MODES = ['stretch', 'center-crop', 'letterbox'] as const;

/** Images decoded per step of the loading pass: enough to keep every worker busy. */
const LOAD_CHUNK = 2048;

export interface LoadDatasetOptions {
  /** Called as images are decoded or skipped; `total` counts every image the source lists. */
  onProgress?: (done: number, total: number) => void;
  pool?: DecodePool;
}

export interface LoadedDataset extends ImageDataset {
  kind: SourceKind;
  /** Files the scan listed that were gone (or unreadable as files) when loading reached them. */
  vanished: SkippedFile[];
  /** The folder relative paths are below. */
  root: string;
  layout: string;
  warnings: string[];
  origin: { validation: SplitOrigin; test: SplitOrigin };
  preprocessing: PreprocessingRecord;
  loading: DataLoadingInfo;
  /** Relative path of every image per split, in split order: what the run folder records. */
  relativePaths: { train: string[]; validation: string[]; test: string[] };
}

/** The data source's settings with defaults for what a hand-written file leaves out. */
export function dataSettings(source: DataSource): {
  preprocessing: PreprocessingSettings;
  augmentation: AugmentationSettings;
  testSplit: number;
  memoryBudgetBytes: number;
} {
  const preprocessing = { ...defaultPreprocessing(), ...source.preprocessing };
  if (!(RESIZE_MODES as readonly string[]).includes(preprocessing.resize)) {
    throw new StudioError(
      `The resize mode "${preprocessing.resize}" is not one the studio knows.`,
      `Set data.preprocessing.resize to one of ${RESIZE_MODES.join(', ')}.`,
      'data-bad-resize',
    );
  }
  checkNormalizationMode(preprocessing.normalization);
  const augmentation = { ...defaultAugmentation(), ...source.augmentation };
  checkAugmentation(augmentation);
  const budget = source.cache?.memoryBudgetMB ?? null;
  if (budget !== null && !(Number.isFinite(budget) && budget >= 0)) {
    throw new StudioError(
      `The memory budget ${budget} MiB is not a size.`,
      'Set data.cache.memoryBudgetMB to a number of MiB (e.g. 2048), or null for the automatic budget.',
      'data-bad-budget',
    );
  }
  return { preprocessing, augmentation, testSplit: source.testSplit ?? 0, memoryBudgetBytes: budget === null ? defaultMemoryBudget() : budget * 2 ** 20 };
}

/** More than this share of the listed images gone by the time they load stops the run. */
export const MAX_VANISHED_SHARE = 0.05;

const SPLIT_NAMES = ['training', 'validation', 'test'] as const;

/**
 * Files that disappeared between the scan and their loading (the folder was
 * deleted or moved while the run loaded it). A few are skipped and returned,
 * for a warning; more than MAX_VANISHED_SHARE of the data, or every image of
 * a split that had some, stops the run: training on what is left would
 * quietly be a different experiment.
 */
function checkVanished(root: string, plans: DatasetItem[][], ok: Uint8Array[], failures: SkippedFile[]): SkippedFile[] {
  const vanished = failures.filter((f) => /^cannot be read \((ENOENT|ENOTDIR)\b/.test(f.reason));
  if (vanished.length === 0) return vanished;
  const total = plans.reduce((n, items) => n + items.length, 0);
  const emptied = plans.findIndex((items, s) => items.length > 0 && !ok[s]!.includes(1) && vanished.some((v) => items.some((item) => item.path === v.path)));
  if (vanished.length > total * MAX_VANISHED_SHARE || emptied >= 0) {
    const what = emptied >= 0 ? `every image of the ${SPLIT_NAMES[emptied]} split is among them` : `more than ${MAX_VANISHED_SHARE * 100} % of the data`;
    throw new StudioError(
      `${vanished.length} of the ${total} images listed in "${root}" disappeared while the run loaded them (${what}; e.g. "${vanished[0]!.path}").`,
      'Leave the dataset in place while a run loads it, then start the run again.',
      'data-vanished',
    );
  }
  return vanished;
}

/** A quarter of the machine's memory, at most 4 GiB: room for the model, the backend and the window. */
export function defaultMemoryBudget(): number {
  return Math.min(4 * 2 ** 30, Math.floor(totalmem() / 4));
}

export async function loadDataset(source: DataSource, dataPath: string, input: ImageInputShape, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  checkInputShape(input);
  checkSeed(source.seed);
  const settings = dataSettings(source);
  checkValidationSplit(source.validationSplit);
  checkTestSplit(settings.testSplit, source.validationSplit);
  const pool = options.pool ?? DecodePool.shared();

  const plan = await planSource(source, dataPath);
  const assigned = assignSplits(plan, source.validationSplit, settings.testSplit, source.seed);
  const plans = [assigned.train, assigned.validation, assigned.test];
  const imageBytes = input.height * input.width * input.channels;
  const total = plans.reduce((n, items) => n + items.length, 0);
  const datasetBytes = total * imageBytes;
  const inMemory = datasetBytes <= settings.memoryBudgetBytes && plans.every((items) => items.length * imageBytes <= bufferConstants.MAX_LENGTH);
  const resize = settings.preprocessing.resize;
  const statistics = settings.preprocessing.normalization === 'mean-std' ? new ChannelStatistics(input.channels) : null;

  // One pass over every image: it finds the broken ones (so counts are exact
  // before training), fills the cache, and measures the training split.
  const buffers = plans.map((items) => (inMemory ? new Uint8Array(items.length * imageBytes) : null));
  const ok = plans.map((items) => new Uint8Array(items.length));
  const failures: SkippedFile[] = [];
  let done = 0;
  options.onProgress?.(0, total);
  for (let s = 0; s < plans.length; s++) {
    const items = plans[s]!;
    for (let start = 0; start < items.length; start += LOAD_CHUNK) {
      const chunk = items.slice(start, start + LOAD_CHUNK);
      const target = buffers[s]?.subarray(start * imageBytes, (start + chunk.length) * imageBytes) ?? new Uint8Array(chunk.length * imageBytes);
      const reasons = await decodeItems(chunk, input, resize, target, pool);
      reasons.forEach((reason, k) => {
        if (reason === null) {
          ok[s]![start + k] = 1;
          if (s === 0 && statistics) statistics.add(target.subarray(k * imageBytes, (k + 1) * imageBytes));
        } else {
          failures.push({ path: chunk[k]!.path, reason });
        }
      });
      done += chunk.length;
      options.onProgress?.(done, total);
    }
  }

  const vanished = checkVanished(plan.root, plans, ok, failures);

  const normalization = normalizationFor(settings.preprocessing.normalization, input.channels, statistics ?? undefined);
  const kept = plans.map((items, s) => items.filter((_, i) => ok[s]![i] === 1));
  const splits = kept.map((items, s) => {
    const common = {
      count: items.length,
      height: input.height,
      width: input.width,
      channels: input.channels,
      labels: Int32Array.from(items, (item) => item.classIndex),
      files: items.map((item) => item.path),
      normalization,
    };
    const split: ImageSplit = inMemory
      ? { ...common, storage: 'memory', images: compact(buffers[s]!, ok[s]!, imageBytes) }
      : { ...common, storage: 'stream', reader: new StreamedImages(items, input, resize, pool) };
    return split;
  }) as [ImageSplit, ImageSplit, ImageSplit];
  if (hasAugmentation(settings.augmentation)) splits[0].augmentation = { settings: settings.augmentation, seed: source.seed };
  if (splits[0].count === 0) {
    throw new StudioError(
      `None of the training images of "${plan.root}" could be decoded (${failures.length} failed, e.g. "${failures[0]?.path}": ${failures[0]?.reason}).`,
      'Check that the files are images the studio reads (PNG, JPEG, WebP, GIF, TIFF) and are not damaged.',
      'data-no-images',
    );
  }

  return {
    kind: plan.kind,
    root: plan.root,
    layout: plan.layout,
    classNames: plan.classNames,
    train: splits[0],
    validation: splits[1],
    test: splits[2],
    skipped: [...plan.skipped, ...failures],
    vanished,
    warnings: plan.warnings,
    origin: assigned.origin,
    preprocessing: preprocessingRecord(settings.preprocessing, input, normalization),
    loading: { mode: inMemory ? 'memory' : 'stream', datasetBytes, budgetBytes: settings.memoryBudgetBytes },
    relativePaths: {
      train: kept[0]!.map((item: DatasetItem) => item.relativePath),
      validation: kept[1]!.map((item: DatasetItem) => item.relativePath),
      test: kept[2]!.map((item: DatasetItem) => item.relativePath),
    },
  };
}

export function preprocessingRecord(settings: PreprocessingSettings, input: ImageInputShape, normalization: Normalization): PreprocessingRecord {
  return {
    resize: settings.resize,
    channels: input.channels,
    colour: input.channels === 1 ? 'grey' : 'rgb',
    normalization,
    alphaBackground: 'black',
  };
}

export function hasAugmentation(settings: AugmentationSettings): boolean {
  return Object.values(settings).some((value) => value !== 0 && value !== false);
}

/** Drops the images that failed to decode, moving the rest down; a copy only when something failed. */
function compact(buffer: Uint8Array, ok: Uint8Array, imageBytes: number): Uint8Array {
  let kept = 0;
  for (let i = 0; i < ok.length; i++) {
    if (!ok[i]) continue;
    if (kept !== i) buffer.copyWithin(kept * imageBytes, i * imageBytes, (i + 1) * imageBytes);
    kept++;
  }
  // slice, not subarray: a view would keep the failed images' bytes alive.
  return kept === ok.length ? buffer : buffer.slice(0, kept * imageBytes);
}

export function checkInputShape(input: ImageInputShape): void {
  const sideOk = (side: number) => Number.isInteger(side) && side >= 1 && side <= 65_535;
  if (!sideOk(input.height) || !sideOk(input.width) || (input.channels !== 1 && input.channels !== 3)) {
    throw new StudioError(
      `The input size ${input.height}×${input.width}×${input.channels} cannot be used for images.`,
      'Set the Input node to a whole-number height and width of at least 1 and 1 (greyscale) or 3 (RGB) channels.',
      'data-bad-input-shape',
    );
  }
}

function checkSeed(seed: number): void {
  try {
    seedToUint32(seed);
  } catch {
    throw new StudioError(`The data seed ${seed} is not a number.`, "Set the data source's seed to a whole number such as 42.", 'data-bad-seed');
  }
}
