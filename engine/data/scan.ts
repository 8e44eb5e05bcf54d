/**
 * Finds the images of an image-folder dataset and the class each belongs to,
 * without decoding anything. Two layouts:
 *
 *   DIR/<class>/<files…>                    one pool; validation is held out of it
 *   DIR/{train,val,test}/<class>/<files…>   the person's own splits (wins when present)
 *
 * Files nested deeper inside a class folder belong to that class. Everything
 * passed over (hidden files, non-images, stray folders, symlink loops) is
 * reported with its path and the reason, so a person can see why a count is
 * lower than they expected.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { StudioError } from '../errors.js';
import { describeImageExtensions, isHiddenName, isImageFileName } from './imageFormats.js';
import type { SkippedFile } from './types.js';

export type FolderLayout = 'class-folders' | 'split-folders';
export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** Folder names accepted for each split, compared case-insensitively. */
const SPLIT_FOLDER_NAMES: Record<SplitName, readonly string[]> = {
  train: ['train', 'training'],
  val: ['val', 'valid', 'validation'],
  test: ['test', 'testing'],
};

export interface ScannedImage {
  /** Absolute path. */
  path: string;
  /** Path below the dataset folder with '/' separators: stable across machines, so splits key on it. */
  relativePath: string;
  classIndex: number;
}

export interface FolderScan {
  /** The dataset folder, absolute. */
  root: string;
  layout: FolderLayout;
  /** Classes that have at least one image, sorted by code point so the order never depends on locale. */
  classNames: string[];
  /**
   * Images per split folder, each sorted by class then relative path. With
   * class folders only, every image is under `train`.
   */
  images: Record<SplitName, ScannedImage[]>;
  /** Which split folders exist; a `val` folder means no validation is held out of train. */
  splitFolders: Record<SplitName, string | null>;
  skipped: SkippedFile[];
  /** Problems that do not stop loading but will hurt training, in words. */
  warnings: string[];
}

const LAYOUT_HINT =
  'Put the images of each class in its own sub-folder (e.g. DIR/cat/*.png and DIR/dog/*.png), ' +
  'or use train/, val/ and test/ folders that each hold one sub-folder per class.';

/** A directory entry with symlinks resolved to what they point at. */
interface ResolvedEntry {
  name: string;
  path: string;
  kind: 'file' | 'directory';
}

