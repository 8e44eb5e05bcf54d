/**
 * What each of issue 12's wasm speed-ups replaced, as kernel registrations,
 * for bench/kernel-ab.ts to put back for its "before" rounds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { filterGradientThroughXnnpack } from '../engine/backend/kernels/conv2d-backprop-filter.js';
import { asTensor } from '../engine/backend/kernels/conv-geometry.js';
import { inputGradientBySpreading } from '../engine/backend/kernels/conv2d-backprop-input.js';
import { packageKernel, partialReplacement } from '../engine/backend/kernels/package-kernels.js';
import { directConv2D, wantsDirectConv2D } from '../engine/backend/kernels/conv2d-direct.js';
import { directFilterGradient } from '../engine/backend/kernels/conv2d-backprop-filter-direct.js';
import { RELU_GRAD } from '../engine/backend/kernels/relu-grad.js';

/** Conv2DBackpropFilter as before: always the XNNPACK rewrite (NHWC, as the templates are). */
const filterGradientThroughXnnpackConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
    return filterGradientThroughXnnpack(asTensor(x) as tf.Tensor4D, asTensor(dy) as tf.Tensor4D, info);
  },
};

/** Conv2DBackpropInput as before: dy spread by the stride, whatever the stride (NHWC). */
const inputGradientBySpreadingConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
    return inputGradientBySpreading(asTensor(dy) as tf.Tensor4D, asTensor(filter) as tf.Tensor4D, info);
  },
};

/** Conv2D and Conv2DBackpropFilter on the plain-SIMD build (no fused multiply-add), routed by its rule (NHWC). */
const plainSimdConfigs: tf.KernelConfig[] = [
  partialReplacement(tf.Conv2D, (args, fallback) => {
    const { x, filter } = args.inputs as unknown as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape as never, filter.shape as never, strides, dilations, pad, dimRoundingMode);
    return wantsDirectConv2D(x, filter, info, 'NHWC', 'plain') ? directConv2D(args.backend, info, x, filter, 'plain') : fallback(args);
  }),
  {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const info = tf.backend_util.computeConv2DInfo(x.shape as never, filterShape, strides, 1, pad, dimRoundingMode);
      return directFilterGradient(backend, info, x, dy, 'plain');
    },
  },
];

/** Relu's gradient as tfjs-core computes it: Step, then Multiply (relu-grad.ts). */
const reluGradByStepConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs }) => {
    const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    return tf.tidy(() => tf.mul(asTensor(dy), tf.cast(tf.step(asTensor(x)), 'float32')));
  },
};

export const BEFORE_KERNELS: Record<string, tf.KernelConfig[]> = {
  'filter-grad': [filterGradientThroughXnnpackConfig],
  'input-grad-phases': [inputGradientBySpreadingConfig],
  'bn-broadcast': [tf.Add, tf.Sub, tf.Multiply, tf.RealDiv].map(packageKernel),
  'shared-identity': [tf.Identity, tf.Cast].map(packageKernel),
  // Conv2D by XNNPACK, forward and in the stride-1 input gradients (conv2d-direct.ts).
  'direct-conv': [packageKernel(tf.Conv2D)],
  // The direct Conv2D and filter gradient without fused multiply-add (simd/madd.h).
  'relaxed-simd': plainSimdConfigs,
  'relu-grad': [reluGradByStepConfig],
};
