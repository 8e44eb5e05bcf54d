/**
 * How each layer type is made in tfjs-layers: one builder per `LayerType`.
 * The table is a `Record<LayerType, Builder>`, so a layer spec added to the
 * catalogue without a builder here does not compile. The specs themselves
 * (../layers/) stay free of tfjs, so the window can run them in the page.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { shapeIndexOfAxis } from '../layers/axis.js';
import { isLayerType, type LayerType } from '../layers/index.js';
import { fusedActivation, tfActivation, tfRegularizer } from './helpers.js';
import { SpatialDropout2D } from './spatial-dropout.js';
import type { BuildContext, Builder } from './types.js';

type Padding = 'valid' | 'same';

/** Input and Output: build.ts makes them tf.input and the model's outputs. */
const noLayer: Builder = () => [];

function poolingArgs(ctx: BuildContext) {
  const p = ctx.params;
  return {
    name: ctx.layerName(),
    poolSize: p.pair('pool_size'),
    strides: p.pairOr('strides', 'pool_size'),
    padding: p.string('padding') as Padding,
  };
}

export const BUILDERS: Record<LayerType, Builder> = {
  Input: noLayer,
  Output: noLayer,

  Conv2D(ctx) {
    const p = ctx.params;
    const { activation, after } = fusedActivation(p.string('activation'), ctx);
    const conv = tfl.layers.conv2d({
      name: ctx.layerName(),
      filters: p.int('filters'),
      kernelSize: p.pair('kernel_size'),
      strides: p.pair('strides'),
      padding: p.string('padding') as Padding,
      dilationRate: p.pair('dilation_rate'),
      activation,
      useBias: p.bool('use_bias'),
      kernelInitializer: ctx.initializer(p.string('kernel_initializer'), 'kernel'),
      biasInitializer: ctx.initializer(p.string('bias_initializer'), 'bias'),
      kernelRegularizer: tfRegularizer(p.regularizer('kernel_regularizer')),
    });
    return [conv, ...after];
  },

  DepthwiseConv2D(ctx) {
    const p = ctx.params;
    const { activation, after } = fusedActivation(p.string('activation'), ctx);
    const depthwise = tfl.layers.depthwiseConv2d({
      name: ctx.layerName(),
      kernelSize: p.pair('kernel_size'),
      strides: p.pair('strides'),
      padding: p.string('padding') as Padding,
      depthMultiplier: p.int('depth_multiplier'),
      activation,
      useBias: p.bool('use_bias'),
      depthwiseInitializer: ctx.initializer(p.string('depthwise_initializer'), 'depthwise'),
      biasInitializer: ctx.initializer(p.string('bias_initializer'), 'bias'),
      depthwiseRegularizer: tfRegularizer(p.regularizer('depthwise_regularizer')),
    });
    return [depthwise, ...after];
  },

  SeparableConv2D(ctx) {
    const p = ctx.params;
    const { activation, after } = fusedActivation(p.string('activation'), ctx);
    const separable = tfl.layers.separableConv2d({
      name: ctx.layerName(),
      filters: p.int('filters'),
      kernelSize: p.pair('kernel_size'),
      strides: p.pair('strides'),
      padding: p.string('padding') as Padding,
      depthMultiplier: p.int('depth_multiplier'),
      dilationRate: p.pair('dilation_rate'),
      activation,
      useBias: p.bool('use_bias'),
      depthwiseInitializer: ctx.initializer(p.string('depthwise_initializer'), 'depthwise'),
      pointwiseInitializer: ctx.initializer(p.string('pointwise_initializer'), 'pointwise'),
      biasInitializer: ctx.initializer(p.string('bias_initializer'), 'bias'),
      depthwiseRegularizer: tfRegularizer(p.regularizer('depthwise_regularizer')),
      pointwiseRegularizer: tfRegularizer(p.regularizer('pointwise_regularizer')),
    });
    return [separable, ...after];
  },

  Conv2DTranspose(ctx) {
    const p = ctx.params;
    const { activation, after } = fusedActivation(p.string('activation'), ctx);
    const transpose = tfl.layers.conv2dTranspose({
      name: ctx.layerName(),
      filters: p.int('filters'),
      kernelSize: p.pair('kernel_size'),
      strides: p.pair('strides'),
      padding: p.string('padding') as Padding,
      activation,
      useBias: p.bool('use_bias'),
      kernelInitializer: ctx.initializer(p.string('kernel_initializer'), 'kernel'),
      biasInitializer: ctx.initializer(p.string('bias_initializer'), 'bias'),
      kernelRegularizer: tfRegularizer(p.regularizer('kernel_regularizer')),
    });
    return [transpose, ...after];
  },

  MaxPooling2D: (ctx) => [tfl.layers.maxPooling2d(poolingArgs(ctx))],
  AveragePooling2D: (ctx) => [tfl.layers.averagePooling2d(poolingArgs(ctx))],
  GlobalAveragePooling2D: (ctx) => [tfl.layers.globalAveragePooling2d({ name: ctx.layerName() })],
  GlobalMaxPooling2D: (ctx) => [tfl.layers.globalMaxPooling2d({ name: ctx.layerName() })],

  BatchNormalization(ctx) {
    const p = ctx.params;
    return [
      tfl.layers.batchNormalization({
        name: ctx.layerName(),
        axis: p.int('axis'),
        momentum: p.float('momentum'),
        epsilon: p.float('epsilon'),
        center: p.bool('center'),
        scale: p.bool('scale'),
      }),
    ];
  },

  LayerNormalization(ctx) {
    const p = ctx.params;
    return [
      tfl.layers.layerNormalization({
        name: ctx.layerName(),
        axis: p.int('axis'),
        epsilon: p.float('epsilon'),
        center: p.bool('center'),
        scale: p.bool('scale'),
      }),
    ];
  },

  Rescaling: (ctx) => [
    tfl.layers.rescaling({ name: ctx.layerName(), scale: ctx.params.float('scale'), offset: ctx.params.float('offset') }),
  ],

  // No seed is passed to tfjs dropout on purpose: a seeded tfjs dropout draws
  // the very same mask on every batch, which is no longer dropout.
  Dropout: (ctx) => [tfl.layers.dropout({ name: ctx.layerName(), rate: ctx.params.float('rate') })],
  SpatialDropout2D: (ctx) => [new SpatialDropout2D({ name: ctx.layerName(), rate: ctx.params.float('rate') })],

  Activation(ctx) {
    const fn = tfActivation(ctx.params.string('activation'));
    // tfjs has no leaky_relu activation string; its LeakyReLU layer is the same function.
    if (fn === null) return [tfl.layers.leakyReLU({ name: ctx.layerName(), alpha: ctx.params.float('negative_slope') })];
    return [tfl.layers.activation({ name: ctx.layerName(), activation: fn })];
  },

  Flatten: (ctx) => [tfl.layers.flatten({ name: ctx.layerName() })],
  // The inferred shape, not target_shape: tfjs leaves a -1 unknown in its
  // symbolic shapes, and a Dense after it would then refuse to build.
  Reshape: (ctx) => [tfl.layers.reshape({ name: ctx.layerName(), targetShape: ctx.outputShape })],
  ZeroPadding2D: (ctx) => [tfl.layers.zeroPadding2d({ name: ctx.layerName(), padding: ctx.params.sides('padding') })],
  Cropping2D: (ctx) => [tfl.layers.cropping2D({ name: ctx.layerName(), cropping: ctx.params.sides('cropping') })],
  UpSampling2D: (ctx) => [
    tfl.layers.upSampling2d({
      name: ctx.layerName(),
      size: ctx.params.pair('size'),
      interpolation: ctx.params.string('interpolation') as 'nearest' | 'bilinear',
    }),
  ],

  Dense(ctx) {
    const p = ctx.params;
    const { activation, after } = fusedActivation(p.string('activation'), ctx);
    const layer = tfl.layers.dense({
      name: ctx.layerName(),
      units: p.int('units'),
      activation,
      useBias: p.bool('use_bias'),
      kernelInitializer: ctx.initializer(p.string('kernel_initializer'), 'kernel'),
      biasInitializer: ctx.initializer(p.string('bias_initializer'), 'bias'),
      kernelRegularizer: tfRegularizer(p.regularizer('kernel_regularizer')),
    });
    return [layer, ...after];
  },

  Add: (ctx) => [tfl.layers.add({ name: ctx.layerName() })],
  Multiply: (ctx) => [tfl.layers.multiply({ name: ctx.layerName() })],
  Concatenate(ctx) {
    // tfjs reads every negative axis as -1, so pass the axis counted from the batch.
    const rank = ctx.inputShapes[0]!.length;
    const axis = shapeIndexOfAxis(ctx.params.int('axis'), rank)! + 1;
    return [tfl.layers.concatenate({ name: ctx.layerName(), axis })];
  },
};

/** The builder of a validated node's type (validation refuses unknown types first). */
export function builderFor(type: string): Builder {
  if (!isLayerType(type)) throw new Error(`Layer type "${type}" passed validation but has no tfjs builder.`);
  return BUILDERS[type];
}