export async function scanImageFolder(dir: string): Promise<FolderScan> {
  const root = resolve(dir);
  await requireFolder(root);
  const walker = new FolderWalker(root);
  const topEntries = await walker.listRoot();

  const splitFolders = findSplitFolders(root, topEntries);
  const layout: FolderLayout = Object.values(splitFolders).some((path) => path !== null)
    ? 'split-folders'
    : 'class-folders';

  // Class name → (split → class folders and their image paths).
  const found: Record<SplitName, Map<string, { folder: string; files: string[] }>> = {
    train: new Map(),
    val: new Map(),
    test: new Map(),
  };

  if (layout === 'class-folders') {
    const classFolders = topEntries.filter((entry) => entry.kind === 'directory');
    for (const entry of topEntries) {
      if (entry.kind === 'file') walker.skip(entry.path, 'not inside a class folder');
    }
    if (classFolders.length === 0) {
      throw new StudioError(`Image folder "${root}" has no class sub-folders.`, LAYOUT_HINT, 'data-no-classes');
    }
    for (const folder of classFolders) {
      found.train.set(folder.name, { folder: folder.path, files: await walker.collectImages(folder.path) });
    }
  } else {
    if (splitFolders.train === null) {
      throw new StudioError(
        `Image folder "${root}" has split folders (${describeSplitFolders(splitFolders)}) but no train/ folder.`,
        `Add "${join(root, 'train')}" with one sub-folder per class, or remove the split folders and put the class folders directly in "${root}".`,
        'data-no-train-split',
      );
    }
    const splitPaths = new Set(Object.values(splitFolders));
    for (const entry of topEntries) {
      if (splitPaths.has(entry.path)) continue;
      walker.skip(
        entry.path,
        entry.kind === 'directory'
          ? 'not a train/val/test folder; with split folders present, other top-level folders are ignored'
          : 'not inside a split folder',
      );
    }
    for (const split of SPLIT_NAMES) {
      const splitFolder = splitFolders[split];
      if (splitFolder === null) continue;
      const entries = await walker.list(splitFolder);
      if (entries === null) continue;
      for (const entry of entries) {
        if (entry.kind === 'file') {
          walker.skip(entry.path, `not inside a class folder of ${split}/`);
          continue;
        }
        found[split].set(entry.name, { folder: entry.path, files: await walker.collectImages(entry.path) });
      }
    }
    if (found.train.size === 0) {
      throw new StudioError(`The train folder "${splitFolders.train}" has no class sub-folders.`, LAYOUT_HINT, 'data-no-classes');
    }
  }

  const allClassNames = new Set<string>();
  for (const split of SPLIT_NAMES) for (const name of found[split].keys()) allClassNames.add(name);
  const withImages = [...allClassNames].filter((name) =>
    SPLIT_NAMES.some((split) => (found[split].get(name)?.files.length ?? 0) > 0),
  );
  for (const name of allClassNames) {
    if (withImages.includes(name)) continue;
    for (const split of SPLIT_NAMES) {
      const folder = found[split].get(name)?.folder;
      if (folder !== undefined) walker.skip(folder, 'class folder has no images; the class is left out');
    }
  }
  const classNames = withImages.sort(compareCodePoints);

  if (classNames.length === 0) {
    // Never an empty list here: there is at least one class folder (else the
    // scan stopped above), and each one without images was just reported.
    throw new StudioError(
      `Image folder "${root}" has class folders but no images in them.`,
      `Images are recognised by extension: ${describeImageExtensions()}. ` +
        `${walker.skipped.length} entries were passed over (e.g. "${walker.skipped[0]!.path}": ${walker.skipped[0]!.reason}).`,
      'data-no-images',
    );
  }
  if (classNames.length === 1) {
    throw new StudioError(
      `Image folder "${root}" has images of only one class ("${classNames[0]}"); a classifier needs at least two.`,
      `Add a sub-folder with the images of another class beside "${classNames[0]}".`,
      'data-one-class',
    );
  }

  const images: Record<SplitName, ScannedImage[]> = { train: [], val: [], test: [] };
  for (const split of SPLIT_NAMES) {
    classNames.forEach((name, classIndex) => {
      const files = found[split].get(name)?.files ?? [];
      for (const path of files) images[split].push({ path, relativePath: toPortable(relative(root, path)), classIndex });
    });
  }

  const warnings: string[] = [];
  if (layout === 'split-folders') {
    for (const name of classNames) {
      if ((found.train.get(name)?.files.length ?? 0) === 0) {
        warnings.push(`Class "${name}" has no images in "${splitFolders.train}"; the model cannot learn it.`);
      }
    }
  }

  return { root, layout, classNames, images, splitFolders, skipped: walker.skipped, warnings };
}

