/**
 * Writes Fashion-MNIST as PNG files in the image-folder layout the studio
 * reads: OUT/train/<class>/*.png and OUT/test/<class>/*.png. Feeds the CLI's
 * end-to-end check and the training benchmark.
 *
 *   node --import tsx scripts/fashion-mnist-to-folders.ts --out DIR [--per-class N] [--source DIR]
 *
 * Running it again with the same options does nothing; the folder appears
 * only once complete (see engine/data/writeImageFolders.ts).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError } from '../engine/errors.js';
import {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_DEFAULT_DIR,
  FASHION_MNIST_LICENSE,
  readFashionMnist,
} from '../engine/data/fashionMnist.js';
import { completedFolder, writeImageFolders } from '../engine/data/writeImageFolders.js';

const USAGE = 'Usage: node --import tsx scripts/fashion-mnist-to-folders.ts --out DIR [--per-class N] [--source DIR]';

interface Options {
  outDir: string;
  perClass: number | undefined;
  sourceDir: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      'per-class': { type: 'string' },
      source: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.out) throw new UsageError('--out DIR is required.');
  let perClass: number | undefined;
  if (values['per-class'] !== undefined) {
    perClass = Number(values['per-class']);
    if (!(Number.isInteger(perClass) && perClass >= 1)) throw new UsageError(`--per-class must be a whole number ≥ 1, got "${values['per-class']}".`);
  }
  return { outDir: resolve(values.out), perClass, sourceDir: resolve(values.source ?? FASHION_MNIST_DEFAULT_DIR) };
}

class UsageError extends Error {}

/** One line that rewrites itself on a terminal; a line per 10% in a log. */
function progressPrinter(label: string): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    const line = `${label}: ${done}/${total} images (${percent}%)`;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r${line}${done === total ? '\n' : ''}`);
    } else if (Math.floor(percent / 10) !== lastTenth) {
      lastTenth = Math.floor(percent / 10);
      console.log(line);
    }
  };
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const request = {
    outDir: options.outDir,
    classNames: FASHION_MNIST_CLASS_NAMES,
    perClass: options.perClass,
    source: { dataset: 'fashion-mnist', dir: options.sourceDir, license: FASHION_MNIST_LICENSE },
  };
  try {
    const already = await completedFolder(request);
    if (already !== null) {
      console.log(`${options.outDir} is already complete (${describeCounts(already.counts)}); nothing to do.`);
      return 0;
    }
    const { train, test } = await readFashionMnist(options.sourceDir);
    const result = await writeImageFolders({
      ...request,
      splits: { train, test },
      onProgress: progressPrinter(`Writing Fashion-MNIST to ${options.outDir}`),
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`Wrote ${describeCounts(result.counts)} to ${result.outDir} in ${seconds.toFixed(1)} s.`);
    return 0;
  } catch (error) {
    const { message, hint } = describeError(error);
    console.error(hint ? `${message}\n${hint}` : message);
    return 1;
  }
}

function describeCounts(counts: Record<string, Record<string, number>>): string {
  return Object.entries(counts)
    .map(([split, perClass]) => `${Object.values(perClass).reduce((a, b) => a + b, 0)} ${split}`)
    .join(' + ');
}

process.exitCode = await main(process.argv.slice(2));
