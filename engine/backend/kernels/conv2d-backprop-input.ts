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

function conv2DBackpropInput({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
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
      const spread = interleaveZeros(grad as tf.Tensor4D, info.strideHeight, info.strideWidth);
      const placed = applyMargins(spread, inputGradientMargins(info, spread.shape[1], spread.shape[2]));
      if (placed === null) return tf.zeros(nhwcShape);
      const flipped = tf.transpose(tf.reverse(asTensor(filter), [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      return runForwardConv('Conv2D', placed.cropped, flipped, [1, 1], [1, 1], placed.padding);
    })();
    return channelsFirst ? tf.transpose(inNhwc, [0, 3, 1, 2]) : inNhwc;
  });
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
