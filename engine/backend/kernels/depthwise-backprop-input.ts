/**
 * DepthwiseConv2dNativeBackpropInput for the WebAssembly backend: the input
 * gradient is the full correlation of dy, spread out by the stride, with the
 * spatially flipped filter at the forward dilation, run as a depthwise
 * convolution in XNNPACK. With a channel multiplier M, dy's C·M channels each
 * meet their own filter slice (the [kH, kW, C, M] filter read as
 * [kH, kW, C·M, 1]), and the M results of each input channel are summed.
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

function depthwiseConv2dNativeBackpropInput({
  inputs,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
}): tf.Tensor {
  const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      shape4D(filter, 'DepthwiseConv2dNativeBackpropInput filter'),
      strides,
      dilations,
      pad,
      dimRoundingMode,
      true,
    );
    if (info.outHeight * info.outWidth * info.batchSize === 0) return tf.zeros(inputShape);
    const channels = info.inChannels;
    const multiplier = info.outChannels / channels;

    const spread = interleaveZeros(asTensor(dy) as tf.Tensor4D, info.strideHeight, info.strideWidth);
    const margins = inputGradientMargins(info, spread.shape[1], spread.shape[2]);
    const placed = applyMargins(spread, margins);
    if (placed === null) return tf.zeros(inputShape);
    const { cropped, padding } = placed;
    const flipped = tf.reshape(tf.reverse(asTensor(filter), [0, 1]), [
      info.filterHeight,
      info.filterWidth,
      channels * multiplier,
      1,
    ]);
    const perMultiplier = runForwardConv(
      'DepthwiseConv2dNative',
      cropped,
      flipped as tf.Tensor4D,
      [1, 1],
      [info.dilationHeight, info.dilationWidth],
      padding,
    );
    if (multiplier === 1) return perMultiplier;
    const split = tf.reshape(perMultiplier, [info.batchSize, info.inHeight, info.inWidth, channels, multiplier]);
    return tf.sum(split, 4);
  });
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
};
