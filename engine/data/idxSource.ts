/**
 * IDX files (MNIST, Fashion-MNIST, EMNIST…) as a dataset. `path` is either a
 * folder with the usual file names (train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, and t10k-… for the test split, gzipped or not),
 * or an images file whose labels file is named by `labels` (or found by the
 * usual naming beside it). The images are already in memory; each becomes a
 * dataset item with its pixels attached.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StudioError } from '../errors.js';
import { readIdxImagesAndLabels, type IdxImageSet } from './idx.js';
import type { DatasetItem, SourcePlan } from './sourcePlan.js';
import type { SplitName } from './scan.js';

const TRAIN = { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' };
const TEST = { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' };

export async function planIdx(path: string, labelsPath: string | null, classNames: string[] | null): Promise<SourcePlan> {
  const target = resolve(path);
  let isFolder: boolean;
  try {
    isFolder = (await stat(target)).isDirectory();
  } catch {
    throw new StudioError(
      `IDX source "${target}" does not exist.`,
      'Point at a folder holding train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz), or at an images file.',
      'data-file-missing',
    );
  }
  const sets: { split: SplitName; images: string; labels: string }[] = [];
  let root: string;
  if (isFolder) {
    root = target;
    const names = await readdir(target);
    const find = (stem: string) => [`${stem}.gz`, stem].find((name) => names.includes(name));
    const train = { images: find(TRAIN.images), labels: find(TRAIN.labels) };
    if (!train.images || !train.labels) {
      throw new StudioError(
        `IDX folder "${target}" has no ${train.images ? TRAIN.labels : TRAIN.images}(.gz).`,
        `Put ${TRAIN.images} and ${TRAIN.labels} (gzipped or not) in the folder, or point at the images file and name its labels file.`,
        'data-file-missing',
      );
    }
    sets.push({ split: 'train', images: join(target, train.images), labels: join(target, train.labels) });
    const test = { images: find(TEST.images), labels: find(TEST.labels) };
    if (test.images && test.labels) sets.push({ split: 'test', images: join(target, test.images), labels: join(target, test.labels) });
  } else {
    root = dirname(target);
    const labels = labelsPath !== null ? resolve(root, labelsPath) : guessLabels(target);
    if (labels === null) {
      throw new StudioError(
        `No labels file is given for the IDX images "${target}".`,
        'Set the source\'s "labels" to its labels file (e.g. train-labels-idx1-ubyte.gz).',
        'data-file-missing',
      );
    }
    sets.push({ split: 'train', images: target, labels });
  }

  const loaded = await Promise.all(sets.map(async (set) => ({ ...set, data: await readIdxImagesAndLabels(set.images, set.labels) })));
  const labelValues = [...new Set(loaded.flatMap(({ data }) => [...data.labels]))].sort((a, b) => a - b);
  const names = classNames ?? labelValues.map(String);
  const highest = labelValues.at(-1) ?? 0;
  if (classNames !== null && highest >= classNames.length) {
    throw new StudioError(
      `The IDX labels go up to ${highest}, but only ${classNames.length} class names are given.`,
      'Give one class name per label value (0, 1, …) in the source\'s classNames, or leave it out to use the numbers.',
      'data-bad-label',
    );
  }
  if (labelValues.length < 2) {
    throw new StudioError(
      `Every image in "${loaded[0]!.labels}" has the label ${labelValues[0]}; a classifier needs at least two classes.`,
      'Use a labels file with at least two different labels.',
      'data-one-class',
    );
  }
  const classIndexOf = classNames !== null ? (label: number) => label : (label: number) => labelValues.indexOf(label);

  const images: Record<SplitName, DatasetItem[]> = { train: [], val: [], test: [] };
  for (const { split, images: file, data } of loaded) images[split] = itemsOf(file, split, data, classIndexOf);
  return {
    kind: 'idx',
    root,
    layout: `IDX files (${loaded.map(({ split, data }) => `${data.count} ${split}`).join(', ')}; ${loaded[0]!.data.height}×${loaded[0]!.data.width} grey)`,
    classNames: names,
    images,
    given: { val: false, test: images.test.length > 0 },
    skipped: [],
    warnings: [],
  };
}

function itemsOf(file: string, split: SplitName, data: IdxImageSet, classIndexOf: (label: number) => number): DatasetItem[] {
  const pixels = data.height * data.width;
  const items: DatasetItem[] = [];
  for (let i = 0; i < data.count; i++) {
    items.push({
      path: `${file}#${i}`,
      relativePath: `${split}/${i}`,
      classIndex: classIndexOf(data.labels[i]!),
      raw: { width: data.width, height: data.height, channels: 1, data: data.images.subarray(i * pixels, (i + 1) * pixels) },
    });
  }
  // Class, then source order: the order image folders and CSVs come in.
  // Array sort is stable, so within a class the file's order stays.
  return items.sort((a, b) => a.classIndex - b.classIndex);
}

/** train-images-idx3-ubyte.gz → train-labels-idx1-ubyte.gz, when the name follows the MNIST pattern. */
function guessLabels(imagesFile: string): string | null {
  const name = basename(imagesFile);
  if (!name.includes('images-idx3')) return null;
  return join(dirname(imagesFile), name.replace('images-idx3', 'labels-idx1'));
}
