/**
 * MaxPoolGrad for the WebAssembly backend, replacing the one
 * tfjs-backend-wasm 4.22 ships: it starts each window's maximum at 0, so a
 * window whose values are all negative passes no gradient at all (common
 * after normalisation layers) and the network trains on wrong gradients.
 * (wasm's MaxPoolWithArgmax shares the flaw, so it cannot stand in.)
 *
 * For windows that tile the input (stride equal to the pool size: the
 * MaxPooling2D default) the input is cut into its windows by a reshape,
 * compared with the pooled output, and dy goes to the first maximum of each
 * window in row-major order, tfjs's and TensorFlow's rule for ties. Windows
 * that overlap run the cpu backend's kernel on copies instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { runCpuKernel } from './cpu-fallback.js';
import { asTensor, shape4D } from './conv-geometry.js';

function maxPoolGrad({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const { dy, input, output } = inputs as unknown as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(shape4D(input, 'MaxPoolGrad input'), filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: n, inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight: kh, filterWidth: kw } = info;
  if (info.strideHeight !== kh || info.strideWidth !== kw || outHeight * outWidth === 0) {
    return runCpuKernel(tf.MaxPoolGrad, { dy, input, output }, attrs as tf.NamedAttrMap);
  }
  return tf.tidy(() => {
    // The windows cover padded rows [0, rows) = input rows [-top, rows - top).
    const rows = outHeight * kh;
    const cols = outWidth * kw;
    const { top, left } = info.padInfo;
    const usedRows = Math.min(inHeight, rows - top);
    const usedCols = Math.min(inWidth, cols - left);
    const used = tf.slice(asTensor(input), [0, 0, 0, 0], [n, usedRows, usedCols, c]);
    const grid = tf.pad(
      used,
      [[0, 0], [top, rows - top - usedRows], [left, cols - left - usedCols], [0, 0]],
      -Infinity,
    );
    // Each window's maximum (and below, its dy) copied over the window by
    // nearest-neighbour upsampling: wasm's broadcasting binary ops and Tile
    // are many times slower.
    const maxima = tf.image.resizeNearestNeighbor(asTensor(output) as tf.Tensor4D, [rows, cols]);
    const isMax = tf.cast(tf.equal(grid, maxima), 'float32');
    // Window elements last, in row-major order, so a running count finds the first maximum.
    const perWindow = tf.reshape(tf.transpose(tf.reshape(isMax, [n, outHeight, kh, outWidth, kw, c]), [0, 1, 3, 5, 2, 4]), [
      n,
      outHeight,
      outWidth,
      c,
      kh * kw,
    ]);
    const first = tf.mul(perWindow, tf.cast(tf.equal(tf.cumsum(perWindow, 4), 1), 'float32'));
    const firstOnGrid = tf.reshape(tf.transpose(tf.reshape(first, [n, outHeight, outWidth, c, kh, kw]), [0, 1, 4, 2, 5, 3]), [
      n,
      rows,
      cols,
      c,
    ]);
    const back = tf.mul(firstOnGrid, tf.image.resizeNearestNeighbor(asTensor(dy) as tf.Tensor4D, [rows, cols]));
    const inside = tf.slice(back, [0, top, left, 0], [n, usedRows, usedCols, c]);
    return tf.pad(inside, [[0, 0], [0, inHeight - usedRows], [0, inWidth - usedCols], [0, 0]]);
  });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
