/**
 * The badge for the backend a run trains on (with the WebGPU adapter's name
 * when it is webgpu), and the hint when the GPU is not used: the engine's own
 * reasons from `info`'s backends list (e.g. that tfjs-node-gpu is not
 * installed, that Vulkan has no driver, or that the only adapter is software).
 */
import type { BackendName, EngineInfo, GpuAdapterInfo, RunStartedEvent } from '../../../../engine/protocol.js';

export interface BackendBadge {
  /** "GPU · TensorFlow", "GPU · WebGPU · apple metal-3", "WASM · WebAssembly", "CPU · JavaScript"… */
  label: string;
  device: 'GPU' | 'CPU' | 'WASM' | null;
  /** Why the GPU is not used, when it is not. */
  hint: string;
  /** Each backend's availability, for the badge's tooltip. */
  detail: string;
}

const NAMES: Record<BackendName, string> = { tensorflow: 'TensorFlow (native)', webgpu: 'WebGPU', wasm: 'WebAssembly', cpu: 'JavaScript' };

/** "nvidia ampere", "apple metal-3", "google swiftshader (software)": what the driver calls the adapter. */
export function adapterName(adapter: GpuAdapterInfo, { marked = true } = {}): string {
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || adapter.device || adapter.description || 'unnamed adapter';
  return `${name}${marked && adapter.software ? ' (software)' : ''}`;
}

export function backendBadge(info: EngineInfo | null, started: RunStartedEvent | null): BackendBadge {
  const backend = started?.backend ?? info?.backend ?? null;
  const device = started?.device ?? info?.device ?? null;
  const adapter = started ? started.adapter : info?.adapter;
  const detail = info
    ? info.backends
        .map((b) => `${NAMES[b.name]}: ${b.available ? `available${b.adapter ? ` on ${adapterName(b.adapter)}${b.adapter.description ? ` — ${b.adapter.description}` : ''}` : ''}` : `not available — ${b.reason ?? 'no reason given'}`}`)
        .join('\n')
    : '';
  if (!backend) {
    return { label: info ? 'backend chosen at the first run' : 'backend unknown', device: null, hint: gpuHint(info, null, null, null), detail };
  }
  const shown: BackendBadge['device'] = backend === 'wasm' ? 'WASM' : device;
  const on = backend === 'webgpu' && adapter ? ` · ${adapterName(adapter)}` : '';
  return { label: `${shown ?? ''} · ${NAMES[backend]}${on}`, device: shown, hint: gpuHint(info, backend, device, adapter ?? null), detail };
}

function gpuHint(info: EngineInfo | null, backend: BackendName | null, device: 'GPU' | 'CPU' | null, adapter: GpuAdapterInfo | null): string {
  if (backend === 'webgpu' && adapter?.software) {
    return `WebGPU runs on a software adapter (${adapterName(adapter, { marked: false })}), slower than WebAssembly: install the GPU's driver for a hardware one.`;
  }
  if (device === 'GPU' || !info) return '';
  const tensorflow = info.backends.find((b) => b.name === 'tensorflow');
  const webgpu = info.backends.find((b) => b.name === 'webgpu');
  const webgpuWhy = !webgpu
    ? ''
    : !webgpu.available
      ? ` WebGPU: ${webgpu.reason ?? 'no adapter'}.`
      : webgpu.adapter?.software
        ? ` WebGPU found only a software adapter (${adapterName(webgpu.adapter, { marked: false })}).`
        : '';
  if (tensorflow && !tensorflow.available) {
    return `The GPU is not used: ${tensorflow.reason ?? 'the native TensorFlow backend did not load'}.${webgpuWhy}`;
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
