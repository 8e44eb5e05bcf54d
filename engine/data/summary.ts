/**
 * What a data source holds, before any training: images per class and split
 * (the split training would use), the image sizes and formats seen, every
 * file passed over with its reason, warnings a person should act on (tiny
 * classes, strong imbalance, the same image in train and test), and a few
 * thumbnails per class for the window.
 *
 * Each file is read once for its header and a content hash (SHA-1: exact
 * duplicates, whatever their names); with `verify` (the default) every image
 * is also decoded, so a truncated file is reported here and not first when
 * training starts.
 */
import { countSkipped, describeSkipped, type SkippedCounts } from './skippedKinds.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp from 'sharp';
import type { DataSource } from '../project/schema.js';
import { forEachWithConcurrency } from './concurrency.js';
import { dataSettings } from './dataset.js';
import { MAX_INPUT_PIXELS, tooLargeReason } from './decode.js';
import { DecodePool } from './decodePool.js';
import { decodeItems } from './itemDecode.js';
import { isPng, pngSize } from './pngDecode.js';
import { assignSplits, planSource, type DatasetItem } from './source.js';
import { fileThumbnail, rawThumbnail } from './thumbnails.js';
import type { SkippedFile } from './types.js';
import type { DatasetSummary, SplitKey, DuplicateGroup, ClassThumbnail } from '../protocol/index.js';
export type { DatasetSummary, SplitKey, DuplicateGroup, ClassThumbnail } from '../protocol/index.js';

/** Fewer training images than this in a class earns a warning. */
export const TINY_CLASS = 10;
/** The largest class this many times the smallest earns a warning. */
export const IMBALANCE_RATIO = 10;
const SIZES_LISTED = 10;
const SPLIT_KEYS: readonly SplitKey[] = ['train', 'validation', 'test'];

export interface SummaryOptions {
  thumbnailsPerClass?: number;
  verify?: boolean;
  pool?: DecodePool;
}

interface Inspected {
  hash: string;
  width: number;
  height: number;
  format: string;
}

export async function summarizeDataset(source: DataSource, dataPath: string, options: SummaryOptions = {}): Promise<DatasetSummary> {
  const { thumbnailsPerClass = 4, verify = true } = options;
  const settings = dataSettings(source);
  const plan = await planSource(source, dataPath);
  const assigned = assignSplits(plan, source.validationSplit, settings.testSplit, source.seed);
  const all: { item: DatasetItem; split: SplitKey }[] = SPLIT_KEYS.flatMap((split) => assigned[split].map((item) => ({ item, split })));

  const inspected: (Inspected | null)[] = new Array(all.length).fill(null);
  const reasons: (string | null)[] = new Array(all.length).fill(null);
  await forEachWithConcurrency(all, 16, async ({ item }, i) => {
    const result = await inspect(item);
    if (typeof result === 'string') reasons[i] = result;
    else inspected[i] = result;
  });

  if (verify) {
    // Decoding to a tiny size finds broken files; libvips shrinks JPEGs while it decodes them.
    const tiny = { height: 4, width: 4, channels: 1 } as const;
    const toDecode = all.map((entry, i) => ({ entry, i })).filter(({ i }) => reasons[i] === null);
    const chunk = 2048;
    for (let start = 0; start < toDecode.length; start += chunk) {
      const slice = toDecode.slice(start, start + chunk);
      const decoded = await decodeItems(slice.map(({ entry }) => entry.item), tiny, 'stretch', new Uint8Array(slice.length * 16), options.pool);
      decoded.forEach((reason, k) => {
        if (reason !== null) reasons[slice[k]!.i] = reason;
      });
    }
  }

  const skipped: SkippedFile[] = [...plan.skipped];
  const perClass = Object.fromEntries(SPLIT_KEYS.map((split) => [split, new Array<number>(plan.classNames.length).fill(0)])) as Record<SplitKey, number[]>;
  const sizeCounts = new Map<string, { width: number; height: number; count: number }>();
  const formats: Record<string, number> = {};
  const byHash = new Map<string, number[]>();
  all.forEach(({ item, split }, i) => {
    const reason = reasons[i];
    if (reason !== null) {
      skipped.push({ path: item.path, reason });
      return;
    }
    const info = inspected[i]!;
    perClass[split][item.classIndex]!++;
    const key = `${info.width}×${info.height}`;
    const size = sizeCounts.get(key) ?? { width: info.width, height: info.height, count: 0 };
    size.count++;
    sizeCounts.set(key, size);
    formats[info.format] = (formats[info.format] ?? 0) + 1;
    const same = byHash.get(info.hash);
    if (same) same.push(i);
    else byHash.set(info.hash, [i]);
  });

  const duplicates: DuplicateGroup[] = [];
  for (const [hash, members] of byHash) {
    if (members.length < 2) continue;
    const splits = new Set(members.map((i) => all[i]!.split));
    const classes = new Set(members.map((i) => all[i]!.item.classIndex));
    if (splits.size < 2 && classes.size < 2) continue;
    duplicates.push({
      hash,
      files: members.map((i) => ({ path: all[i]!.item.path, split: all[i]!.split, className: plan.classNames[all[i]!.item.classIndex]! })),
    });
  }

  const splits = Object.fromEntries(SPLIT_KEYS.map((split) => [split, perClass[split].reduce((a, b) => a + b, 0)])) as Record<SplitKey, number>;
  const sizes = [...sizeCounts.values()].sort((a, b) => b.count - a.count || a.width - b.width || a.height - b.height);
  const thumbnails = await classThumbnails(all, reasons, plan.classNames, thumbnailsPerClass);

  return {
    source: { kind: plan.kind, path: plan.kind === 'csv' ? dataPath : plan.root, layout: plan.layout },
    classNames: plan.classNames,
    total: splits.train + splits.validation + splits.test,
    perClass,
    splits,
    origin: assigned.origin,
    sizes: sizes.slice(0, SIZES_LISTED),
    distinctSizes: sizes.length,
    formats,
    skipped,
    duplicates,
    warnings: [...plan.warnings, ...datasetWarnings(plan.classNames, perClass, duplicates, countSkipped(skipped))],
    thumbnails,
    verified: verify,
  };
}

