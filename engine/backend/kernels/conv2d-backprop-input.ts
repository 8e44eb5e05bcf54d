/**
 * Conv2DBackpropInput for the WebAssembly backend, replacing the one
 * tfjs-backend-wasm 4.22 ships: that is a direct six-deep loop without SIMD
 * or blocking, about 2 GFLOPS against XNNPACK's 30, and it was more than
 * half of the seed CNN's training step. It also runs Conv2DTranspose forward.
 *
 * The input gradient
 *   dx[b,r,s,c] = Σ dy[b,i,j,o] · w[p,q,c,o]  over  i·σ + p − top = r, j·σ + q − left = s
 * is a forward convolution: dy spread out by the stride σ (zeros between
 * rows and columns), padded by k − 1 − pad, correlated with the filter
 * flipped in space and with its in and out channels swapped, at stride 1.
 * With a stride above 1 most of that work multiplies the spread-in zeros, so
 * float32 strided gradients go phase by phase instead
 * (conv2d-backprop-input-phases.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  applyMargins,
  asTensor,
  inputGradientMargins,
  interleaveZeros,
  runForwardConv,
  shape4D,
} from './conv-geometry.js';
import { inputGradientByPhases } from './conv2d-backprop-input-phases.js';
import type { KernelArgs } from './package-kernels.js';

function conv2DBackpropInput({ inputs, attrs, backend }: KernelArgs): tf.Tensor {
  const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  return tf.tidy(() => {
    const channelsFirst = dataFormat === 'NCHW';
    const [n, h, w, c] = channelsFirst
      ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]]
      : inputShape;
    const nhwcShape: [number, number, number, number] = [n, h, w, c];
    const grad = channelsFirst ? tf.transpose(asTensor(dy), [0, 2, 3, 1]) : asTensor(dy);
    // Explicit paddings list the axes in the data format's order.
    const nhwcPad = channelsFirst && Array.isArray(pad) ? [pad[0], pad[2], pad[3], pad[1]] : pad;
    const info = tf.backend_util.computeConv2DInfo(
      nhwcShape,
      shape4D(filter, 'Conv2DBackpropInput filter'),
      strides,
      1,
      nhwcPad as typeof pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const inNhwc = (() => {
      if (info.outHeight * info.outWidth * info.batchSize === 0) return tf.zeros(nhwcShape);
      const strided = info.strideHeight > 1 || info.strideWidth > 1;
      if (strided && grad.dtype === 'float32' && filter.dtype === 'float32') {
        return inputGradientByPhases(backend, grad as tf.Tensor4D, asTensor(filter) as tf.Tensor4D, info);
      }
      return inputGradientBySpreading(grad as tf.Tensor4D, asTensor(filter) as tf.Tensor4D, info);
    })();
    return channelsFirst ? tf.transpose(inNhwc, [0, 3, 1, 2]) : inNhwc;
  });
}

/** The general path: dy spread by the stride, one XNNPACK convolution (NHWC / HWIO tensors). */
export function inputGradientBySpreading(grad: tf.Tensor4D, filter: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const shape: [number, number, number, number] = [info.batchSize, info.inHeight, info.inWidth, info.inChannels];
    const spread = interleaveZeros(grad, info.strideHeight, info.strideWidth);
    const placed = applyMargins(spread, inputGradientMargins(info, spread.shape[1], spread.shape[2]));
    if (placed === null) return tf.zeros(shape);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return runForwardConv('Conv2D', placed.cropped, flipped, [1, 1], [1, 1], placed.padding);
  });
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
