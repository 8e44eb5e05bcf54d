/**
 * Where the engine runs, for the window's status line: in web mode the
 * engine may be on another machine (a GPU server reached through an SSH
 * tunnel), so the window names its host, backend and device.
 */
import type { EngineInfo } from '../../../engine/protocol.js';
import { backendBadge } from './panels/backend';

/** One line: "engine 0.1.0 on gpu-box · GPU · TensorFlow (CUDA)". */
export function engineMachineLine(info: EngineInfo): string {
  return `engine ${info.version}${info.host ? ` on ${info.host}` : ''} · ${backendBadge(info, null).label}`;
}

/** The tooltip: the machine, the runtime, and every backend with why it is or is not available. */
export function engineMachineTitle(info: EngineInfo): string {
  const badge = backendBadge(info, null);
  return [
    `The engine runs on ${info.host ?? 'an unnamed machine'} (Node ${info.node}, TensorFlow.js ${info.tfjs}).`,
    info.backend ? `Backend: ${badge.label}${info.devices.length ? ` — ${info.devices.join(', ')}` : ''}.` : 'The backend is chosen when the first run starts.',
    badge.detail,
  ]
    .filter(Boolean)
    .join('\n');
}
