/**
 * What a backend can hold, for the memory checks of graph/memory.ts: the
 * machine's memory, and for the WebAssembly backend its 32-bit heap (4 GiB
 * at most). GPU backends are held to the machine's memory too: their device
 * memory is not reported to tfjs, and an allocation they cannot make is
 * reported as out of memory (util/outOfMemory.ts) rather than as a bug.
 */
import { totalmem } from 'node:os';
import { formatMemory, type MemoryLimit } from '../graph/memory.js';

const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/** The WebAssembly backend is held to its heap where that is smaller than the machine's memory. */
const heapIsTheLimit = (backend: string | null | undefined) => backend === 'wasm' && WASM_HEAP_BYTES < totalmem();

export function memoryLimit(backend: string | null | undefined): MemoryLimit {
  const machine = totalmem();
  if (heapIsTheLimit(backend)) return { bytes: WASM_HEAP_BYTES, label: "the WebAssembly backend's 4 GiB heap" };
  return { bytes: machine, label: `this machine's ${formatMemory(machine)} of memory` };
}

/**
 * How many worker replicas (train/parallel) count against memoryLimit(backend):
 * none where the limit is the WebAssembly heap, of which every replica has its
 * own; threads − 1 where the limit is the machine's memory, which they share.
 */
export function workersSharingLimit(backend: string | null | undefined, threads: number): number {
  return heapIsTheLimit(backend) ? 0 : Math.max(0, threads - 1);
}
