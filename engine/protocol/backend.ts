/**
 * Which tfjs backend the engine computes on, and the GPU it found.
 */

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

/** The WebGPU adapter (the GPU and its driver) the webgpu backend runs on, as the driver names it. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /**
   * A CPU rasteriser posing as a GPU (SwiftShader, lavapipe, a "fallback"
   * adapter): correct but slower than WebAssembly, so 'auto' never picks it.
   */
  software: boolean;
}
