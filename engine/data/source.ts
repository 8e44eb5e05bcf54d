/**
 * Every kind of data source (image folders, a CSV of path,label, IDX files)
 * comes down to the same plan: class names, and the images of each split
 * the source gives, each with a stable relative path that splits and run
 * records key on. Splitting, decoding, caching and streaming then work the
 * same for all of them.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { StudioError } from '../errors.js';
import type { DataSource } from '../project/schema.js';
import { planCsv } from './csvSource.js';
import { planIdx } from './idxSource.js';
import { scanImageFolder, SPLIT_NAMES } from './scan.js';
import { checkTestSplit, checkValidationSplit, stratifiedSplit3 } from './split.js';
import type { SplitOrigin } from '../protocol/index.js';
export type { SourceKind, SplitOrigin } from '../protocol/index.js';
import type { DatasetItem, SourcePlan } from './sourcePlan.js';
export type { DatasetItem, SourcePlan } from './sourcePlan.js';

export interface AssignedSplits {
  train: DatasetItem[];
  validation: DatasetItem[];
  test: DatasetItem[];
  origin: { validation: SplitOrigin; test: SplitOrigin };
}

export async function planSource(source: DataSource, path: string): Promise<SourcePlan> {
  switch (source.kind) {
    case 'image-folder': {
      const scan = await scanImageFolder(path);
      const layout =
        scan.layout === 'class-folders'
          ? 'one folder per class'
          : `${SPLIT_NAMES.filter((split) => scan.splitFolders[split] !== null).map((split) => `${split}/`).join(', ')} folders of class folders`;
      return {
        kind: 'image-folder',
        root: scan.root,
        layout,
        classNames: scan.classNames,
        images: scan.images,
        given: { val: scan.splitFolders.val !== null, test: scan.splitFolders.test !== null },
        skipped: scan.skipped,
        warnings: scan.warnings,
      };
    }
    case 'csv':
      return planCsv(path);
    case 'idx':
      return planIdx(path, source.labels ?? null, source.classNames ?? null);
  }
}

/**
 * The train/validation/test split: splits the source gives are kept; the
 * others are held out of train, stratified and seeded (split.ts).
 */
export function assignSplits(plan: SourcePlan, validationSplit: number, testSplit: number, seed: number): AssignedSplits {
  checkValidationSplit(validationSplit);
  checkTestSplit(testSplit, validationSplit);
  const held = stratifiedSplit3(plan.images.train, plan.given.val ? 0 : validationSplit, plan.given.test ? 0 : testSplit, seed);
  const validation = plan.given.val ? plan.images.val : held.validation;
  const test = plan.given.test ? plan.images.test : held.test;
  const origin = (given: boolean, items: DatasetItem[]): SplitOrigin => (given ? 'given' : items.length > 0 ? 'held-out' : 'none');
  return {
    train: held.train,
    validation,
    test,
    origin: { validation: origin(plan.given.val, validation), test: origin(plan.given.test, test) },
  };
}

/** The source's path, absolute: a relative one is relative to the project file's folder. */
export function resolveSourcePath(source: DataSource, projectPath?: string): string {
  if (!source.path) {
    throw new StudioError(
      'The data source has no path.',
      source.kind === 'csv'
        ? 'Set data.path to the CSV file of path,label rows.'
        : source.kind === 'idx'
          ? 'Set data.path to the folder of IDX files (or the images file).'
          : 'Set data.path to the folder of class sub-folders.',
      'no-data',
    );
  }
  return isAbsolute(source.path) ? source.path : resolve(projectPath ? dirname(resolve(projectPath)) : process.cwd(), source.path);
}
