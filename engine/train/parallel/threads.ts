/**
 * How many threads a run trains on: the caller's `threads` option (the CLI's
 * --threads, the window's field), else CONVNET_STUDIO_THREADS (so a whole test
 * suite can run on replicas), else 1 — today's single-thread path. Only the
 * CPU backends (wasm, cpu) train on replicas; a GPU backend does its own
 * parallelism and the run says 1.
 */
import { availableParallelism } from 'node:os';
import { StudioError } from '../../errors.js';
import type { BackendName } from '../../protocol.js';

export const THREADS_ENV = 'CONVNET_STUDIO_THREADS';

/** More replicas than this only multiply memory: each holds the model and its share's activations. */
export const MAX_THREADS = 64;

/** The machine's logical cores (the CLI's default; the window takes one fewer). */
export function machineCores(): number {
  return availableParallelism();
}

/** Backends whose runs are split over worker replicas. */
export function trainsOnReplicas(backend: BackendName): boolean {
  return backend === 'wasm' || backend === 'cpu';
}

/** A thread count from a caller or the environment, checked; the error names where it came from. */
export function checkThreads(value: unknown, source: string): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new StudioError(
      `${source} must be a whole number from 1 to ${MAX_THREADS} (got ${JSON.stringify(value)}).`,
      `Use 1 for one thread, or up to the machine's ${machineCores()} cores.`,
      'bad-threads',
    );
  }
  return n;
}

/** The threads asked for: the option, else the environment variable, else 1. */
export function requestedThreads(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return checkThreads(option, 'threads');
  const fromEnv = env[THREADS_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return checkThreads(fromEnv, THREADS_ENV);
  return 1;
}

/** The threads a run really uses on `backend`. */
export function threadsUsed(requested: number, backend: BackendName): number {
  return trainsOnReplicas(backend) ? requested : 1;
}

/**
 * The engine's thread's share of each batch, relative to a worker's. Measured
 * on the seed CNN with the run's fused Adam (issue 12, docs/performance.md,
 * "The serial part of a two-thread step"): the worker's part carries its
 * weight reads, input tensors and gradient write-out, so equal shares leave
 * the engine's thread waiting for it; at 1.1× (34/30) the engine's own share
 * was the longer one (busiest thread 40–42 ms CPU a step against 38–39 at
 * 1.05× and 1.0×), and at 1.05× (33/31) the two parts are even. A fixed weight
 * keeps every run reproducible at a given thread count (timing never decides
 * the split).
 */
export const ENGINE_SHARE_WEIGHT = 1.05;

/**
 * A batch of `count` samples split into at most `threads` contiguous shares,
 * the larger ones first; empty shares are left out (a last batch smaller than
 * the thread count uses fewer replicas). With an `engineWeight` other than 1
 * the first share (the engine's thread's) is that multiple of a worker's,
 * rounded; the split depends only on its arguments.
 */
export function splitShares(count: number, threads: number, engineWeight = 1): { start: number; count: number }[] {
  const sizes: number[] = [];
  if (engineWeight === 1 || threads < 2) {
    const base = Math.floor(count / threads);
    const extra = count % threads;
    for (let k = 0; k < threads; k++) sizes.push(base + (k < extra ? 1 : 0));
  } else {
    const first = Math.max(1, Math.round((count * engineWeight) / (engineWeight + threads - 1)));
    const rest = count - first;
    const base = Math.floor(rest / (threads - 1));
    const extra = rest % (threads - 1);
    sizes.push(Math.min(first, count));
    for (let k = 1; k < threads; k++) sizes.push(base + (k - 1 < extra ? 1 : 0));
  }
  const shares: { start: number; count: number }[] = [];
  let start = 0;
  for (const size of sizes) {
    if (size === 0) break;
    shares.push({ start, count: size });
    start += size;
  }
  return shares;
}
