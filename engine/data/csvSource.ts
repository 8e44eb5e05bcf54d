/**
 * A CSV file of `path,label` rows as a dataset. Paths are relative to the CSV
 * file's folder (or absolute); an optional header names the columns, and a
 * `split` column (train, val or test) gives the splits. Rows that name a
 * missing file, a non-image or no label are skipped with their line number.
 * A CSV in which no row names an existing image is refused, naming the first
 * missing file and where paths are looked for.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { StudioError } from '../errors.js';
import { forEachWithConcurrency } from './concurrency.js';
import { isImageFileName } from './imageFormats.js';
import type { DatasetItem, SourcePlan } from './sourcePlan.js';
import type { SplitName } from './scan.js';
import type { SkippedFile } from './types.js';

const SPLIT_VALUES: Record<string, SplitName> = {
  train: 'train', training: 'train',
  val: 'val', valid: 'val', validation: 'val',
  test: 'test', testing: 'test',
};

interface Row {
  line: number;
  fields: string[];
}

export async function planCsv(csvPath: string): Promise<SourcePlan> {
  const file = resolve(csvPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StudioError(
      code === 'ENOENT' ? `CSV file "${file}" does not exist.` : `CSV file "${file}" cannot be read (${code ?? String(error)}).`,
      'Check the path (relative paths resolve against the project file); the file lists one image per line as path,label.',
      code === 'ENOENT' ? 'data-file-missing' : 'data-file-unreadable',
    );
  }
  const root = dirname(file);
  const rows = parseCsv(text);
  const columns = headerColumns(rows[0]);
  const dataRows = columns.fromHeader ? rows.slice(1) : rows;
  const name = file.split(sep).pop();
  const skipped: SkippedFile[] = [];
  const where = (row: Row) => `line ${row.line} of ${name}`;

  type Candidate = { row: Row; path: string; label: string; split: SplitName };
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const row of dataRows) {
    const rawPath = row.fields[columns.path]?.trim() ?? '';
    const label = row.fields[columns.label]?.trim() ?? '';
    const splitValue = columns.split === null ? 'train' : (row.fields[columns.split]?.trim().toLowerCase() ?? '');
    if (rawPath === '') {
      skipped.push({ path: file, reason: `${where(row)} has no image path` });
      continue;
    }
    const path = isAbsolute(rawPath) ? rawPath : resolve(root, rawPath);
    if (label === '') {
      skipped.push({ path, reason: `${where(row)} has no label` });
      continue;
    }
    const split = SPLIT_VALUES[splitValue];
    if (split === undefined) {
      skipped.push({ path, reason: `${where(row)} has split "${splitValue}"; use train, val or test` });
      continue;
    }
    if (!isImageFileName(path)) {
      skipped.push({ path, reason: `${where(row)}: not an image file (by its extension)` });
      continue;
    }
    if (seen.has(path)) {
      skipped.push({ path, reason: `${where(row)} lists this file again; the first row counts` });
      continue;
    }
    seen.add(path);
    candidates.push({ row, path, label, split });
  }

  const exists = new Array<boolean>(candidates.length).fill(false);
  await forEachWithConcurrency(candidates, 16, async (candidate, i) => {
    try {
      exists[i] = (await stat(candidate.path)).isFile();
    } catch {
      exists[i] = false;
    }
  });
  const present = candidates.filter((_, i) => exists[i]);
  const missing = candidates.filter((_, i) => !exists[i]);
  for (const candidate of missing) skipped.push({ path: candidate.path, reason: `listed on ${where(candidate.row)}, but the file does not exist` });

  if (present.length === 0) {
    const first = missing[0];
    throw new StudioError(
      first
        ? `None of the ${candidates.length} images listed in "${file}" exist (e.g. "${first.path}" from line ${first.row.line}).`
        : `CSV file "${file}" lists no images.`,
      first
        ? `Paths in the CSV are read relative to its folder "${root}"; fix the paths (or move the CSV beside the images).`
        : 'Write one image per line as path,label (e.g. images/cat01.png,cat), with an optional header line "path,label".',
      'data-no-images',
    );
  }

  const classNames = [...new Set(present.map((candidate) => candidate.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classNames.length === 1) {
    throw new StudioError(
      `Every image in "${file}" has the label "${classNames[0]}"; a classifier needs at least two classes.`,
      'Add rows for images of another class.',
      'data-one-class',
    );
  }
  const classIndex = new Map(classNames.map((label, index) => [label, index]));
  const images: Record<SplitName, DatasetItem[]> = { train: [], val: [], test: [] };
  for (const candidate of present) {
    images[candidate.split].push({
      path: candidate.path,
      relativePath: relative(root, candidate.path).split(sep).join('/'),
      classIndex: classIndex.get(candidate.label)!,
    });
  }
  for (const split of Object.values(images)) split.sort((a, b) => a.classIndex - b.classIndex || (a.relativePath < b.relativePath ? -1 : 1));
  return {
    kind: 'csv',
    root,
    layout: `CSV of ${columns.split === null ? 'path,label' : 'path,label,split'} rows`,
    classNames,
    images,
    given: { val: images.val.length > 0, test: images.test.length > 0 },
    skipped,
    warnings: [],
  };
}

/** Column positions; a first row that names its columns is a header. */
function headerColumns(first: Row | undefined): { path: number; label: number; split: number | null; fromHeader: boolean } {
  const names = first?.fields.map((field) => field.trim().toLowerCase()) ?? [];
  const path = names.findIndex((name) => ['path', 'file', 'filename', 'file_name', 'image', 'filepath'].includes(name));
  const label = names.findIndex((name) => ['label', 'class', 'category', 'target'].includes(name));
  if (path !== -1 && label !== -1) {
    const split = names.indexOf('split');
    return { path, label, split: split === -1 ? null : split, fromHeader: true };
  }
  return { path: 0, label: 1, split: null, fromHeader: false };
}

/** RFC 4180 fields: commas, double-quoted fields with "" for a quote, CRLF or LF lines; blank lines dropped. */
export function parseCsv(text: string): Row[] {
  const rows: Row[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0]!.trim() !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += ch;
    }
  }
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
