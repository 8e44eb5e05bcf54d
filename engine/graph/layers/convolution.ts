/** Convolutions: Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose. */
import {
  activationParam,
  biasInitializerParam,
  dilationRateParam,
  initializerParam,
  kernelInitializerParam,
  kernelRegularizerParam,
  kernelSizeParam,
  paddingParam,
  regularizerParam,
  stridesParam,
  useBiasParam,
} from './common-params.js';
import { deconvOutputLength, requireImageInput, windowOutput } from './shape-math.js';
import type { InferContext, LayerSpec, ParamSpec } from './types.js';

const filtersParam: ParamSpec = {
  name: 'filters',
  unit: 'channels',
  kind: 'int',
  required: true,
  min: 1,
  doc: 'Number of output channels (feature maps).',
};

const depthMultiplierParam: ParamSpec = {
  name: 'depth_multiplier',
  unit: '× channels',
  kind: 'int',
  default: 1,
  min: 1,
  doc: 'Output channels per input channel of the depthwise step.',
};

const depthwiseInitializerParam = initializerParam(
  'depthwise_initializer',
  'glorot_uniform',
  'How the per-channel window weights start.',
);
const depthwiseRegularizerParam = regularizerParam(
  'depthwise_regularizer',
  'Penalty {l1, l2} on the per-channel window weights, or null.',
);

const single = { min: 1, max: 1 };

/** Output height and width of a window layer, after the image-rank and fit checks. */
function slidingWindow(ctx: InferContext, dilated = true): [number, number] | null {
  if (!requireImageInput(ctx)) return null;
  const p = ctx.params;
  return windowOutput(ctx, {
    kernelParam: 'kernel_size',
    kernel: p.pair('kernel_size'),
    strides: p.pair('strides'),
    padding: p.string('padding'),
    dilation: dilated ? p.pair('dilation_rate') : [1, 1],
    what: 'kernel',
  });
}

export const conv2d: LayerSpec = {
  type: 'Conv2D',
  family: 'convolution',
  description: 'Slides learned filters over the image; each filter makes one output channel.',
  params: [
    filtersParam,
    kernelSizeParam,
    stridesParam(),
    paddingParam,
    dilationRateParam,
    activationParam(),
    useBiasParam,
    kernelInitializerParam,
    biasInitializerParam,
    kernelRegularizerParam,
  ],
  arity: single,
  inferShape(ctx) {
    const size = slidingWindow(ctx);
    return size && [size[0], size[1], ctx.params.int('filters')];
  },
  countParams({ params, inputs }) {
    const [kh, kw] = params.pair('kernel_size');
    const filters = params.int('filters');
    const total = kh * kw * inputs[0]![2]! * filters + (params.bool('use_bias') ? filters : 0);
    return { total, trainable: total };
  },
  macs({ params, inputs, output }) {
    const [kh, kw] = params.pair('kernel_size');
    return output[0]! * output[1]! * output[2]! * kh * kw * inputs[0]![2]!;
  },
};

export const depthwiseConv2d: LayerSpec = {
  type: 'DepthwiseConv2D',
  family: 'convolution',
  description: 'Filters each channel on its own with its own window: cheap spatial mixing, no channel mixing.',
  params: [
    kernelSizeParam,
    stridesParam(),
    paddingParam,
    depthMultiplierParam,
    // No dilation_rate: tfjs' DepthwiseConv2D accepts one but ignores it (both
    // in its shape and its kernel), so a dilated depthwise conv would not be built as drawn.
    activationParam(),
    useBiasParam,
    depthwiseInitializerParam,
    biasInitializerParam,
    depthwiseRegularizerParam,
  ],
  arity: single,
  inferShape(ctx) {
    const size = slidingWindow(ctx, false);
    return size && [size[0], size[1], ctx.inputs[0]![2]! * ctx.params.int('depth_multiplier')];
  },
  countParams({ params, inputs, output }) {
    const [kh, kw] = params.pair('kernel_size');
    const total = kh * kw * inputs[0]![2]! * params.int('depth_multiplier') + (params.bool('use_bias') ? output[2]! : 0);
    return { total, trainable: total };
  },
  macs({ params, output }) {
    const [kh, kw] = params.pair('kernel_size');
    return output[0]! * output[1]! * output[2]! * kh * kw;
  },
};

export const separableConv2d: LayerSpec = {
  type: 'SeparableConv2D',
  family: 'convolution',
  description: 'A depthwise convolution followed by a 1×1 convolution: most of Conv2D for a fraction of the weights.',
  params: [
    filtersParam,
    kernelSizeParam,
    stridesParam(),
    paddingParam,
    depthMultiplierParam,
    dilationRateParam,
    activationParam(),
    useBiasParam,
    depthwiseInitializerParam,
    initializerParam('pointwise_initializer', 'glorot_uniform', 'How the 1×1 channel-mixing weights start.'),
    biasInitializerParam,
    depthwiseRegularizerParam,
    regularizerParam('pointwise_regularizer', 'Penalty {l1, l2} on the 1×1 channel-mixing weights, or null.'),
  ],
  arity: single,
  inferShape(ctx) {
    const size = slidingWindow(ctx);
    return size && [size[0], size[1], ctx.params.int('filters')];
  },
  countParams({ params, inputs }) {
    const [kh, kw] = params.pair('kernel_size');
    const filters = params.int('filters');
    const spread = inputs[0]![2]! * params.int('depth_multiplier');
    const total = kh * kw * spread + spread * filters + (params.bool('use_bias') ? filters : 0);
    return { total, trainable: total };
  },
  macs({ params, inputs, output }) {
    const [kh, kw] = params.pair('kernel_size');
    const spread = inputs[0]![2]! * params.int('depth_multiplier');
    const positions = output[0]! * output[1]!;
    return positions * spread * kh * kw + positions * spread * output[2]!;
  },
};

export const conv2dTranspose: LayerSpec = {
  type: 'Conv2DTranspose',
  family: 'convolution',
  description: 'A learned upsampling: each input pixel paints a filter-sized patch, spaced by the stride.',
  params: [
    filtersParam,
    kernelSizeParam,
    stridesParam(),
    paddingParam,
    activationParam(),
    useBiasParam,
    kernelInitializerParam,
    biasInitializerParam,
    kernelRegularizerParam,
  ],
  arity: single,
  inferShape(ctx) {
    if (!requireImageInput(ctx)) return null;
    const [height, width] = ctx.inputs[0]!;
    const p = ctx.params;
    const [kh, kw] = p.pair('kernel_size');
    const [sh, sw] = p.pair('strides');
    const padding = p.string('padding');
    return [
      deconvOutputLength(height!, kh, sh, padding),
      deconvOutputLength(width!, kw, sw, padding),
      p.int('filters'),
    ];
  },
  countParams({ params, inputs }) {
    const [kh, kw] = params.pair('kernel_size');
    const filters = params.int('filters');
    const total = kh * kw * inputs[0]![2]! * filters + (params.bool('use_bias') ? filters : 0);
    return { total, trainable: total };
  },
  macs({ params, inputs }) {
    const [kh, kw] = params.pair('kernel_size');
    const [height, width, channels] = inputs[0]!;
    return height! * width! * channels! * kh * kw * params.int('filters');
  },
};
