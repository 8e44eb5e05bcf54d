/**
 * The split a run trained on, written into its folder (split.json): every
 * image of train, validation and test by its path relative to the data
 * source, with its class. The same seed and files give the same record, so
 * a run can be checked against another, or its test set reused elsewhere.
 */
import { join } from 'node:path';
import type { DataSource } from '../project/schema.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { LoadedDataset } from './dataset.js';

export const SPLIT_RECORD_FILE = 'split.json';

export interface SplitRecord {
  format: 'convnet-studio.split';
  source: { kind: DataSource['kind']; root: string };
  seed: number;
  validationSplit: number;
  testSplit: number;
  origin: LoadedDataset['origin'];
  classNames: string[];
  /** [relative path, class index] per image, in the order the split uses. */
  train: [string, number][];
  validation: [string, number][];
  test: [string, number][];
}

export function splitRecord(dataset: LoadedDataset, source: DataSource): SplitRecord {
  const pairs = (paths: string[], labels: Int32Array): [string, number][] => paths.map((path, i) => [path, labels[i]!]);
  return {
    format: 'convnet-studio.split',
    source: { kind: dataset.kind, root: dataset.root },
    seed: source.seed,
    validationSplit: source.validationSplit,
    testSplit: source.testSplit ?? 0,
    origin: dataset.origin,
    classNames: dataset.classNames,
    train: pairs(dataset.relativePaths.train, dataset.train.labels),
    validation: pairs(dataset.relativePaths.validation, dataset.validation.labels),
    test: pairs(dataset.relativePaths.test, dataset.test.labels),
  };
}

/** One image per line keeps a 70 000-image record readable and diff-able. */
export async function writeSplitRecord(runDir: string, dataset: LoadedDataset, source: DataSource): Promise<string> {
  const record = splitRecord(dataset, source);
  const { train, validation, test, ...head } = record;
  const list = (rows: [string, number][]) => (rows.length === 0 ? '[]' : `[\n${rows.map((row) => `    ${JSON.stringify(row)}`).join(',\n')}\n  ]`);
  const headJson = JSON.stringify(head, null, 2).slice(0, -2);
  const text = `${headJson},\n  "train": ${list(train)},\n  "validation": ${list(validation)},\n  "test": ${list(test)}\n}\n`;
  const path = join(runDir, SPLIT_RECORD_FILE);
  await writeFileAtomic(path, text);
  return path;
}
