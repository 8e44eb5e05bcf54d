/**
 * `npm run bench:data`: images decoded and resized per second from a
 * Fashion-MNIST PNG folder by the studio's loader (the decode pool: the
 * JavaScript PNG path in worker threads, sharp for everything else), side by
 * side with a plain PIL loop in Debian's python3 on the same files
 * (bench/pil_loader.py), and with sharp alone for reference. Writes the
 * table as JSON under bench/results/. Not part of `npm test`.
 *
 * Options: --dir DIR (default /tmp/fashion-folders, written from Debian's
 * dataset-fashion-mnist when missing), --size N (default 32: every image is
 * resized), --channels 1|3 (default 1), --limit N (images, default all),
 * --python PATH (default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { forEachWithConcurrency } from '../engine/data/concurrency.js';
import { decodeWithSharpInto, readImageFile } from '../engine/data/decode.js';
import { DecodePool } from '../engine/data/decodePool.js';
import { flagValue, loadAverage } from './args.js';

const dir = flagValue('dir') ?? '/tmp/fashion-folders';
const size = Number(flagValue('size') ?? 32);
const channels = Number(flagValue('channels') ?? 1) as 1 | 3;
const limit = flagValue('limit') !== undefined ? Number(flagValue('limit')) : undefined;
const python = flagValue('python') ?? '/usr/bin/python3';
const input = { height: size, width: size, channels };

interface Row {
  loader: string;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  load: [string, string];
}

async function pngFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.png')) files.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return files.sort();
}

async function timed(loader: string, count: number, work: () => Promise<void>): Promise<Row> {
  const before = loadAverage();
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  return { loader, images: count, seconds, imagesPerSecond: count / seconds, load: [before, loadAverage()] };
}

if (!existsSync(dir)) {
  console.log(`${dir} is missing; writing Fashion-MNIST there first…`);
  const made = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/fashion-mnist-to-folders.ts', '--out', dir], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
}
let files = await pngFiles(dir);
if (limit !== undefined) files = files.slice(0, limit);
console.log(`${files.length} PNGs from ${dir}, each decoded and resized to ${size}×${size}×${channels}; ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), load ${loadAverage()}`);

const rows: Row[] = [];
/** The loader's way: chunks of 2048 paths through the pool, as loadDataset decodes. */
async function throughPool(label: string, pool: DecodePool): Promise<Row> {
  // Start the workers outside the timing, as a running studio has them.
  await pool.decodeMany(files.slice(0, 256), input, 'stretch', new Uint8Array(256 * size * size * channels));
  const row = await timed(label, files.length, async () => {
    const chunk = 2048;
    const target = new Uint8Array(chunk * size * size * channels);
    for (let start = 0; start < files.length; start += chunk) {
      const reasons = await pool.decodeMany(files.slice(start, start + chunk), input, 'stretch', target);
      const failed = reasons.find((reason) => reason !== null);
      if (failed) throw new Error(failed);
    }
  });
  await pool.close();
  return row;
}
rows.push(await throughPool(`studio (decode pool, ${Math.max(1, Math.min(4, availableParallelism()))} workers)`, new DecodePool()));
// One worker against PIL's one process: the per-core comparison, which other load on the machine skews least.
rows.push(await throughPool('studio (one worker)', new DecodePool(1)));

const sharpFiles = files.slice(0, Math.min(files.length, 10_000));
rows.push(
  await timed('sharp alone (libuv threads)', sharpFiles.length, async () => {
    const imageBytes = size * size * channels;
    await forEachWithConcurrency(sharpFiles, Math.max(4, availableParallelism()) * 2, async (path) => {
      await decodeWithSharpInto(path, await readImageFile(path), input, 'stretch', new Uint8Array(imageBytes));
    });
  }),
);

const before = loadAverage();
const pil = spawnSync(python, ['bench/pil_loader.py', dir, String(size), String(channels), ...(limit !== undefined ? [String(limit)] : [])], { encoding: 'utf8' });
if (pil.status === 0) {
  const result = JSON.parse(pil.stdout.trim().split('\n').pop()!) as { images: number; seconds: number; imagesPerSecond: number; pil: string };
  rows.push({ loader: `PIL ${result.pil} (python3, one process)`, images: result.images, seconds: result.seconds, imagesPerSecond: result.imagesPerSecond, load: [before, loadAverage()] });
} else {
  console.log(`PIL loader did not run (${python}): ${pil.stderr.trim().split('\n').pop()}. Install Debian's python3-pil.`);
}

const pilRow = rows.find((row) => row.loader.startsWith('PIL'));
console.log(`\n${'loader'.padEnd(36)} ${'images'.padStart(7)} ${'seconds'.padStart(8)} ${'images/s'.padStart(9)}  vs PIL  load (start → end)`);
for (const row of rows) {
  const ratio = pilRow ? `${(row.imagesPerSecond / pilRow.imagesPerSecond).toFixed(2)}×` : '';
  console.log(`${row.loader.padEnd(36)} ${String(row.images).padStart(7)} ${row.seconds.toFixed(2).padStart(8)} ${Math.round(row.imagesPerSecond).toString().padStart(9)}  ${ratio.padStart(6)}  ${row.load[0]} → ${row.load[1]}`);
}
await mkdir('bench/results', { recursive: true });
const out = join('bench/results', `data-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(out, JSON.stringify({ dir, size, channels, cores: availableParallelism(), rows }, null, 2) + '\n');
console.log(`\nWritten to ${out}`);
