/**
 * FusedBatchNorm for the cpu and wasm backends, and its gradient for every
 * backend, so that BatchNormalization on an axis other than the last
 * computes Keras' function and trains.
 *
 * tfjs 4.22's cpu and wasm kernels walk mean, variance, scale and offset
 * cyclically along the flattened input. That is right only when they vary
 * along the input's last axes alone; tfjs-layers' BatchNormalization on axis
 * 1 hands them over shaped [1, C, 1, 1], and they were applied across the
 * last axis instead: tf.batchNorm(ones [1,2,1,3], mean [0,10] shaped
 * [1,2,1,1], variance ones) gave [1,-9,1,-9,1,-9] where [1,1,1,-9,-9,-9] is
 * right. Such shapes go through tfjs' broadcasting ops here, as tfjs-node's
 * own kernel does; every other shape keeps the package's kernel.
 *
 * tfjs-core's gradient reshapes each full-size derivative to the parameter's
 * shape without summing over the broadcast axes, so a training step with
 * those shapes threw "Size(…) must match the product of shape 1,C,1,1" on
 * every backend. The gradient below sums them; rank-1 parameters (the last
 * axis, the common case) keep tfjs-core's own gradient.
 *
 * The fix is here rather than in the layer: the saved model stays a plain
 * Keras BatchNormalization, and a model imported from a file is right too.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers no gradients itself: the tfjs-layers bundle registers
// them all as it loads. Loaded here first, its gradient can be captured and
// is replaced by ours, instead of replacing ours when a later import loads it.
import '@tensorflow/tfjs-layers';
import { asTensor } from './conv-geometry.js';
import { packageKernel, type KernelArgs } from './package-kernels.js';

interface BatchNormInputs {
  x: tf.TensorInfo;
  mean: tf.TensorInfo;
  variance: tf.TensorInfo;
  scale?: tf.TensorInfo;
  offset?: tf.TensorInfo;
}

/**
 * Whether cycling through `param` along the flattened input of shape `x`
 * gives the broadcast value: its leading 1s dropped, the rest of its shape
 * must be the input's trailing dimensions.
 */
export function cyclesLikeBroadcast(param: readonly number[], x: readonly number[]): boolean {
  const firstVarying = param.findIndex((d) => d !== 1);
  if (firstVarying === -1) return true;
  const varying = param.slice(firstVarying);
  const trailing = x.slice(x.length - varying.length);
  return varying.length <= x.length && varying.every((d, i) => d === trailing[i]);
}

function needsBroadcasting({ x, mean, variance, scale, offset }: BatchNormInputs): boolean {
  return [mean, variance, scale, offset].some((param) => param != null && !cyclesLikeBroadcast(param.shape, x.shape));
}

/** (x − mean) · rsqrt(variance + ε) · scale + offset, broadcast as the shapes say. */
function broadcastBatchNorm(inputs: BatchNormInputs, varianceEpsilon: number): tf.Tensor {
  return tf.tidy(() => {
    let factor = tf.rsqrt(tf.add(asTensor(inputs.variance), tf.scalar(varianceEpsilon)));
    if (inputs.scale != null) factor = tf.mul(factor, asTensor(inputs.scale));
    const normed = tf.mul(tf.sub(asTensor(inputs.x), asTensor(inputs.mean)), factor);
    return inputs.offset != null ? tf.add(normed, asTensor(inputs.offset)) : normed;
  });
}

function corrected(backendName: 'cpu' | 'wasm', shipped: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.FusedBatchNorm,
    backendName,
    // The wasm kernel binds its wasm function in setup, which must still run.
    setupFunc: shipped.setupFunc,
    disposeFunc: shipped.disposeFunc,
    kernelFunc: (args: KernelArgs) => {
      const inputs = args.inputs as unknown as BatchNormInputs;
      if (!needsBroadcasting(inputs)) return shipped.kernelFunc(args);
      const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
      return broadcastBatchNorm(inputs, varianceEpsilon);
    },
  };
}

// Captured on import, before the project replaces them.
const shippedCpu = { ...tf.getKernel(tf.FusedBatchNorm, 'cpu')! };
const shippedGradient = { ...tf.getGradient(tf.FusedBatchNorm) };
if (typeof shippedGradient.gradFunc !== 'function') throw new Error('tfjs-layers registered no FusedBatchNorm gradient to fall back to');

export const batchNormConfigs: tf.KernelConfig[] = [
  corrected('cpu', shippedCpu),
  corrected('wasm', packageKernel(tf.FusedBatchNorm)),
];

/** Sums a derivative computed at the input's shape down to the shape of the parameter it is for. */
function reduceTo(derivative: tf.Tensor, param: tf.Tensor): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(param.shape, derivative.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(derivative, axes) : derivative, param.shape);
}

export const batchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale', 'offset'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale, offset] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?, tf.Tensor?];
    if (mean.rank === 1) return shippedGradient.gradFunc(dy, saved, attrs);
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const dyTensor = dy as tf.Tensor;
    const inverseStd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const centred = tf.sub(x, mean);
    const dyScaled = scale != null ? tf.mul(dyTensor, scale) : dyTensor;
    const grads: Record<string, () => tf.Tensor> = {
      x: () => tf.mul(dyScaled, inverseStd),
      mean: () => reduceTo(tf.neg(tf.mul(dyScaled, inverseStd)), mean),
      // d rsqrt(v + ε) / dv = −½ (v + ε)^(−3/2)
      variance: () => reduceTo(tf.mul(tf.mul(dyScaled, centred), tf.mul(tf.pow(inverseStd, 3), -0.5)), variance),
    };
    if (scale != null) grads['scale'] = () => reduceTo(tf.mul(dyTensor, tf.mul(centred, inverseStd)), scale);
    if (offset != null) grads['offset'] = () => reduceTo(dyTensor, offset);
    return grads;
  },
};
