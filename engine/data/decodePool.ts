/**
 * Decodes many image files at once on every core: worker threads run the
 * JavaScript PNG path (decodeWorker.ts), and files for sharp go to sharp,
 * which decodes on libuv's threads. Both keep the main thread free for
 * training, which is what lets streamed batches be read ahead while the
 * previous batch trains.
 *
 * Workers are started on first use and do not keep the process alive when
 * idle. Where they cannot start (a runtime without worker threads or without
 * the TypeScript loader), everything is decoded on the main thread instead.
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResizeMode } from '../project/schema.js';
import { forEachWithConcurrency } from './concurrency.js';
import { decodeImageInto, decodeWithSharpInto, ImageDecodeError, readImageFile } from './decode.js';
import type { ImageInputShape } from './types.js';

export interface DecodeRequest {
  id: number;
  paths: string[];
  input: ImageInputShape;
  resize: ResizeMode;
}

export interface DecodeResponse {
  id: number;
  pixels: Uint8Array;
  /** Per path: decoded, to be decoded by sharp, or the reason it failed. */
  outcomes: ('ok' | 'sharp' | string)[];
}

/** Paths per message: large enough to hide the messaging, small enough to spread over the workers. */
const CHUNK = 32;
/** sharp decodes in flight on the main thread's side (libuv has 4 threads by default). */
const SHARP_CONCURRENCY = Math.max(4, availableParallelism()) * 2;

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { request: DecodeRequest; resolve: (response: DecodeResponse) => void }>;
}

export class DecodePool {
  private static sharedPool: DecodePool | null = null;
  private workers: PoolWorker[] | null = null;
  private workersFailed = false;
  private nextId = 1;
  private nextWorker = 0;

  constructor(private readonly size = Math.max(1, Math.min(4, availableParallelism()))) {}

  /** One pool per process: its workers are shared by loading, streaming and summaries. */
  static shared(): DecodePool {
    return (DecodePool.sharedPool ??= new DecodePool());
  }

  /**
   * Decodes `paths` into `target` (image after image) and returns, per path,
   * null when it decoded or the reason it did not.
   */
  async decodeMany(paths: readonly string[], input: ImageInputShape, resize: ResizeMode, target: Uint8Array): Promise<(string | null)[]> {
    const imageBytes = input.height * input.width * input.channels;
    if (target.length < paths.length * imageBytes) throw new RangeError(`target holds ${target.length} bytes, ${paths.length} images need ${paths.length * imageBytes}`);
    const reasons: (string | null)[] = new Array(paths.length).fill(null);
    const workers = this.startWorkers();
    if (workers === null) {
      await forEachWithConcurrency(paths, SHARP_CONCURRENCY, async (path, i) => {
        reasons[i] = await decodeOne(path, input, resize, target.subarray(i * imageBytes, (i + 1) * imageBytes));
      });
      return reasons;
    }
    const forSharp: number[] = [];
    const chunks: Promise<void>[] = [];
    for (let start = 0; start < paths.length; start += CHUNK) {
      const slice = paths.slice(start, start + CHUNK);
      chunks.push(
        this.send(workers, { id: this.nextId++, paths: slice, input, resize }).then((response) => {
          target.set(response.pixels, start * imageBytes);
          response.outcomes.forEach((outcome, k) => {
            if (outcome === 'sharp') forSharp.push(start + k);
            else if (outcome !== 'ok') reasons[start + k] = outcome;
          });
        }),
      );
    }
    await Promise.all(chunks);
    await forEachWithConcurrency(forSharp, SHARP_CONCURRENCY, async (i) => {
      const slot = target.subarray(i * imageBytes, (i + 1) * imageBytes);
      try {
        await decodeWithSharpInto(paths[i]!, await readImageFile(paths[i]!), input, resize, slot);
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        reasons[i] = error.message;
      }
    });
    return reasons;
  }

  /** Stops the workers; the next call starts them again. */
  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = null;
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }

  private send(workers: PoolWorker[], request: DecodeRequest): Promise<DecodeResponse> {
    const target = workers[this.nextWorker++ % workers.length]!;
    return new Promise((resolve) => {
      target.pending.set(request.id, { request, resolve });
      target.worker.ref();
      target.worker.postMessage(request);
    });
  }

  private startWorkers(): PoolWorker[] | null {
    if (this.workers !== null) return this.workers;
    if (this.workersFailed) return null;
    try {
      this.workers = Array.from({ length: this.size }, () => this.startWorker());
    } catch (error) {
      process.stderr.write(`engine: decode workers cannot start (${error instanceof Error ? error.message : String(error)}); images are decoded on the main thread.\n`);
      this.workersFailed = true;
      return null;
    }
    return this.workers;
  }

  private startWorker(): PoolWorker {
    const worker = new Worker(workerBootstrap(), { eval: true });
    const entry: PoolWorker = { worker, pending: new Map() };
    worker.unref();
    // An unref() before the thread is online does not hold: a worker that
    // never got a message kept the process alive. Say it again once online.
    worker.once('online', () => {
      if (entry.pending.size === 0) worker.unref();
    });
    worker.on('message', (response: DecodeResponse) => {
      const waiting = entry.pending.get(response.id);
      entry.pending.delete(response.id);
      // An idle worker must not keep the process alive.
      if (entry.pending.size === 0) worker.unref();
      waiting?.resolve(response);
    });
    worker.on('error', (error) => {
      // A worker that dies hands its files to sharp, and decoding stays on the main thread's side from then on.
      // Said once, so a worker that cannot load (a broken install or bundle) does not go unnoticed.
      if (!this.workersFailed) process.stderr.write(`engine: a decode worker failed (${error.message}); images are decoded on the main thread from now on.\n`);
      this.workersFailed = true;
      this.workers = null;
      for (const { request, resolve } of entry.pending.values()) resolve(everythingToSharp(request));
      entry.pending.clear();
    });
    return entry;
  }
}

/**
 * The worker's entry, beside this module: decodeWorker.mjs in the bundles
 * (dist/engine); from TypeScript sources the worker loads tsx first.
 */
function workerBootstrap(): string {
  const here = fileURLToPath(import.meta.url);
  const extension = extname(here);
  const workerUrl = new URL(`./decodeWorker${extension}`, import.meta.url).href;
  if (extension !== '.ts') return `import(${JSON.stringify(workerUrl)});`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(workerUrl)}); });`;
}

function everythingToSharp(request: DecodeRequest): DecodeResponse {
  const imageBytes = request.input.height * request.input.width * request.input.channels;
  return { id: request.id, pixels: new Uint8Array(request.paths.length * imageBytes), outcomes: request.paths.map(() => 'sharp') };
}

async function decodeOne(path: string, input: ImageInputShape, resize: ResizeMode, slot: Uint8Array): Promise<string | null> {
  try {
    await decodeImageInto(path, input, slot, resize);
    return null;
  } catch (error) {
    if (error instanceof ImageDecodeError) return error.message;
    throw error;
  }
}
