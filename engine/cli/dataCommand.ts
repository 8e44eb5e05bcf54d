/**
 * `convnet-studio data <DIR|FILE.csv|IDX folder|project file>`: what a data
 * source holds, as the engine's data.summary answers it. With --json, one
 * line: {"type":"data-summary", …the summary}.
 */
import { statSync, readdirSync } from 'node:fs';
import { Engine } from '../engine.js';
import { defaultDataSource, type DataSource } from '../project/schema.js';
import type { DatasetSummary } from '../data/summary.js';
import { parseArgs, positiveIntFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';

const USAGE =
  'convnet-studio data <DIR | FILE.csv | IDX-DIR | PROJECT.cnnstudio.json> [--kind image-folder|csv|idx] ' +
  '[--validation-split F] [--test-split F] [--seed N] [--thumbnails N] [--quick] [--json]';

type Out = (line: string) => void;

export async function dataCommand(argv: string[], out: Out): Promise<number> {
  const { positional, flags } = parseArgs(
    argv,
    {
      kind: { value: true },
      'validation-split': { value: true },
      'test-split': { value: true },
      seed: { value: true },
      thumbnails: { value: true },
      quick: { value: false },
      json: { value: false },
    },
    USAGE,
  );
  if (positional.length !== 1) throw new UsageError(positional.length ? `Expected one data source, got ${positional.length}.` : 'Missing the data source.', `Usage: ${USAGE}`);
  const target = positional[0]!;
  const engine = new Engine();

  let data: DataSource;
  let projectPath: string | undefined;
  if (target.endsWith('.cnnstudio.json')) {
    const project = await engine.execute({ type: 'project.open', path: target });
    data = project.data;
    projectPath = target;
  } else {
    data = { ...defaultDataSource(), kind: kindFlag(flags) ?? guessKind(target), path: target } as DataSource;
  }
  data = {
    ...data,
    ...(flags['validation-split'] !== undefined ? { validationSplit: fractionFlag(flags, 'validation-split') } : {}),
    ...(flags['test-split'] !== undefined ? { testSplit: fractionFlag(flags, 'test-split') } : {}),
    ...(flags.seed !== undefined ? { seed: integerFlag(flags, 'seed') } : {}),
  };
  const thumbnails = flags.thumbnails !== undefined ? (flags.thumbnails === '0' ? 0 : positiveIntFlag(flags, 'thumbnails')!) : flags.json ? 4 : 0;
  const summary = await engine.execute({ type: 'data.summary', data, projectPath, thumbnailsPerClass: thumbnails, verify: flags.quick !== true });
  if (flags.json) out(JSON.stringify({ type: 'data-summary', ...summary }));
  else out(formatSummary(summary));
  return 0;
}

function kindFlag(flags: ParsedArgs['flags']): DataSource['kind'] | undefined {
  const kind = stringFlag(flags, 'kind');
  if (kind === undefined) return undefined;
  if (kind === 'image-folder' || kind === 'csv' || kind === 'idx') return kind;
  throw new UsageError(`--kind must be image-folder, csv or idx (got "${kind}").`, `Usage: ${USAGE}`);
}

/** A .csv file is a CSV; a folder or file with MNIST-style IDX names is IDX; anything else an image folder. */
function guessKind(path: string): DataSource['kind'] {
  try {
    const stats = statSync(path);
    if (stats.isFile()) return /\.csv$/i.test(path) ? 'csv' : /idx\d-ubyte/.test(path) ? 'idx' : 'image-folder';
    if (readdirSync(path).some((name) => /^train-images-idx3-ubyte(\.gz)?$/.test(name))) return 'idx';
  } catch {
    // A missing path: the engine names it in its error.
  }
  return 'image-folder';
}

function fractionFlag(flags: ParsedArgs['flags'], name: string): number {
  const raw = stringFlag(flags, name) ?? '';
  const value = raw.endsWith('%') ? Number(raw.slice(0, -1)) / 100 : Number(raw);
  if (!(raw.trim() !== '' && Number.isFinite(value) && value >= 0 && value < 1)) {
    throw new UsageError(`--${name} must be a fraction from 0 to below 1, or a percentage (got "${raw}").`, `For example --${name} 0.1 or --${name} 10%.`);
  }
  return value;
}

function integerFlag(flags: ParsedArgs['flags'], name: string): number {
  const raw = stringFlag(flags, name) ?? '';
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be a whole number (got "${raw}").`, `For example --${name} 42.`);
  return Number(raw);
}

const ORIGIN_WORDS = { given: 'from the source', 'held-out': 'held out of train', none: 'none' } as const;

export function formatSummary(s: DatasetSummary): string {
  const lines: string[] = [];
  const n = (value: number) => value.toLocaleString('en-US');
  lines.push(`${s.source.path}: ${s.source.layout}`);
  lines.push(
    `${n(s.total)} images in ${s.classNames.length} classes` +
      ` (validation: ${ORIGIN_WORDS[s.origin.validation]}, test: ${ORIGIN_WORDS[s.origin.test]})` +
      (s.verified ? '' : ' — headers only (--quick); decoding may skip more'),
  );
  const nameWidth = Math.max(5, ...s.classNames.map((name) => name.length));
  const columns = ['train', 'validation', 'test'] as const;
  const widths = columns.map((split) => Math.max(split.length, n(s.splits[split]).length));
  const row = (label: string, cells: string[]) => `  ${label.padEnd(nameWidth)}  ${cells.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}`;
  lines.push(row('class', [...columns]));
  s.classNames.forEach((name, c) => lines.push(row(name, columns.map((split) => n(s.perClass[split][c]!)))));
  lines.push(row('total', columns.map((split) => n(s.splits[split]))));
  const sizes = s.sizes.map((size) => `${size.width}×${size.height} (${n(size.count)})`).join(', ');
  lines.push(`Sizes: ${sizes || 'none'}${s.distinctSizes > s.sizes.length ? `, and ${s.distinctSizes - s.sizes.length} more` : ''}`);
  lines.push(`Formats: ${Object.entries(s.formats).map(([format, count]) => `${format} ${n(count)}`).join(', ') || 'none'}`);
  if (s.skipped.length === 0) lines.push('Skipped: none');
  else {
    lines.push(`Skipped (${n(s.skipped.length)}):`);
    for (const entry of s.skipped.slice(0, 50)) lines.push(`  ${entry.path}: ${entry.reason}`);
    if (s.skipped.length > 50) lines.push(`  … and ${n(s.skipped.length - 50)} more (--json lists them all)`);
  }
  if (s.warnings.length === 0) lines.push('Warnings: none');
  else for (const warning of s.warnings) lines.push(`⚠ ${warning}`);
  return lines.join('\n');
}
