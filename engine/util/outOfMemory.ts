// Node's error type (NodeJS.ErrnoException) by name: the window type-checks this file too
// (it reaches it through graph/templates.ts) and loads no Node types of its own.
/// <reference types="node" />
/**
 * Allocation failures, recognised by what the runtimes say when memory runs
 * out: V8 ("Invalid typed array length", "Array buffer allocation failed"),
 * WebAssembly ("memory access out of bounds" when the wasm heap cannot grow),
 * TensorFlow ("OOM when allocating"), WebGPU ("out of memory"). They are the
 * machine's limit, not a bug: the person is told so, with what to shrink.
 */

const OUT_OF_MEMORY = [
  /invalid typed array length/i,
  /array buffer allocation failed/i,
  /invalid array length/i,
  /invalid string length/i,
  /memory access out of bounds/i,
  /\bout of memory\b/i,
  /\bOOM when allocating\b/,
  /failed to allocate/i,
  /cannot allocate memory/i,
  /Cannot create a Buffer larger than/i,
];

export function isOutOfMemory(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if ((e as NodeJS.ErrnoException).code === 'ENOMEM') return true;
  return OUT_OF_MEMORY.some((pattern) => pattern.test(e.message));
}

export const OUT_OF_MEMORY_HINT = 'Use a smaller batch size, fewer units or filters, or a smaller input size; close other programs using memory.';

export function describeOutOfMemory(e: unknown, about = ''): { message: string; hint: string; code: string } {
  const cause = e instanceof Error ? e.message.split('\n')[0]!.trim() : String(e);
  return { message: `Out of memory${about ? ` ${about}` : ''} (${cause}).`, hint: OUT_OF_MEMORY_HINT, code: 'out-of-memory' };
}