/** Sorts by UTF-16 code units: the same order on every machine and locale. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toPortable(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

async function requireFolder(root: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new StudioError(
        `Image folder "${root}" does not exist.`,
        'Check the path (relative paths resolve against the project file), or choose the folder again.',
        'data-folder-missing',
      );
    }
    throw new StudioError(
      `Image folder "${root}" cannot be read (${code ?? String(error)}).`,
      'Check that the folder exists and that you may read it.',
      'data-folder-unreadable',
    );
  }
  if (!isDirectory) {
    throw new StudioError(
      `"${root}" is a file, not a folder of images.`,
      `Choose the folder that holds the class sub-folders instead of a single file. ${LAYOUT_HINT}`,
      'data-not-a-folder',
    );
  }
}

function findSplitFolders(root: string, entries: ResolvedEntry[]): Record<SplitName, string | null> {
  const splitFolders: Record<SplitName, string | null> = { train: null, val: null, test: null };
  for (const split of SPLIT_NAMES) {
    const matches = entries.filter(
      (entry) => entry.kind === 'directory' && SPLIT_FOLDER_NAMES[split].includes(entry.name.toLowerCase()),
    );
    if (matches.length > 1) {
      throw new StudioError(
        `Image folder "${root}" has more than one ${split} folder: ${matches.map((entry) => `"${entry.name}"`).join(', ')}.`,
        `Keep one of them (merge the others into it) so it is clear which images belong to the ${split} split.`,
        'data-ambiguous-split',
      );
    }
    splitFolders[split] = matches[0]?.path ?? null;
  }
  return splitFolders;
}

function describeSplitFolders(splitFolders: Record<SplitName, string | null>): string {
  return SPLIT_NAMES.filter((split) => splitFolders[split] !== null)
    .map((split) => `${split}/`)
    .join(', ');
}

/**
 * Walks folders once each: a directory reached again through a symbolic link
 * (a loop, or two links to one place) is reported rather than walked, so a
 * loop cannot hang the scan and no image is counted twice.
 */
class FolderWalker {
  readonly skipped: SkippedFile[] = [];
  private readonly visited = new Map<string, string>();

  constructor(private readonly root: string) {}

  skip(path: string, reason: string): void {
    this.skipped.push({ path, reason });
  }

  async listRoot(): Promise<ResolvedEntry[]> {
    const entries = await this.list(this.root);
    if (entries === null) {
      throw new StudioError(
        `Image folder "${this.root}" cannot be read.`,
        'Check that you may read the folder and list its contents.',
        'data-folder-unreadable',
      );
    }
    return entries;
  }

  /** Image files below a class folder, sorted by path; other entries are reported as skipped. */
  async collectImages(folder: string): Promise<string[]> {
    const images: string[] = [];
    const pending = [folder];
    while (pending.length > 0) {
      const current = pending.pop()!;
      const entries = await this.list(current);
      if (entries === null) continue;
      for (const entry of entries) {
        if (entry.kind === 'directory') pending.push(entry.path);
        else if (isImageFileName(entry.name)) images.push(entry.path);
        else this.skip(entry.path, 'not an image file (by its extension)');
      }
    }
    return images.sort(compareCodePoints);
  }

  /**
   * The entries of a folder with hidden ones, broken links and revisited
   * folders already reported; null when the folder cannot be read or was
   * walked before.
   */
  async list(folder: string): Promise<ResolvedEntry[] | null> {
    let real: string;
    let dirents: Dirent[];
    try {
      real = await realpath(folder);
      const earlier = this.visited.get(real);
      if (earlier !== undefined) {
        this.skip(folder, `symbolic link to a folder that is already scanned ("${earlier}"); not followed again`);
        return null;
      }
      this.visited.set(real, folder);
      dirents = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (folder === this.root) return null;
      this.skip(folder, `folder cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return null;
    }
    dirents.sort((a, b) => compareCodePoints(a.name, b.name));

    const entries: ResolvedEntry[] = [];
    for (const dirent of dirents) {
      const path = join(folder, dirent.name);
      if (isHiddenName(dirent.name)) {
        this.skip(path, dirent.isDirectory() ? 'hidden folder' : 'hidden file');
        continue;
      }
      const kind = await this.kindOf(dirent, path);
      if (kind === null) continue;
      entries.push({ name: dirent.name, path, kind });
    }
    return entries;
  }

  private async kindOf(dirent: Dirent, path: string): Promise<ResolvedEntry['kind'] | null> {
    if (dirent.isDirectory()) return 'directory';
    if (dirent.isFile()) return 'file';
    if (dirent.isSymbolicLink()) {
      try {
        const target = await stat(path);
        if (target.isDirectory()) return 'directory';
        if (target.isFile()) return 'file';
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        this.skip(path, code === 'ELOOP' ? 'symbolic link loop' : 'broken symbolic link (its target does not exist)');
        return null;
      }
    }
    this.skip(path, 'not a regular file or folder');
    return null;
  }
}
