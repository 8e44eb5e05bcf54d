/**
 * DepthwiseConv2dNativeBackpropFilter for the WebAssembly backend. Per input
 * channel c and multiplier m,
 *   dW[p,q,c,m] = Σ_{b,i,j} x[b, i·s+p·d−pad, j·s+q·d−pad, c] · dy[b,i,j,c·M+m].
 * Folding the batch into the channels turns this into one depthwise
 * convolution that XNNPACK runs: the input as a single image with N·C
 * channels, dy as an [outH, outW, N·C, M] filter, stride d and dilation s.
 * The N per-image filter gradients it yields are then summed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, filterGradientPadding, runForwardConv, shape4D } from './conv-geometry.js';

function depthwiseConv2dNativeBackpropFilter({
  inputs,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}): tf.Tensor {
  const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      shape4D(x, 'DepthwiseConv2dNativeBackpropFilter input'),
      filterShape,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      true,
    );
    if (info.outHeight * info.outWidth * info.batchSize === 0) return tf.zeros(filterShape);
    const batch = info.batchSize;
    const channels = info.inChannels;
    const multiplier = info.outChannels / channels;

    const batchAsChannels = tf.reshape(tf.transpose(asTensor(x) as tf.Tensor4D, [1, 2, 0, 3]), [
      1,
      info.inHeight,
      info.inWidth,
      batch * channels,
    ]);
    const gradAsFilter = tf.reshape(tf.transpose(asTensor(dy) as tf.Tensor4D, [1, 2, 0, 3]), [
      info.outHeight,
      info.outWidth,
      batch * channels,
      multiplier,
    ]);
    const correlated = runForwardConv(
      'DepthwiseConv2dNative',
      batchAsChannels as tf.Tensor4D,
      gradAsFilter as tf.Tensor4D,
      [info.dilationHeight, info.dilationWidth],
      [info.strideHeight, info.strideWidth],
      filterGradientPadding(info),
    );
    const taps = tf.slice(correlated, [0, 0, 0, 0], [1, info.filterHeight, info.filterWidth, batch * channels * multiplier]);
    const perImage = tf.reshape(taps, [info.filterHeight, info.filterWidth, batch, channels, multiplier]);
    return tf.sum(perImage, 2);
  });
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
};
