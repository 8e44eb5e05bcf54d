/**
 * Writes labelled uint8 images (e.g. an IDX set) as an image-folder dataset:
 * OUT/<split>/<class>/<index>.png, the layout scanImageFolder reads. The
 * folder appears whole or not at all: everything is written into a sibling
 * temporary folder that is renamed into place at the end, and a manifest
 * inside says what was written, so a second run with the same request skips.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { StudioError } from '../errors.js';
import { forEachWithConcurrency } from './concurrency.js';

/** Hidden, so that the scan reports it as a hidden file and never mistakes it for data. */
export const MANIFEST_FILE = '.image-folders.json';
const MANIFEST_FORMAT = 'convnet-studio.image-folders';

export interface LabelledImages {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  images: Uint8Array;
  labels: Int32Array;
}

export interface ImageFoldersRequest {
  outDir: string;
  /** Folder names of the classes, indexed by label; they must be valid file names. */
  classNames: readonly string[];
  /** Split folder name → its images, e.g. { train, test }. */
  splits: Record<string, LabelledImages>;
  /** Keep only the first N images of each class in each split (in source order). */
  perClass?: number;
  /** What the images are and where they came from; part of the "already complete" check. */
  source: Record<string, string | number>;
  onProgress?: (done: number, total: number) => void;
}

export interface ImageFoldersResult {
  outDir: string;
  /** False when the folder was already complete and left as it was. */
  wrote: boolean;
  /** Split → class → number of files. */
  counts: Record<string, Record<string, number>>;
}

interface Manifest {
  format: typeof MANIFEST_FORMAT;
  source: Record<string, string | number>;
  perClass: number | null;
  classNames: string[];
  counts: Record<string, Record<string, number>>;
}

/** The manifest of a finished folder when it matches this request, else null. */
export async function completedFolder(request: Pick<ImageFoldersRequest, 'outDir' | 'classNames' | 'perClass' | 'source'>): Promise<ImageFoldersResult | null> {
  const outDir = resolve(request.outDir);
  const manifest = await readManifest(outDir);
  if (
    manifest === null ||
    JSON.stringify(manifest.source) !== JSON.stringify(request.source) ||
    manifest.perClass !== (request.perClass ?? null) ||
    JSON.stringify(manifest.classNames) !== JSON.stringify(request.classNames)
  ) {
    return null;
  }
  return { outDir, wrote: false, counts: manifest.counts };
}

export async function writeImageFolders(request: ImageFoldersRequest): Promise<ImageFoldersResult> {
  const outDir = resolve(request.outDir);
  const done = await completedFolder(request);
  if (done !== null) return done;
  await requireReplaceable(outDir);
  checkRequest(request);

  const jobs: { path: string; images: LabelledImages; index: number }[] = [];
  const counts: Record<string, Record<string, number>> = {};
  const staging = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });

  for (const [split, images] of Object.entries(request.splits)) {
    const perClass = new Array<number>(request.classNames.length).fill(0);
    for (let index = 0; index < images.count; index++) {
      const label = images.labels[index]!;
      if (request.perClass !== undefined && perClass[label]! >= request.perClass) continue;
      perClass[label]!++;
      const name = `${String(index).padStart(String(images.count - 1).length, '0')}.png`;
      jobs.push({ path: join(staging, split, request.classNames[label]!, name), images, index });
    }
    counts[split] = Object.fromEntries(request.classNames.map((name, label) => [name, perClass[label]!]));
  }

  try {
    for (const split of Object.keys(request.splits)) {
      for (const name of request.classNames) await mkdir(join(staging, split, name), { recursive: true });
    }
    let written = 0;
    request.onProgress?.(0, jobs.length);
    await forEachWithConcurrency(jobs, Math.max(4, availableParallelism()) * 2, async ({ path, images, index }) => {
      const bytes = images.height * images.width * images.channels;
      const pixels = Buffer.from(images.images.buffer, images.images.byteOffset + index * bytes, bytes);
      const image = sharp(pixels, { raw: { width: images.width, height: images.height, channels: images.channels } });
      // Without the explicit colour space sharp widens one channel to an RGB PNG.
      await (images.channels === 1 ? image.toColourspace('b-w') : image).png().toFile(path);
      request.onProgress?.(++written, jobs.length);
    });
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      source: request.source,
      perClass: request.perClass ?? null,
      classNames: [...request.classNames],
      counts,
    };
    await writeFile(join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    await swapIntoPlace(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { outDir, wrote: true, counts };
}

function checkRequest(request: ImageFoldersRequest): void {
  if (request.perClass !== undefined && !(Number.isInteger(request.perClass) && request.perClass >= 1)) {
    throw new StudioError(`The per-class limit ${request.perClass} is not a whole number of at least 1.`, 'Pass a limit such as 100, or none for every image.', 'data-bad-per-class');
  }
  for (const name of [...request.classNames, ...Object.keys(request.splits)]) {
    if (name === '' || name === '.' || name === '..' || /[\\/\0]/.test(name)) {
      throw new StudioError(`"${name}" cannot be a folder name.`, 'Use class and split names without slashes, and not "." or "..".', 'data-bad-folder-name');
    }
  }
  for (const [split, images] of Object.entries(request.splits)) {
    const bad = images.labels.find((label) => !(label >= 0 && label < request.classNames.length));
    if (bad !== undefined) {
      throw new StudioError(
        `The ${split} labels include ${bad}, but there are only ${request.classNames.length} class names.`,
        'Give one class name per label value (0 … classes − 1).',
        'data-bad-label',
      );
    }
  }
}

async function readManifest(outDir: string): Promise<Manifest | null> {
  try {
    const manifest = JSON.parse(await readFile(join(outDir, MANIFEST_FILE), 'utf8')) as Manifest;
    return manifest.format === MANIFEST_FORMAT ? manifest : null;
  } catch {
    return null;
  }
}

/**
 * The output folder may be replaced when it does not exist, is empty, or was
 * written by this module; anything else is the person's data and is left alone.
 */
async function requireReplaceable(outDir: string): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(outDir)).isDirectory()) {
      throw new StudioError(`"${outDir}" is a file, not a folder.`, 'Choose a folder path for --out that does not exist yet.', 'data-out-not-folder');
    }
    entries = await readdir(outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length === 0 || (await readManifest(outDir)) !== null) return;
  throw new StudioError(
    `"${outDir}" already holds files that this tool did not write.`,
    'Choose another folder for --out, or empty this one first.',
    'data-out-not-empty',
  );
}

/** Rename the finished folder over the old one; the old one is removed only after the new one is in place. */
async function swapIntoPlace(staging: string, outDir: string): Promise<void> {
  const retired = join(dirname(outDir), `.${basename(outDir)}.old-${process.pid}`);
  let hadOld = true;
  try {
    await rename(outDir, retired);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    hadOld = false;
  }
  await rename(staging, outDir);
  if (hadOld) await rm(retired, { recursive: true, force: true });
}