/** The header and content hash of one image, or the reason it is skipped. */
async function inspect(item: DatasetItem): Promise<Inspected | string> {
  if (item.raw) {
    return { hash: sha1(item.raw.data), width: item.raw.width, height: item.raw.height, format: 'idx' };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(item.path);
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  if (bytes.length === 0) return 'empty file (0 bytes)';
  let width: number | undefined;
  let height: number | undefined;
  let format: string;
  const png = isPng(bytes) ? pngSize(bytes) : null;
  if (png) {
    ({ width, height } = png);
    format = 'png';
  } else {
    try {
      const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
      width = metadata.autoOrient?.width ?? metadata.width;
      height = metadata.autoOrient?.height ?? metadata.height;
      format = metadata.format ?? extname(item.path).slice(1).toLowerCase();
    } catch (error) {
      return `cannot be decoded: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim()}`;
    }
  }
  if (!width || !height) return 'cannot be decoded: its header gives no size';
  if (width * height > MAX_INPUT_PIXELS) return tooLargeReason(width, height);
  return { hash: sha1(bytes), width, height, format };
}

function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Up to `perClass` readable images per class, spread over the class (train first). */
async function classThumbnails(
  all: { item: DatasetItem; split: SplitKey }[],
  reasons: (string | null)[],
  classNames: string[],
  perClass: number,
): Promise<Record<string, ClassThumbnail[]>> {
  if (perClass <= 0) return {};
  const members = classNames.map(() => [] as DatasetItem[]);
  all.forEach(({ item }, i) => {
    if (reasons[i] === null) members[item.classIndex]!.push(item);
  });
  const made = await Promise.all(
    classNames.map(async (_, c) => {
      const items = members[c]!;
      const count = Math.min(perClass, items.length);
      const picked = Array.from({ length: count }, (_, k) => items[Math.floor((k * items.length) / count)]!);
      const thumbnails: ClassThumbnail[] = [];
      for (const item of picked) {
        try {
          thumbnails.push({ path: item.path, dataUrl: item.raw ? await rawThumbnail(item.raw) : await fileThumbnail(item.path) });
        } catch {
          // A file that changed since it was checked: one thumbnail fewer.
        }
      }
      return thumbnails;
    }),
  );
  return Object.fromEntries(classNames.map((name, c) => [name, made[c]!]));
}

export function datasetWarnings(classNames: string[], perClass: Record<SplitKey, number[]>, duplicates: DuplicateGroup[], skipped: SkippedCounts): string[] {
  const warnings: string[] = [];
  const train = perClass.train;
  classNames.forEach((name, c) => {
    if (train[c]! > 0 && train[c]! < TINY_CLASS) {
      warnings.push(`Class "${name}" has only ${train[c]} training image${train[c] === 1 ? '' : 's'}; a model needs at least ${TINY_CLASS} (better: hundreds) to learn it.`);
    }
  });
  const present = train.map((count, c) => ({ count, c })).filter(({ count }) => count > 0);
  if (present.length >= 2) {
    const largest = present.reduce((a, b) => (b.count > a.count ? b : a));
    const smallest = present.reduce((a, b) => (b.count < a.count ? b : a));
    if (largest.count >= IMBALANCE_RATIO * smallest.count) {
      warnings.push(
        `The classes are strongly imbalanced: "${classNames[largest.c]}" has ${largest.count} training images, "${classNames[smallest.c]}" only ${smallest.count} ` +
          `(${Math.round(largest.count / smallest.count)}×). Accuracy will favour the large classes; collect more of the small ones, or weigh them.`,
      );
    }
  }
  const crossSplit = duplicates.filter((group) => new Set(group.files.map((file) => file.split)).size > 1);
  if (crossSplit.length > 0) {
    const files = crossSplit[0]!.files;
    const example = [files[0]!, files.find((file) => file.split !== files[0]!.split)!];
    const copies = crossSplit.reduce((n, group) => n + group.files.length - 1, 0);
    warnings.push(
      `${copies} image${copies === 1 ? ' is an exact copy' : 's are exact copies'} of images in another split (e.g. "${example[0]!.path}" in ${example[0]!.split} = "${example[1]!.path}" in ${example[1]!.split}); ` +
        'they make validation and test scores look better than they are. Remove the copies from one side.',
    );
  }
  const conflicting = duplicates.filter((group) => new Set(group.files.map((file) => file.className)).size > 1);
  if (conflicting.length > 0) {
    const files = conflicting[0]!.files;
    const example = [files[0]!, files.find((file) => file.className !== files[0]!.className)!];
    warnings.push(
      `${conflicting.length} image${conflicting.length === 1 ? ' appears' : 's appear'} under more than one class (e.g. "${example[0]!.path}" as "${example[0]!.className}" and "${example[1]!.path}" as "${example[1]!.className}"); keep each image in its one right class.`,
    );
  }
  const visible = skipped.files + skipped.folders;
  if (visible > 0) {
    const hidden = skipped.hidden ? `; ${skipped.hidden} hidden ${skipped.hidden === 1 ? 'entry is' : 'entries are'} left out too, as expected` : '';
    warnings.push(`${describeSkipped(skipped)} ${visible === 1 ? 'was' : 'were'} skipped${hidden}; the list says why for each.`);
  }
  return warnings;
}
