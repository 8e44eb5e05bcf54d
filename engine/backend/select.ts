/**
 * Picks the backend TensorFlow.js trains on and remembers which one it is.
 * 'auto' takes the fastest that starts: native TensorFlow (tfjs-node-gpu, on
 * the GPU when CUDA works), then WebAssembly, then plain JavaScript.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { StudioError } from '../errors.js';
import type { BackendName, BackendPreference, BackendStatus } from '../protocol.js';
import { registerTrainingKernels } from './kernels/register.js';
import { probeTensorflow, tensorflowInstallHint } from './tensorflow.js';
import { activateWasm, checkWasmBinary, type WasmProbe } from './wasm.js';

// The cpu backend's corrections must be in place before anything trains on it.
registerTrainingKernels();

export type Device = 'GPU' | 'CPU';

export interface SelectedBackend {
  name: BackendName;
  device: Device;
  /** Backends tried before this one and why each could not be used ('auto' only). */
  unavailable: BackendStatus[];
}

export interface ActiveBackend {
  name: BackendName;
  device: Device;
  /** What runs the kernels, in words, for the info panel. */
  devices: string[];
}

/** Fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

type Attempt = { ok: true; device: Device; devices: string[] } | { ok: false; reason: string; hint: string };

let active: ActiveBackend | null = null;
let wasmOutcome: WasmProbe | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Selection and description switch tfjs's global backend; run one at a time
 * so that neither sees the other's half-finished switch.
 */
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

function engineBackendName(): string | null {
  return (tf.engine().backendName as string | undefined) ?? null;
}

/**
 * Loading tfjs-node-gpu activates 'tensorflow' by itself; put back whatever
 * was active. setBackend switches synchronously to an initialised backend,
 * so this finishes before any other code runs.
 */
function restoreBackend(previous: string | null): void {
  if (previous !== null && engineBackendName() !== previous && tf.engine().registry[previous]) {
    void tf.setBackend(previous);
  }
}

async function activate(name: BackendName): Promise<Attempt> {
  switch (name) {
    case 'tensorflow': {
      const previous = engineBackendName();
      const probe = probeTensorflow();
      if (!probe.loaded) {
        restoreBackend(previous);
        return { ok: false, reason: probe.reason, hint: tensorflowInstallHint };
      }
      if (!(await tf.setBackend('tensorflow'))) {
        return { ok: false, reason: 'TensorFlow failed to start (its warning above says why)', hint: tensorflowInstallHint };
      }
      const devices = probe.device === 'GPU' ? ['GPU: CUDA through libtensorflow'] : ['CPU: libtensorflow'];
      return { ok: true, device: probe.device, devices };
    }
    case 'wasm': {
      wasmOutcome = await activateWasm();
      if (!wasmOutcome.loaded) {
        return {
          ok: false,
          reason: wasmOutcome.reason,
          hint: 'Reinstall the studio\'s dependencies (`npm install`) so that @tensorflow/tfjs-backend-wasm and its .wasm files are present.',
        };
      }
      return { ok: true, device: 'CPU', devices: [wasmOutcome.detail] };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) {
        return { ok: false, reason: 'the JavaScript backend failed to start', hint: 'Reinstall the studio\'s dependencies (`npm install`).' };
      }
      return { ok: true, device: 'CPU', devices: ['CPU: JavaScript'] };
    }
  }
}

function label(name: BackendName): string {
  return name === 'tensorflow' ? 'TensorFlow (tfjs-node-gpu)' : name === 'wasm' ? 'WebAssembly' : 'JavaScript (cpu)';
}

/**
 * Makes a backend the active one. 'auto' falls through the order above and
 * lists what it skipped; a named backend is used alone, and a StudioError
 * says why when it cannot start. Safe to call again: the loaders are
 * memoised, and switching to an initialised backend is cheap.
 */
export function selectBackend(preference: BackendPreference = 'auto'): Promise<SelectedBackend> {
  return oneAtATime(async () => {
    const candidates = preference === 'auto' ? BACKEND_ORDER : [preference];
    const unavailable: BackendStatus[] = [];
    for (const name of candidates) {
      const attempt = await activate(name);
      if (attempt.ok) {
        active = { name, device: attempt.device, devices: attempt.devices };
        return { name, device: attempt.device, unavailable };
      }
      if (preference !== 'auto') {
        throw new StudioError(`The ${label(name)} backend cannot be used: ${attempt.reason}.`, attempt.hint, 'backend-unavailable');
      }
      unavailable.push({ name, available: false, reason: attempt.reason });
    }
    throw new StudioError(
      `No TensorFlow.js backend could start: ${unavailable.map((s) => `${s.name}: ${s.reason}`).join('; ')}.`,
      'Reinstall the studio\'s dependencies (`npm install`).',
      'backend-unavailable',
    );
  });
}

/**
 * Whether each backend can be used here, and why not, without changing the
 * active one. TensorFlow is really loaded (that is the only way to know that
 * libtensorflow and CUDA work); WebAssembly is known from the selection when
 * it has been tried, otherwise from compiling its binary.
 */
export function describeBackends(): Promise<BackendStatus[]> {
  return oneAtATime(async () => {
    const previous = engineBackendName();
    const tensorflow = probeTensorflow();
    restoreBackend(previous);
    const wasm = wasmOutcome ?? (await checkWasmBinary());
    return [
      tensorflow.loaded ? { name: 'tensorflow', available: true } : { name: 'tensorflow', available: false, reason: tensorflow.reason },
      wasm.loaded ? { name: 'wasm', available: true } : { name: 'wasm', available: false, reason: wasm.reason },
      { name: 'cpu', available: true },
    ];
  });
}

/** The backend the last selection made active, or null before the first. */
export function currentBackend(): ActiveBackend | null {
  return active;
}

/** Live tensors and the bytes they hold on the active backend. */
export function backendMemory(): { tensors: number; bytes: number } {
  const memory = tf.memory();
  return { tensors: memory.numTensors, bytes: memory.numBytes };
}
