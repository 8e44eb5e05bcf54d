/**
 * Loads kernels.wasm (built from the .c files here by build.sh) into the memory of
 * the running tfjs-backend-wasm module, so that its functions read and write
 * tensors where the backend keeps them. One instance per backend instance.
 *
 * Two builds of the same sources: kernels-relaxed.wasm uses relaxed SIMD's
 * fused multiply-add (simd/madd.h) and is taken where the engine validates
 * it; kernels.wasm (plain SIMD) everywhere else. Relaxed SIMD is on by
 * default from V8 11.4 (Node 22, Electron); Node 20's V8 has it behind
 * --experimental-wasm-relaxed-simd, which is turned on here (Node ≥ 20.16), once,
 * before the first kernel module is compiled (a V8 flag is process-wide, so worker
 * threads' replicas see it too). CONVNET_STUDIO_WASM_SIMD=plain keeps the
 * plain build (for comparisons).
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
  relu_grad(x: number, dy: number, dx: number, n: number): void;
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
  conv2d_forward(
    x: number,
    w: number,
    y: number,
    zero: number,
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
    validate: (bytes: Uint8Array) => boolean;
  };
};

export type SimdBuild = 'plain' | 'relaxed';

const FILES: Record<SimdBuild, string> = { plain: './kernels.wasm', relaxed: './kernels-relaxed.wasm' };
const compiled = new Map<SimdBuild, object>();
const instances = new Map<SimdBuild, WeakMap<BackendWasm, SimdKernels>>();
let relaxedSupported: boolean | undefined;

function moduleBytes(build: SimdBuild): Uint8Array {
  return readFileSync(new URL(FILES[build], import.meta.url));
}

/** Whether this engine runs relaxed SIMD, turning on Node 20's flag for it if need be. */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupported !== undefined) return relaxedSupported;
  const bytes = moduleBytes('relaxed');
  if (!WebAssembly.validate(bytes)) {
    // Node 20 (V8 11.3) implements relaxed SIMD behind this flag; on engines that
    // ship it the flag is never set (validation passed above). node:v8 is reached
    // through process.getBuiltinModule (Node ≥ 20.16), not imported: the engine is
    // also bundled for a page (e2e/webgpuPage.test.ts), where there is no Node.
    const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const v8 = node?.getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
    try {
      v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // An engine without the flag keeps the plain build.
    }
  }
  relaxedSupported = WebAssembly.validate(bytes);
  return relaxedSupported;
}

let preferred: SimdBuild | undefined;

/** The build the kernels use: relaxed where the engine runs it, unless the environment asks for plain. */
export function preferredSimdBuild(): SimdBuild {
  preferred ??= process.env.CONVNET_STUDIO_WASM_SIMD === 'plain' || !relaxedSimdSupported() ? 'plain' : 'relaxed';
  return preferred;
}

/** The kernels in `backend`'s heap; `build` picks a build explicitly (tests compare the two). */
export function simdKernels(backend: BackendWasm, build: SimdBuild = preferredSimdBuild()): SimdKernels {
  let perBackend = instances.get(build);
  if (!perBackend) instances.set(build, (perBackend = new WeakMap()));
  let kernels = perBackend.get(backend);
  if (kernels) return kernels;
  if (build === 'relaxed' && !relaxedSimdSupported()) throw new Error('this engine does not run relaxed SIMD (kernels-relaxed.wasm)');
  let module = compiled.get(build);
  if (!module) compiled.set(build, (module = new WebAssembly.Module(moduleBytes(build))));
  const memory = (backend.wasm as unknown as { asm: { memory: object } }).asm.memory;
  kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
  perBackend.set(backend, kernels);
  return kernels;
}

/** A tensor's byte offset in the backend's heap: what the kernels take as a pointer. */
export function heapAddress(backend: BackendWasm, info: { dataId: object }): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}
