/**
 * The WebAssembly backend: XNNPACK compiled to wasm, several times faster
 * than the pure-JS cpu backend, plus the training kernels it lacks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from './kernels/register.js';

const require = createRequire(import.meta.url);

// Registered on import, not on selection: importing tfjs-backend-wasm makes
// 'wasm' a candidate that tfjs may start by itself, and it must never run
// without the gradients a training step needs.
registerTrainingKernels();

export type WasmProbe = { loaded: true; detail: string } | { loaded: false; reason: string };

/** The package's dist folder, which holds the .wasm binaries beside its Node entry. */
function wasmDistFolder(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
}

// The project compiles without the DOM library, where WebAssembly's types live.
const { WebAssembly } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } };

const BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

let configured = false;

/**
 * Points the loader at the installed binaries once: setWasmPaths throws when
 * called after the backend has initialised, so a second call must not reach it.
 */
function configureWasm(): void {
  if (configured) return;
  const folder = wasmDistFolder();
  setWasmPaths(Object.fromEntries(BINARIES.map((name) => [name, join(folder, name)])));
  // tfjs-backend-wasm turns off its multi-threaded build under Node (it
  // needs browser workers), so XNNPACK runs on the calling thread; saying 1
  // makes that explicit rather than a default that differs by platform.
  setThreadsCount(1);
  configured = true;
}

/** Whether the binary this platform would use is present and compiles, without activating the backend. */
export async function checkWasmBinary(): Promise<WasmProbe> {
  let folder: string;
  try {
    folder = wasmDistFolder();
  } catch {
    return { loaded: false, reason: '@tensorflow/tfjs-backend-wasm is not installed' };
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const file = join(folder, simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm');
  if (!existsSync(file)) return { loaded: false, reason: `the WebAssembly binary is missing: ${file}` };
  try {
    await WebAssembly.compile(readFileSync(file));
  } catch (e) {
    return { loaded: false, reason: `the WebAssembly binary does not compile here: ${(e as Error).message}` };
  }
  return { loaded: true, detail: describeWasm(simd === true, 1) };
}

function describeWasm(simd: boolean, threads: number): string {
  return `CPU: WebAssembly (XNNPACK${simd ? ', SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'})`;
}

/** Activates the wasm backend with the project's training kernels registered. */
export async function activateWasm(): Promise<WasmProbe> {
  const binary = await checkWasmBinary();
  if (!binary.loaded) return binary;
  configureWasm();
  const ok = await tf.setBackend('wasm');
  if (!ok) return { loaded: false, reason: 'the WebAssembly backend failed to initialise (its warning above says why)' };
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { loaded: true, detail: describeWasm(simd, getThreadsCount()) };
}
