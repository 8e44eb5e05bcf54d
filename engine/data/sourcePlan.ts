/**
 * The plan every kind of data source comes down to (see source.ts). Its own
 * file so the per-kind planners (csvSource, idxSource) can name it without
 * importing source.ts, which imports them.
 */
import type { SourceKind } from '../protocol/index.js';
import type { RawImage } from './pngDecode.js';
import type { SplitName } from './scan.js';
import type { SkippedFile } from './types.js';

export interface DatasetItem {
  /** The image file, absolute; for IDX images "<file>#<index>". */
  path: string;
  /** Below the source's root with '/' separators: the same on every machine. */
  relativePath: string;
  classIndex: number;
  /** Pixels that are already in memory (IDX), instead of a file to decode. */
  raw?: RawImage;
}

export interface SourcePlan {
  kind: SourceKind;
  /** The folder relative paths are below. */
  root: string;
  /** In words, e.g. "train/ and test/ folders of class folders". */
  layout: string;
  classNames: string[];
  /** Images per split as the source gives them; without split folders everything is under train. */
  images: Record<SplitName, DatasetItem[]>;
  /** Which splits the source itself defines (folders, a CSV split column, t10k files). */
  given: { val: boolean; test: boolean };
  skipped: SkippedFile[];
  warnings: string[];
}
