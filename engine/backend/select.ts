/**
 * Picks the backend TensorFlow.js trains on and remembers which one it is.
 * 'auto' takes the fastest that starts: native TensorFlow when it runs on a
 * CUDA GPU, then WebGPU on a hardware adapter (any vendor), then WebAssembly,
 * then plain JavaScript. A named backend is used as it is: `webgpu` on a
 * software adapter, `tensorflow` on the processor.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { StudioError } from '../errors.js';
import type { BackendName, BackendPreference, BackendStatus, GpuAdapterInfo } from '../protocol.js';
import { registerTrainingKernels } from './kernels/register.js';
import { probeTensorflow, tensorflowInstallHint } from './tensorflow.js';
import { activateWasm, checkWasmBinary, type WasmProbe } from './wasm.js';
import { activateWebgpu, adapterLabel, probeWebgpu } from './webgpu.js';

// The cpu backend's corrections must be in place before anything trains on it.
registerTrainingKernels();

export type Device = 'GPU' | 'CPU';

export interface SelectedBackend {
  name: BackendName;
  device: Device;
  /** Backends tried before this one and why each could not be used ('auto' only). */
  unavailable: BackendStatus[];
  /** webgpu: the adapter it runs on. */
  adapter?: GpuAdapterInfo;
}

export interface ActiveBackend {
  name: BackendName;
  device: Device;
  /** What runs the kernels, in words, for the info panel. */
  devices: string[];
  /** webgpu: the adapter it runs on. */
  adapter?: GpuAdapterInfo;
}

/** Fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

type Attempt = { ok: true; device: Device; devices: string[]; adapter?: GpuAdapterInfo } | { ok: false; reason: string; hint: string; adapter?: GpuAdapterInfo };

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

/**
 * Starts one backend. `auto` (as opposed to a backend asked for by name)
 * refuses the two that run but would be slower than what follows them:
 * TensorFlow without a CUDA GPU, and WebGPU on a software adapter.
 */
async function activate(name: BackendName, auto: boolean): Promise<Attempt> {
  switch (name) {
    case 'tensorflow': {
      const previous = engineBackendName();
      const probe = probeTensorflow();
      if (!probe.loaded) {
        restoreBackend(previous);
        return { ok: false, reason: probe.reason, hint: tensorflowInstallHint };
      }
      if (auto && probe.device !== 'GPU') {
        restoreBackend(previous);
        return { ok: false, reason: 'TensorFlow loaded but found no CUDA GPU, so it would run on the processor', hint: tensorflowInstallHint };
      }
      if (!(await tf.setBackend('tensorflow'))) {
        return { ok: false, reason: 'TensorFlow failed to start (its warning above says why)', hint: tensorflowInstallHint };
      }
      const devices = probe.device === 'GPU' ? ['GPU: CUDA through libtensorflow'] : ['CPU: libtensorflow'];
      return { ok: true, device: probe.device, devices };
    }
    case 'webgpu': {
      const probe = await probeWebgpu();
      if (!probe.loaded) return { ok: false, reason: probe.reason, hint: probe.hint };
      if (auto && probe.adapter.software) {
        return {
          ok: false,
          reason: `its only adapter is a software one (${adapterLabel(probe.adapter)}), slower than WebAssembly; \`--backend webgpu\` uses it anyway`,
          hint: 'Install the GPU\'s driver for a hardware adapter.',
          adapter: probe.adapter,
        };
      }
      const started = await activateWebgpu();
      if (!started.loaded) return { ok: false, reason: started.reason, hint: started.hint, adapter: probe.adapter };
      return { ok: true, device: 'GPU', devices: [`GPU: WebGPU on ${adapterLabel(started.adapter)}`], adapter: started.adapter };
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
  return { tensorflow: 'TensorFlow (tfjs-node-gpu)', webgpu: 'WebGPU', wasm: 'WebAssembly', cpu: 'JavaScript (cpu)' }[name];
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
      const attempt = await activate(name, preference === 'auto');
      const adapter = attempt.adapter ? { adapter: attempt.adapter } : {};
      if (attempt.ok) {
        active = { name, device: attempt.device, devices: attempt.devices, ...adapter };
        return { name, device: attempt.device, unavailable, ...adapter };
      }
      if (preference !== 'auto') {
        throw new StudioError(`The ${label(name)} backend cannot be used: ${attempt.reason}.`, attempt.hint, 'backend-unavailable');
      }
      unavailable.push({ name, available: false, reason: attempt.reason, ...adapter });
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
    // Finding the adapter does not start the backend, so it switches nothing.
    const webgpu = await probeWebgpu();
    return [
      tensorflow.loaded ? { name: 'tensorflow', available: true } : { name: 'tensorflow', available: false, reason: tensorflow.reason },
      webgpu.loaded ? { name: 'webgpu', available: true, adapter: webgpu.adapter } : { name: 'webgpu', available: false, reason: webgpu.reason },
      wasm.loaded ? { name: 'wasm', available: true } : { name: 'wasm', available: false, reason: wasm.reason },
      { name: 'cpu', available: true },
    ];
  });
}

/** The backend the last selection made active, or null before the first. */
export function currentBackend(): ActiveBackend | null {
  return active;
}

/** Live tensors and the bytes they hold on the active backend; on webgpu also the bytes in GPU buffers. */
export function backendMemory(): { tensors: number; bytes: number; gpuBytes?: number } {
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return {
    tensors: memory.numTensors,
    bytes: memory.numBytes,
    ...(typeof memory.numBytesInGPU === 'number' ? { gpuBytes: memory.numBytesInGPU } : {}),
  };
}
