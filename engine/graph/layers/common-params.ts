/**
 * Parameter specs shared by several layer types, written once so that every
 * convolution offers the same activations, initializers and window options
 * with the same defaults as Keras.
 */
import type { ParamSpec } from './types.js';

/** Keras activation names the studio offers; `silu` is Keras' other name for `swish`. */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'leaky_relu',
  'elu',
  'selu',
  'sigmoid',
  'tanh',
  'softmax',
  'swish',
  'silu',
  'gelu',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const INITIALIZERS = [
  'glorot_uniform',
  'glorot_normal',
  'he_uniform',
  'he_normal',
  'lecun_uniform',
  'lecun_normal',
  'random_uniform',
  'random_normal',
  'truncated_normal',
  'zeros',
  'ones',
] as const;

/** Keras' leaky_relu activation function uses this slope when none is given. */
export const KERAS_LEAKY_RELU_SLOPE = 0.2;

export const PADDINGS = ['valid', 'same'] as const;

export function activationParam(defaultValue: ActivationName = 'linear'): ParamSpec {
  return {
    name: 'activation',
    kind: 'activation',
    default: defaultValue,
    options: ACTIVATIONS,
    doc: 'Applied to the output; softmax or sigmoid on the last layer turns scores into probabilities.',
  };
}

export const useBiasParam: ParamSpec = {
  name: 'use_bias',
  kind: 'bool',
  default: true,
  doc: 'Add a learned bias; switch off when a BatchNormalization follows (it has its own offset).',
};

export function initializerParam(name: string, defaultValue: string, doc: string): ParamSpec {
  return { name, kind: 'initializer', default: defaultValue, options: INITIALIZERS, doc };
}

export function regularizerParam(name: string, doc: string): ParamSpec {
  return { name, kind: 'regularizer', default: null, nullable: true, doc };
}

export const kernelInitializerParam = initializerParam(
  'kernel_initializer',
  'glorot_uniform',
  'How the weights start; he_normal suits relu networks.',
);
export const biasInitializerParam = initializerParam('bias_initializer', 'zeros', 'How the bias starts.');
export const kernelRegularizerParam = regularizerParam(
  'kernel_regularizer',
  'Weight penalty {l1, l2} added to the loss, or null for none.',
);

export const kernelSizeParam: ParamSpec = {
  name: 'kernel_size',
  unit: 'px',
  kind: 'int-pair',
  required: true,
  min: 1,
  doc: 'Height and width of the window: an int for a square window, or [h, w].',
};

export function stridesParam(nullable = false): ParamSpec {
  return nullable
    ? {
        name: 'strides',
        unit: 'px',
        kind: 'int-pair',
        default: null,
        nullable: true,
        min: 1,
        doc: 'Step of the window: an int or [h, w]; null steps by the pool size.',
      }
    : { name: 'strides', unit: 'px', kind: 'int-pair', default: 1, min: 1, doc: 'Step of the window: an int or [h, w].' };
}

export const paddingParam: ParamSpec = {
  name: 'padding',
  kind: 'enum',
  default: 'valid',
  options: PADDINGS,
  doc: "'valid' shrinks the image by the window; 'same' pads so that the size only divides by the stride.",
};

export const dilationRateParam: ParamSpec = {
  name: 'dilation_rate',
  unit: '×',
  kind: 'int-pair',
  default: 1,
  min: 1,
  doc: 'Spacing between window taps, to see wider without more weights; only with strides 1.',
};
