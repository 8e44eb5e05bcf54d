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

export function memoryLimit(backend: string | null | undefined): MemoryLimit {
  const machine = totalmem();
  if (backend === 'wasm' && WASM_HEAP_BYTES < machine) return { bytes: WASM_HEAP_BYTES, label: "the WebAssembly backend's 4 GiB heap" };
  return { bytes: machine, label: `this machine's ${formatMemory(machine)} of memory` };
}
