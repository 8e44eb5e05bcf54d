/**
 * Where the engine runs, for the window's status line: in web mode the
 * engine may be on another machine (a GPU server reached through an SSH
 * tunnel), so the window names its host, backend and device.
 */
import type { EngineInfo } from '../../../engine/protocol.js';
import { backendBadge } from './panels/backend';

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
