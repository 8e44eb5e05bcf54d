/**
 * Shape arithmetic shared by the gradient kernels. Every gradient here is
 * rewritten as a forward convolution that the WebAssembly backend already runs
 * through XNNPACK, so the work is mostly choosing that convolution's padding.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** batch, input h/w/c, output h/w/c, filter h/w, stride h/w, dilation h/w, padding top/left. */
export type ConvKernelGeometry = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** The geometry the project's SIMD convolution kernels take after their pointers, in their C parameter order (simd/conv2d_*.c). */
export function convKernelGeometry(info: Conv2DInfo): ConvKernelGeometry {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}
type Shape4D = [number, number, number, number];
type ExplicitPadding = tf.backend_util.ExplicitPadding;

export function shape4D(info: tf.TensorInfo, what: string): Shape4D {
  if (info.shape.length !== 4) {
    throw new Error(`${what} must be rank 4, got shape [${info.shape.join(', ')}]`);
  }
  return info.shape as Shape4D;
}

/**
 * Kernels receive TensorInfo; the engine passes Tensors, but another kernel
 * may hand over a bare TensorInfo, which then needs a tracked wrapper (it is
 * disposed with the tidy scope the kernel runs in, leaving the data alone).
 */
export function asTensor(info: tf.TensorInfo): tf.Tensor {
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}

/** How many padded input rows the taps of one spatial axis reach. */
function rowsRead(outSize: number, stride: number, filterSize: number, dilation: number): number {
  return (outSize - 1) * stride + (filterSize - 1) * dilation + 1;
}

/**
 * A filter gradient is dW[p,q] = Σ x[i·s + p·d − pad] · dy[i]: a convolution
 * of the input by the output gradient where stride and dilation swap places.
 * It needs the forward pass's leading padding, and trailing padding only as
 * far as the last tap reads (the forward pass may have rounded some away).
 */
export function filterGradientPadding(info: Conv2DInfo): ExplicitPadding {
  const { top, left } = info.padInfo;
  const bottom = rowsRead(info.outHeight, info.strideHeight, info.filterHeight, info.dilationHeight) - info.inHeight - top;
  const right = rowsRead(info.outWidth, info.strideWidth, info.filterWidth, info.dilationWidth) - info.inWidth - left;
  return [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]];
}

/**
 * An input gradient is the full correlation of the stride-dilated output
 * gradient with the flipped filter. Its leading padding, (k−1)·d − pad, turns
 * negative when the forward padding exceeded the filter's reach, and so can
 * its trailing one; a negative amount means cropping instead.
 */
export function inputGradientMargins(info: Conv2DInfo, dilatedRows: number, dilatedCols: number) {
  const top = (info.filterHeight - 1) * info.dilationHeight - info.padInfo.top;
  const left = (info.filterWidth - 1) * info.dilationWidth - info.padInfo.left;
  const bottom = info.inHeight + (info.filterHeight - 1) * info.dilationHeight - top - dilatedRows;
  const right = info.inWidth + (info.filterWidth - 1) * info.dilationWidth - left - dilatedCols;
  return { top, bottom, left, right };
}

/**
 * Spreads an NHWC tensor over a grid `stride` times finer, zeros between the
 * values (and after the last, which the callers' margins account for), using
 * reshapes and one pad per axis instead of a scatter.
 */
export function interleaveZeros(t: tf.Tensor4D, strideRows: number, strideCols: number): tf.Tensor4D {
  const [n, rows, cols, channels] = t.shape;
  let out = t;
  if (strideRows > 1) {
    const grouped = tf.reshape(out, [n, rows, 1, cols * channels]);
    const padded = tf.pad(grouped, [[0, 0], [0, 0], [0, strideRows - 1], [0, 0]]);
    out = tf.reshape(padded, [n, rows * strideRows, cols, channels]);
  }
  if (strideCols > 1) {
    const r = out.shape[1];
    const grouped = tf.reshape(out, [n * r, cols, 1, channels]);
    const padded = tf.pad(grouped, [[0, 0], [0, 0], [0, strideCols - 1], [0, 0]]);
    out = tf.reshape(padded, [n, r, cols * strideCols, channels]);
  }
  return out;
}

/**
 * Crops the spatial axes where a margin is negative, pads where positive.
 * Null when the crop leaves nothing: then no output gradient reaches the
 * input at all (the forward pass read only padding).
 */
export function applyMargins(
  t: tf.Tensor4D,
  margins: { top: number; bottom: number; left: number; right: number },
): { cropped: tf.Tensor4D; padding: ExplicitPadding } | null {
  const [n, rows, cols, channels] = t.shape;
  const cropTop = Math.max(0, -margins.top);
  const cropLeft = Math.max(0, -margins.left);
  const keepRows = rows - cropTop - Math.max(0, -margins.bottom);
  const keepCols = cols - cropLeft - Math.max(0, -margins.right);
  if (keepRows <= 0 || keepCols <= 0) return null;
  const needsCrop = keepRows !== rows || keepCols !== cols;
  const cropped = needsCrop ? tf.slice(t, [0, cropTop, cropLeft, 0], [n, keepRows, keepCols, channels]) : t;
  return {
    cropped,
    padding: [
      [0, 0],
      [Math.max(0, margins.top), Math.max(0, margins.bottom)],
      [Math.max(0, margins.left), Math.max(0, margins.right)],
      [0, 0],
    ],
  };
}

/**
 * Runs a forward convolution kernel on the current backend directly: the op
 * layer would only re-validate arguments that these kernels derive themselves.
 */
export function runForwardConv(
  kernel: 'Conv2D' | 'DepthwiseConv2dNative',
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number],
  dilations: [number, number],
  pad: ExplicitPadding,
): tf.Tensor4D {
  const attrs = { strides, dilations, pad, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(kernel, { x, filter }, attrs) as tf.Tensor4D;
}
