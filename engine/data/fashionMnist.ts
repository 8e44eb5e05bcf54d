/**
 * Fashion-MNIST (Zalando Research, MIT licence): 70 000 28×28 greyscale
 * images of clothing in 10 classes, as IDX files. The studio uses it for its
 * end-to-end check and its training benchmark.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { readIdxImagesAndLabels, type IdxImageSet } from './idx.js';

/** Where Debian's fashion-mnist package puts the files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** Label 0…9 → a name that is also a safe folder name. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt_top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle_boot',
];

export const FASHION_MNIST_LICENSE = 'Fashion-MNIST, Copyright (c) 2017 Zalando SE, MIT licence';

const FILE_STEMS = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

export interface FashionMnist {
  train: IdxImageSet;
  test: IdxImageSet;
}

/** Reads both splits from `dir`, each file gzipped (`.gz`) or not. */
export async function readFashionMnist(dir = FASHION_MNIST_DEFAULT_DIR): Promise<FashionMnist> {
  const [train, test] = await Promise.all(
    (['train', 'test'] as const).map(async (split) =>
      readIdxImagesAndLabels(await findFile(dir, FILE_STEMS[split].images), await findFile(dir, FILE_STEMS[split].labels)),
    ),
  );
  return { train: train!, test: test! };
}

/** The path of a Fashion-MNIST file in `dir`, gzipped or not, or null when neither is there. */
export async function fashionMnistFile(dir: string, stem: string): Promise<string | null> {
  for (const name of [`${stem}.gz`, stem]) {
    try {
      await access(join(dir, name));
      return join(dir, name);
    } catch {
      // try the next spelling
    }
  }
  return null;
}

async function findFile(dir: string, stem: string): Promise<string> {
  const path = await fashionMnistFile(dir, stem);
  if (path !== null) return path;
  throw new StudioError(
    `Fashion-MNIST file "${join(dir, stem)}(.gz)" is missing.`,
    `Install Debian's fashion-mnist package, or pass --source with a folder holding ${Object.values(FILE_STEMS)
      .flatMap((stems) => [stems.images, stems.labels])
      .join(', ')} (gzipped or not).`,
    'data-file-missing',
  );
}
