/**
 * Conv2D on the WebAssembly backend by the project's SIMD kernel
 * (simd/conv2d_forward.c) instead of XNNPACK's. XNNPACK in tfjs-backend-wasm
 * is built for plain WebAssembly SIMD, a multiply and an add per lane; the
 * project's kernel is built twice (simd/build.sh) and, where the engine runs
 * relaxed SIMD, uses its fused multiply-add, with a GEMM-style register block
 * of six output pixels by eight channels. The input gradient
 * (conv2d-backprop-input.ts) runs through this kernel too: it is a Conv2D of
 * dy with the flipped filter, and this kernel skips a tap that reads only
 * padding for a whole tile, where XNNPACK multiplies the zeros.
 *
 * Routing, measured per shape with bench/conv-forward.ts (docs/performance.md):
 * float32, NHWC, output channels a multiple of four (the kernel's narrowest
 * block), and enough input channels that the inner loop is not all overhead:
 * at least 4 with the relaxed build (×1.15–2.4 on the templates' shapes with
 * 4 to 64 input channels; the first layers' single channel loses, ×0.93), at
 * least 32 with the plain build (×1.1–1.9; with fewer it is within ±10% of
 * XNNPACK either way). Everything else goes to the package's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, preferredSimdBuild, simdKernels, type SimdBuild } from '../simd/kernels.js';
import { convKernelGeometry, type Conv2DInfo } from './conv-geometry.js';
import { partialReplacement, type KernelArgs } from './package-kernels.js';
import { asWasmBackend } from './wasm-heap.js';

/** The fewest input channels for which the direct kernel beats XNNPACK, per build. */
export const DIRECT_CONV_MIN_IN_CHANNELS: Record<SimdBuild, number> = { relaxed: 4, plain: 32 };

/** Whether the direct kernel takes this convolution (see the routing rule above). */
export function wantsDirectConv2D(
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: Conv2DInfo,
  dataFormat: string | undefined,
  build: SimdBuild = preferredSimdBuild(),
): boolean {
  return (
    x.dtype === 'float32' &&
    filter.dtype === 'float32' &&
    (dataFormat ?? 'NHWC') === 'NHWC' &&
    info.outChannels % 4 === 0 &&
    info.outChannels > 0 &&
    info.inChannels >= DIRECT_CONV_MIN_IN_CHANNELS[build]
  );
}

/** x NHWC, filter [kH, kW, inC, outC]; returns y NHWC. */
export function directConv2D(backend: unknown, info: Conv2DInfo, x: tf.TensorInfo, filter: tf.TensorInfo, build?: SimdBuild): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const out = wasm.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
  // Padding reads a row of in_c zeros (kept out of the kernel: it has no data of its own).
  const zero = wasm.makeOutput([info.inChannels], 'float32');
  (wasm.typedArrayFromHeap(zero) as Float32Array).fill(0);
  simdKernels(wasm, build).conv2d_forward(
    heapAddress(wasm, x),
    heapAddress(wasm, filter),
    heapAddress(wasm, out),
    heapAddress(wasm, zero),
    ...convKernelGeometry(info),
  );
  wasm.disposeData(zero.dataId);
  return out;
}

function conv2D(args: KernelArgs, fallback: tf.KernelFunc): tf.TensorInfo | tf.TensorInfo[] {
  const { x, filter } = args.inputs as unknown as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
  if (x.shape.length === 4 && filter.shape.length === 4 && (dataFormat ?? 'NHWC') === 'NHWC') {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
    );
    if (info.batchSize * info.outHeight * info.outWidth > 0 && wantsDirectConv2D(x, filter, info, dataFormat)) {
      return directConv2D(args.backend, info, x, filter);
    }
  }
  return fallback(args);
}

export const conv2DConfig: tf.KernelConfig = partialReplacement(tf.Conv2D, conv2D);
