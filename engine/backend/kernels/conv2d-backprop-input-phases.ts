/**
 * The input gradient of a strided convolution, one output phase at a time.
 * The general rewrite (conv2d-backprop-input.ts) spreads dy over a grid
 * `stride` times finer and correlates it with the whole flipped filter: with
 * stride 2, three multiplications in four meet a spread-in zero. Split by
 * the phase of the input position instead (row r = u·σ + ry, column
 * s = v·σ + rx), only the taps p ≡ ry + top (mod σ) reach a phase's rows,
 * and they read dy at stride 1:
 *
 *   dx[b, u·σ+ry, v·σ+rx, c] = Σ_{k,l,o} dy[b, u+d−k, v+e−l, o] · w[p0+k·σ, q0+l·σ, c, o]
 *
 * with p0 = (ry + top) mod σ and d = (ry + top − p0) / σ (likewise for
 * columns): a stride-1 XNNPACK convolution of dy with that sub-filter,
 * flipped and with its channels swapped. Each phase's result is written into
 * place by the project's SIMD kernel (simd/scatter_phase.c). The work is the
 * forward pass's, instead of σ² times it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapAddress, simdKernels } from '../simd/kernels.js';
import { applyMargins, asTensor, runForwardConv, type Conv2DInfo } from './conv-geometry.js';
import { asWasmBackend } from './wasm-heap.js';

interface AxisPhase {
  /** First filter tap of the phase, and how many taps (every σ-th) it has. */
  firstTap: number;
  taps: number;
  /** Input positions in the phase. */
  positions: number;
  /** dy offset: the phase's position u reads dy from u + shift − (taps − 1) on. */
  shift: number;
}

function axisPhase(phase: number, stride: number, pad: number, filterSize: number, inSize: number): AxisPhase {
  const firstTap = (((phase + pad) % stride) + stride) % stride;
  const taps = firstTap < filterSize ? Math.ceil((filterSize - firstTap) / stride) : 0;
  const positions = phase < inSize ? Math.ceil((inSize - phase) / stride) : 0;
  return { firstTap, taps, positions, shift: (phase + pad - firstTap) / stride };
}

type Margins = { top: number; bottom: number; left: number; right: number };

/** Whether any dy row and column is left after cropping by the negative margins (applyMargins' null case). */
function readsDy(margins: Margins, info: Conv2DInfo): boolean {
  const rows = info.outHeight - Math.max(0, -margins.top) - Math.max(0, -margins.bottom);
  const cols = info.outWidth - Math.max(0, -margins.left) - Math.max(0, -margins.right);
  return rows > 0 && cols > 0;
}

/** dy and filter as NHWC / HWIO tensors; returns dx [N, inH, inW, inC]. */
export function inputGradientByPhases(backend: unknown, dy: tf.Tensor4D, filter: tf.Tensor4D, info: Conv2DInfo): tf.Tensor4D {
  const wasm = asWasmBackend(backend);
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const phases: { ry: number; rx: number; rows: AxisPhase; cols: AxisPhase; margins: Margins }[] = [];
  for (let ry = 0; ry < sh; ry++) {
    for (let rx = 0; rx < sw; rx++) {
      const rows = axisPhase(ry, sh, info.padInfo.top, info.filterHeight, info.inHeight);
      const cols = axisPhase(rx, sw, info.padInfo.left, info.filterWidth, info.inWidth);
      const margins = {
        top: rows.taps - 1 - rows.shift,
        bottom: rows.positions + rows.shift - info.outHeight,
        left: cols.taps - 1 - cols.shift,
        right: cols.positions + cols.shift - info.outWidth,
      };
      phases.push({ ry, rx, rows, cols, margins });
    }
  }
  const reached = phases.filter(({ rows, cols, margins }) => rows.taps > 0 && cols.taps > 0 && rows.positions > 0 && cols.positions > 0 && readsDy(margins, info));
  const dx = wasm.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32');
  // Positions no tap reaches (a filter smaller than the stride, or only padding) get no gradient.
  if (reached.length < phases.length) (wasm.typedArrayFromHeap(dx) as Float32Array).fill(0);
  tf.tidy(() => {
    for (const { ry, rx, rows, cols, margins } of reached) {
      const placed = applyMargins(dy, margins)!;
      const sub = tf.stridedSlice(filter, [rows.firstTap, cols.firstTap, 0, 0], [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], [sh, sw, 1, 1]);
      const flipped = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const phase = runForwardConv('Conv2D', placed.cropped, flipped, [1, 1], [1, 1], placed.padding);
      simdKernels(wasm).scatter_phase(
        heapAddress(wasm, phase),
        heapAddress(wasm, dx),
        info.batchSize,
        rows.positions,
        cols.positions,
        info.inChannels,
        info.inHeight,
        info.inWidth,
        sh,
        sw,
        ry,
        rx,
      );
    }
  });
  return asTensor(dx) as tf.Tensor4D;
}
