/**
 * An engine's `info` as the renderer's pure panel functions read it (the
 * status line, the backend badge): engine 0.1.0 on Node v20 with
 * TensorFlow.js 4.22.0, no backend chosen yet, TensorFlow (native) not
 * installed, wasm and cpu available. A test adds or replaces what it is about.
 */
import type { EngineInfo } from '../../engine/protocol.js';

export const NO_NATIVE_TENSORFLOW = { name: 'tensorflow', available: false, reason: 'tfjs-node-gpu is not installed' } as const;

export function engineInfo(changes: Partial<EngineInfo> = {}): EngineInfo {
  return {
    protocolVersion: 1,
    version: '0.1.0',
    node: 'v20',
    tfjs: '4.22.0',
    backend: null,
    device: null,
    devices: [],
    backends: [NO_NATIVE_TENSORFLOW, { name: 'wasm', available: true }, { name: 'cpu', available: true }],
    ...changes,
  };
}
