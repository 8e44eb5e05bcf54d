/**
 * Loads an image-folder dataset into memory: scan, split, decode every image
 * once to the network's input size, keep uint8 pixels per split. Training
 * then builds float batches from these buffers (batches.ts) without touching
 * the disk again.
 */
import { availableParallelism } from 'node:os';
import { constants as bufferConstants } from 'node:buffer';
import { StudioError } from '../errors.js';
import { forEachWithConcurrency } from './concurrency.js';
import { decodeImageInto, ImageDecodeError } from './decode.js';
import { seedToUint32 } from './random.js';
import { scanImageFolder, type ScannedImage } from './scan.js';
import { checkValidationSplit, stratifiedSplit } from './split.js';
import type { ImageDataset, ImageInputShape, ImageSplit, SkippedFile, ValidationSource } from './types.js';

export interface ImageFolderOptions {
  path: string;
  /** Fraction of each class held out for validation when there is no val/ folder. */
  validationSplit: number;
  seed: number;
}

export interface LoadOptions {
  /** Called after each image is decoded or skipped; `total` counts every image the scan found. */
  onProgress?: (done: number, total: number) => void;
  /** Images decoded at once; the default keeps libuv's threads busy. */
  concurrency?: number;
}

export interface LoadedImageDataset extends ImageDataset {
  /** The scan's warnings (e.g. a class with no training images), for the person to read. */
  warnings: string[];
  /** Where validation came from: the val/ folder, held out of train, or nowhere (split 0). */
  validationFrom: ValidationSource;
}

export async function loadImageDataset(
  source: ImageFolderOptions,
  input: ImageInputShape,
  options: LoadOptions = {},
): Promise<LoadedImageDataset> {
  checkInputShape(input);
  checkValidationSplit(source.validationSplit);
  checkSeed(source.seed);

  const scan = await scanImageFolder(source.path);
  const hasValFolder = scan.splitFolders.val !== null;
  const { train, validation } = hasValFolder
    ? { train: scan.images.train, validation: scan.images.val }
    : stratifiedSplit(scan.images.train, source.validationSplit, source.seed);
  const plans = [train, validation, scan.images.test];

  const imageBytes = input.height * input.width * input.channels;
  for (const plan of plans) checkFitsInMemory(scan.root, plan.length, imageBytes, input);

  const buffers = plans.map((plan) => new Uint8Array(plan.length * imageBytes));
  const decoded = plans.map((plan) => new Uint8Array(plan.length));
  const work = plans.flatMap((plan, splitIndex) => plan.map((image, index) => ({ image, splitIndex, index })));
  const failures: (SkippedFile & { order: number })[] = [];

  let done = 0;
  options.onProgress?.(0, work.length);
  await forEachWithConcurrency(
    work,
    options.concurrency ?? defaultConcurrency(),
    async ({ image, splitIndex, index }, order) => {
      const target = buffers[splitIndex]!.subarray(index * imageBytes, (index + 1) * imageBytes);
      try {
        await decodeImageInto(image.path, input, target);
        decoded[splitIndex]![index] = 1;
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        failures.push({ path: image.path, reason: error.message, order });
      }
      options.onProgress?.(++done, work.length);
    },
  );
  // Decodes finish in any order; report failures in file order so the list is stable.
  failures.sort((a, b) => a.order - b.order);

  const [trainSplit, validationSplit, testSplit] = plans.map((plan, i) =>
    compactSplit(plan, buffers[i]!, decoded[i]!, input),
  ) as [ImageSplit, ImageSplit, ImageSplit];

  return {
    classNames: scan.classNames,
    train: trainSplit,
    validation: validationSplit,
    test: testSplit,
    skipped: [...scan.skipped, ...failures.map(({ path, reason }) => ({ path, reason }))],
    warnings: scan.warnings,
    validationFrom: hasValFolder ? 'val-folder' : validation.length > 0 ? 'held-out-from-train' : 'none',
  };
}

/** Two decodes per libuv thread (4 by default) hide file reads behind decoding. */
function defaultConcurrency(): number {
  return Math.max(4, availableParallelism()) * 2;
}

/** Drops the images that failed to decode, moving the rest down in place. */
function compactSplit(plan: ScannedImage[], buffer: Uint8Array, decoded: Uint8Array, input: ImageInputShape): ImageSplit {
  const imageBytes = input.height * input.width * input.channels;
  const labels: number[] = [];
  const files: string[] = [];
  for (let i = 0; i < plan.length; i++) {
    if (!decoded[i]) continue;
    if (labels.length !== i) buffer.copyWithin(labels.length * imageBytes, i * imageBytes, (i + 1) * imageBytes);
    labels.push(plan[i]!.classIndex);
    files.push(plan[i]!.path);
  }
  const count = labels.length;
  return {
    count,
    height: input.height,
    width: input.width,
    channels: input.channels,
    // slice, not subarray: a view would keep the failed images' bytes alive.
    images: count === plan.length ? buffer : buffer.slice(0, count * imageBytes),
    labels: Int32Array.from(labels),
    files,
  };
}

function checkInputShape(input: ImageInputShape): void {
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

function checkFitsInMemory(root: string, count: number, imageBytes: number, input: ImageInputShape): void {
  const bytes = count * imageBytes;
  if (bytes <= bufferConstants.MAX_LENGTH) return;
  throw new StudioError(
    `The ${count} images of "${root}" at ${input.height}×${input.width}×${input.channels} need ${(bytes / 2 ** 30).toFixed(1)} GiB, more than one in-memory buffer holds.`,
    'Use a smaller input size on the Input node, or fewer images.',
    'data-too-large',
  );
}
