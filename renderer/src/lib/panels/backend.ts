/**
 * The badge for the backend a run trains on, and the hint when the GPU is
 * not used: the engine's own reason from `info`'s backends list (e.g. that
 * tfjs-node-gpu is not installed, or CUDA found no device).
 */
import type { BackendName, EngineInfo, RunStartedEvent } from '../../../../engine/protocol.js';

export interface BackendBadge {
  /** "GPU · TensorFlow", "WASM", "CPU · JavaScript"… */
  label: string;
  device: 'GPU' | 'CPU' | 'WASM' | null;
  /** Why the GPU is not used, when it is not. */
  hint: string;
  /** Each backend's availability, for the badge's tooltip. */
  detail: string;
}

const NAMES: Record<BackendName, string> = { tensorflow: 'TensorFlow (native)', wasm: 'WebAssembly', cpu: 'JavaScript' };

export function backendBadge(info: EngineInfo | null, started: RunStartedEvent | null): BackendBadge {
  const backend = started?.backend ?? info?.backend ?? null;
  const device = started?.device ?? info?.device ?? null;
  const detail = info ? info.backends.map((b) => `${NAMES[b.name]}: ${b.available ? 'available' : `not available — ${b.reason ?? 'no reason given'}`}`).join('\n') : '';
  if (!backend) {
    return { label: info ? 'backend chosen at the first run' : 'backend unknown', device: null, hint: gpuHint(info, null, null), detail };
  }
  const shown: BackendBadge['device'] = backend === 'wasm' ? 'WASM' : device;
  return { label: `${shown ?? ''} · ${NAMES[backend]}`, device: shown, hint: gpuHint(info, backend, device), detail };
}

function gpuHint(info: EngineInfo | null, backend: BackendName | null, device: 'GPU' | 'CPU' | null): string {
  if (device === 'GPU' || !info) return '';
  const tensorflow = info.backends.find((b) => b.name === 'tensorflow');
  if (tensorflow && !tensorflow.available) {
    return `The GPU is not used: ${tensorflow.reason ?? 'the native TensorFlow backend did not load'}.`;
  }
  if (backend === 'tensorflow' && device === 'CPU') {
    return 'The GPU is not used: TensorFlow loaded but found no CUDA device, so it runs on the processor.';
  }
  if (tensorflow?.available && backend && backend !== 'tensorflow') {
    return `The GPU is not used: the engine was started with the ${NAMES[backend]} backend.`;
  }
  return '';
}

// Where the engine runs, for the window's status line: in web mode the engine may be on another
// machine (a GPU server reached through an SSH tunnel), so the window names its host, backend and device.

/**
 * One short line for the header, e.g. "engine on gpu-box · GPU · TensorFlow (native)"; before the first
 * run has chosen a backend, the one it will choose ("wasm at first run"). The version is in the title.
 */
export function engineMachineLine(info: EngineInfo): string {
  const next = info.backends.find((b) => b.available)?.name;
  const backend = info.backend ? backendBadge(info, null).label : next ? `${next} at first run` : 'no backend';
  return `engine${info.host ? ` on ${info.host}` : ''} · ${backend}`;
}

/** The tooltip: the machine, the runtime, and every backend with why it is or is not available. */
export function engineMachineTitle(info: EngineInfo): string {
  const badge = backendBadge(info, null);
  return [
    `Engine ${info.version} on ${info.host ?? 'an unnamed machine'} (Node ${info.node}, TensorFlow.js ${info.tfjs}).`,
    info.backend ? `Backend: ${badge.label}${info.devices.length ? ` — ${info.devices.join(', ')}` : ''}.` : 'The backend is chosen when the first run starts.',
    badge.detail,
  ]
    .filter(Boolean)
    .join('\n');
}
