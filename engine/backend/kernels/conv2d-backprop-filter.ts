/**
 * Conv2DBackpropFilter for the WebAssembly backend, which ships the forward
 * convolution but not this gradient. The filter gradient
 *   dW[p,q,c,o] = Σ_{b,i,j} x[b, i·s+p·d−pad, j·s+q·d−pad, c] · dy[b,i,j,o]
 * is itself a convolution: with the input as [C, H, W, N] (channels become the
 * batch, the batch becomes the summed channel axis) and dy as an
 * [outH, outW, N, O] filter, XNNPACK's Conv2D with stride d and dilation s
 * yields [C, ≥kH, ≥kW, O]; cropping and one transpose give [kH, kW, C, O].
 * That is the general path; float32 tensors take the direct SIMD kernel, which
 * measured faster on every shape (conv2d-backprop-filter-direct.ts says why).
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, filterGradientPadding, runForwardConv, shape4D } from './conv-geometry.js';
import { directFilterGradient, wantsDirectFilterGradient } from './conv2d-backprop-filter-direct.js';
import type { KernelArgs } from './package-kernels.js';

function conv2DBackpropFilter({ inputs, attrs, backend }: KernelArgs): tf.Tensor {
  const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  return tf.tidy(() => {
    const channelsFirst = dataFormat === 'NCHW';
    // The rewrite works in NHWC; NCHW callers get their layout converted once.
    const input = channelsFirst ? tf.transpose(asTensor(x), [0, 2, 3, 1]) : asTensor(x);
    const grad = channelsFirst ? tf.transpose(asTensor(dy), [0, 2, 3, 1]) : asTensor(dy);
    // Explicit paddings list the axes in the data format's order.
    const nhwcPad = channelsFirst && Array.isArray(pad) ? [pad[0], pad[2], pad[3], pad[1]] : pad;
    const info = tf.backend_util.computeConv2DInfo(
      shape4D(input, 'Conv2DBackpropFilter input'),
      filterShape,
      strides,
      1,
      nhwcPad as typeof pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    if (info.outHeight * info.outWidth * info.batchSize === 0) return tf.zeros(filterShape);
    if (wantsDirectFilterGradient(input, grad)) {
      return asTensor(directFilterGradient(backend, info, input, grad));
    }

    return filterGradientThroughXnnpack(input as tf.Tensor4D, grad as tf.Tensor4D, info);
  });
}

/** The general path: the filter gradient as one XNNPACK convolution (NHWC tensors). */
export function filterGradientThroughXnnpack(input: tf.Tensor4D, grad: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const channelsAsBatch = tf.transpose(input, [3, 1, 2, 0]);
    const gradAsFilter = tf.transpose(grad, [1, 2, 0, 3]);
    const correlated = runForwardConv(
      'Conv2D',
      channelsAsBatch,
      gradAsFilter,
      [info.dilationHeight, info.dilationWidth],
      [info.strideHeight, info.strideWidth],
      filterGradientPadding(info),
    );
    const taps = tf.slice(correlated, [0, 0, 0, 0], [info.inChannels, info.filterHeight, info.filterWidth, info.outChannels]);
    return tf.transpose(taps, [1, 2, 0, 3]);
  });
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
