/** Pooling: MaxPooling2D, AveragePooling2D and their global forms. */
import { paddingParam, stridesParam } from './common-params.js';
import { requireImageInput, windowOutput } from './shape-math.js';
import type { InferContext, LayerSpec, ParamSpec } from './types.js';

const poolSizeParam: ParamSpec = {
  name: 'pool_size',
  unit: 'px',
  kind: 'int-pair',
  default: 2,
  min: 1,
  doc: 'Height and width of the pooling window: an int or [h, w].',
};

const noWeights = () => ({ total: 0, trainable: 0 });
const single = { min: 1, max: 1 };

function pooledShape(ctx: InferContext): number[] | null {
  if (!requireImageInput(ctx)) return null;
  const p = ctx.params;
  const size = windowOutput(ctx, {
    kernelParam: 'pool_size',
    kernel: p.pair('pool_size'),
    strides: p.pairOr('strides', 'pool_size'),
    padding: p.string('padding'),
    what: 'pool',
  });
  return size && [size[0], size[1], ctx.inputs[0]![2]!];
}

export const maxPooling2d: LayerSpec = {
  type: 'MaxPooling2D',
  family: 'pooling',
  description: 'Keeps the largest value of each window: halves the image (by default) and keeps strong features.',
  params: [poolSizeParam, stridesParam(true), paddingParam],
  arity: single,
  inferShape: pooledShape,
  countParams: noWeights,
  macs: () => 0,
};

export const averagePooling2d: LayerSpec = {
  type: 'AveragePooling2D',
  family: 'pooling',
  description: 'Averages each window: a smooth downsampling.',
  params: [poolSizeParam, stridesParam(true), paddingParam],
  arity: single,
  inferShape: pooledShape,
  countParams: noWeights,
  macs({ params, output }) {
    const [ph, pw] = params.pair('pool_size');
    return output[0]! * output[1]! * output[2]! * ph * pw;
  },
};

function globalShape(ctx: InferContext): number[] | null {
  return requireImageInput(ctx) ? [ctx.inputs[0]![2]!] : null;
}

export const globalAveragePooling2d: LayerSpec = {
  type: 'GlobalAveragePooling2D',
  family: 'pooling',
  description: 'Averages each channel over the whole image: one number per channel, no weights.',
  params: [],
  arity: single,
  inferShape: globalShape,
  countParams: noWeights,
  macs: ({ inputs }) => inputs[0]![0]! * inputs[0]![1]! * inputs[0]![2]!,
};

export const globalMaxPooling2d: LayerSpec = {
  type: 'GlobalMaxPooling2D',
  family: 'pooling',
  description: 'Takes the largest value of each channel over the whole image: one number per channel.',
  params: [],
  arity: single,
  inferShape: globalShape,
  countParams: noWeights,
  macs: () => 0,
};
