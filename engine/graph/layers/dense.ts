/** Dense: every output unit weighs every input value (of the last axis). */
import {
  activationParam,
  biasInitializerParam,
  kernelInitializerParam,
  kernelRegularizerParam,
  useBiasParam,
} from './common-params.js';
import { product } from './shape-math.js';
import type { LayerSpec } from './types.js';

export const dense: LayerSpec = {
  type: 'Dense',
  family: 'dense',
  description: 'A fully connected layer; on an image it acts on the channels of each pixel, so Flatten first to classify.',
  params: [
    { name: 'units', unit: 'neurons', kind: 'int', required: true, min: 1, doc: 'Number of outputs; on the last layer, one per class.' },
    activationParam(),
    useBiasParam,
    kernelInitializerParam,
    biasInitializerParam,
    kernelRegularizerParam,
  ],
  arity: { min: 1, max: 1 },
  inferShape(ctx) {
    const input = ctx.inputs[0]!;
    return [...input.slice(0, -1), ctx.params.int('units')];
  },
  countParams({ params, inputs }) {
    const units = params.int('units');
    const total = inputs[0]!.at(-1)! * units + (params.bool('use_bias') ? units : 0);
    return { total, trainable: total };
  },
  macs({ params, inputs }) {
    return product(inputs[0]!) * params.int('units');
  },
};
