/**
 * The validation split held out of the training images when the folder has
 * no val/ folder. It is stratified (each class gives the same fraction) and
 * depends only on the seed and the files' relative paths: each file gets a
 * seeded hash of its path and the lowest hashes of each class are held out.
 * So the split does not depend on file-system order, and adding a file to a
 * class moves at most one other file between train and validation.
 */
import { StudioError } from '../errors.js';
import { hashString, seedToUint32 } from './random.js';
import type { ScannedImage } from './scan.js';

export interface StratifiedSplit<T> {
  train: T[];
  validation: T[];
}

export function checkValidationSplit(validationSplit: number): void {
  if (!(Number.isFinite(validationSplit) && validationSplit >= 0 && validationSplit < 1)) {
    throw new StudioError(
      `The validation split ${validationSplit} is outside [0, 1).`,
      'Set the data source\'s validationSplit to a fraction such as 0.1 (10% of each class), or 0 for no validation.',
      'data-bad-validation-split',
    );
  }
}

/**
 * How many of a class's `count` images go to validation: the fraction
 * rounded, but at least one when the class has two or more images (so every
 * class is measured) and never all of them (so every class is trained on).
 */
export function validationCountForClass(count: number, validationSplit: number): number {
  if (validationSplit === 0 || count < 2) return 0;
  return Math.min(count - 1, Math.max(1, Math.round(count * validationSplit)));
}

export function stratifiedSplit<T extends Pick<ScannedImage, 'classIndex' | 'relativePath'>>(
  images: readonly T[],
  validationSplit: number,
  seed: number,
): StratifiedSplit<T> {
  checkValidationSplit(validationSplit);
  const seed32 = seedToUint32(seed);
  const byClass = new Map<number, { image: T; key: number }[]>();
  for (const image of images) {
    let members = byClass.get(image.classIndex);
    if (members === undefined) byClass.set(image.classIndex, (members = []));
    members.push({ image, key: hashString(image.relativePath, seed32) });
  }

  const heldOut = new Set<T>();
  for (const members of byClass.values()) {
    members.sort((a, b) => a.key - b.key || (a.image.relativePath < b.image.relativePath ? -1 : 1));
    const count = validationCountForClass(members.length, validationSplit);
    for (let i = 0; i < count; i++) heldOut.add(members[i]!.image);
  }
  // Both halves keep the input's order (class, then path), so they are deterministic too.
  return {
    train: images.filter((image) => !heldOut.has(image)),
    validation: images.filter((image) => heldOut.has(image)),
  };
}

export interface ThreeWaySplit<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * How many of a class's images go to test once `validation` are held out:
 * the fraction rounded, at least one when the fraction is above 0 and the
 * class can spare it, and never the class's last training image.
 */
export function testCountForClass(count: number, validation: number, testSplit: number): number {
  const left = count - validation;
  if (testSplit === 0 || left < 2) return 0;
  return Math.min(left - 1, Math.max(1, Math.round(count * testSplit)));
}

export function checkTestSplit(testSplit: number, validationSplit: number): void {
  if (!(Number.isFinite(testSplit) && testSplit >= 0 && testSplit < 1) || validationSplit + testSplit >= 1) {
    throw new StudioError(
      `The test split ${testSplit} (with validation ${validationSplit}) leaves nothing to train on.`,
      "Set the data source's testSplit to a fraction such as 0.1, so that validationSplit + testSplit stays below 1; or 0 for no test split.",
      'data-bad-test-split',
    );
  }
}

/**
 * Train, validation and test held out of one pool, stratified by class and
 * seeded like stratifiedSplit: each class's lowest hashes go to validation,
 * the next ones to test. With testSplit 0 it is exactly stratifiedSplit.
 */
export function stratifiedSplit3<T extends Pick<ScannedImage, 'classIndex' | 'relativePath'>>(
  images: readonly T[],
  validationSplit: number,
  testSplit: number,
  seed: number,
): ThreeWaySplit<T> {
  checkValidationSplit(validationSplit);
  checkTestSplit(testSplit, validationSplit);
  const seed32 = seedToUint32(seed);
  const byClass = new Map<number, { image: T; key: number }[]>();
  for (const image of images) {
    let members = byClass.get(image.classIndex);
    if (members === undefined) byClass.set(image.classIndex, (members = []));
    members.push({ image, key: hashString(image.relativePath, seed32) });
  }
  const destination = new Map<T, 'validation' | 'test'>();
  for (const members of byClass.values()) {
    members.sort((a, b) => a.key - b.key || (a.image.relativePath < b.image.relativePath ? -1 : 1));
    const validation = validationCountForClass(members.length, validationSplit);
    const test = testCountForClass(members.length, validation, testSplit);
    for (let i = 0; i < validation + test; i++) destination.set(members[i]!.image, i < validation ? 'validation' : 'test');
  }
  return {
    train: images.filter((image) => !destination.has(image)),
    validation: images.filter((image) => destination.get(image) === 'validation'),
    test: images.filter((image) => destination.get(image) === 'test'),
  };
}
