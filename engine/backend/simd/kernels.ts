/**
 * Loads kernels.wasm (built from the .c files here by build.sh) into the memory of
 * the running tfjs-backend-wasm module, so that its functions read and write
 * tensors where the backend keeps them. One instance per backend instance.
 */
import { readFileSync } from 'node:fs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export interface SimdKernels {
  max_pool_grad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inHeight: number,
    inWidth: number,
    channels: number,
    outHeight: number,
    outWidth: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  sum_leading(x: number, out: number, outer: number, inner: number, scale: number): void;
  adam_update(
    w: number,
    m: number,
    v: number,
    g: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    biasCorrection1: number,
    biasCorrection2: number,
    epsilon: number,
    negativeLearningRate: number,
  ): void;
  binary_suffix(big: number, small: number, out: number, size: number, inner: number, op: number, smallFirst: number): void;
  scatter_phase(
    src: number,
    dst: number,
    batch: number,
    rows: number,
    cols: number,
    channels: number,
    outHeight: number,
    outWidth: number,
    strideHeight: number,
    strideWidth: number,
    row0: number,
    col0: number,
  ): void;
  conv2d_filter_grad_direct(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    inHeight: number,
    inWidth: number,
    inChannels: number,
    outHeight: number,
    outWidth: number,
    outChannels: number,
    filterHeight: number,
    filterWidth: number,
    strideHeight: number,
    strideWidth: number,
    dilationHeight: number,
    dilationWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
}

// The project compiles without the DOM library, where WebAssembly's types live.
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  };
};

let compiled: object | undefined;
const instances = new WeakMap<BackendWasm, SimdKernels>();

export function simdKernels(backend: BackendWasm): SimdKernels {
  let kernels = instances.get(backend);
  if (kernels) return kernels;
  compiled ??= new WebAssembly.Module(readFileSync(new URL('./kernels.wasm', import.meta.url)));
  const memory = (backend.wasm as unknown as { asm: { memory: object } }).asm.memory;
  kernels = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
  instances.set(backend, kernels);
  return kernels;
}

/** A tensor's byte offset in the backend's heap: what the kernels take as a pointer. */
export function heapAddress(backend: BackendWasm, info: { dataId: object }): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}
