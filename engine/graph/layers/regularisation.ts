/** Regularisation: Dropout and SpatialDropout2D. */
import { requireImageInput } from './shape-math.js';
import type { LayerSpec, ParamSpec } from './types.js';

const rateParam: ParamSpec = {
  name: 'rate',
  unit: 'fraction',
  kind: 'float',
  default: 0.5,
  min: 0,
  max: 1,
  maxExclusive: true,
  doc: 'Fraction dropped during training (0 keeps everything; must stay below 1).',
};

const single = { min: 1, max: 1 };
const noWeights = () => ({ total: 0, trainable: 0 });

export const dropout: LayerSpec = {
  type: 'Dropout',
  family: 'regularisation',
  description: 'Zeroes a random fraction of values while training, so the network cannot lean on any one of them.',
  params: [rateParam],
  arity: single,
  inferShape: (ctx) => ctx.inputs[0]!,
  countParams: noWeights,
  macs: () => 0,
};

export const spatialDropout2d: LayerSpec = {
  type: 'SpatialDropout2D',
  family: 'regularisation',
  description: 'Drops whole channels while training; better than Dropout after convolutions, whose neighbours correlate.',
  params: [rateParam],
  arity: single,
  inferShape: (ctx) => (requireImageInput(ctx) ? ctx.inputs[0]! : null),
  countParams: noWeights,
  macs: () => 0,
};
