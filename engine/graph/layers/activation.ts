/** The Activation layer: an element-wise function on its own node. */
import { activationParam, KERAS_LEAKY_RELU_SLOPE } from './common-params.js';
import type { LayerSpec } from './types.js';

export const activation: LayerSpec = {
  type: 'Activation',
  family: 'activation',
  description: 'Applies a function to every value: relu, sigmoid, softmax and friends.',
  params: [
    { ...activationParam('relu'), doc: 'The function to apply.' },
    {
      name: 'negative_slope',
      kind: 'float',
      default: KERAS_LEAKY_RELU_SLOPE,
      min: 0,
      doc: 'Slope below zero, used by leaky_relu only.',
    },
  ],
  arity: { min: 1, max: 1 },
  inferShape: (ctx) => ctx.inputs[0]!,
  countParams: () => ({ total: 0, trainable: 0 }),
  macs: () => 0,
};
