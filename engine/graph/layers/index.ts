/**
 * The layer catalogue: every layer type the studio offers, by Keras name.
 * The window renders its inspector from `catalogue()`; validation and the
 * model builder look specs up with `layerSpec`.
 */
import { activation } from './activation.js';
import { conv2d, conv2dTranspose, depthwiseConv2d, separableConv2d } from './convolution.js';
import { dense } from './dense.js';
import { input, output } from './input-output.js';
import { add, concatenate, multiply } from './merge.js';
import { batchNormalization, layerNormalization, rescaling } from './normalisation.js';
import { averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, maxPooling2d } from './pooling.js';
import { dropout, spatialDropout2d } from './regularisation.js';
import { cropping2d, flatten, reshape, upSampling2d, zeroPadding2d } from './shape.js';
import type { LayerSpec } from './types.js';

export type { LayerFamily, LayerSpec, ParamKind, ParamSpec } from './types.js';
export { ACTIVATIONS, INITIALIZERS } from './common-params.js';
import type { LayerTypeInfo } from '../../protocol/index.js';
export type { LayerTypeInfo } from '../../protocol/index.js';

/**
 * Every layer type by its Keras name, in palette order. Keyed, so that
 * `LayerType` is the exact list and a table over it (the tfjs builders,
 * graph/tfjs/builders.ts) fails to compile when a type is missing.
 */
const SPECS_BY_TYPE = {
  Input: input,
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Conv2DTranspose: conv2dTranspose,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Rescaling: rescaling,
  Dropout: dropout,
  SpatialDropout2D: spatialDropout2d,
  Activation: activation,
  Flatten: flatten,
  Reshape: reshape,
  ZeroPadding2D: zeroPadding2d,
  Cropping2D: cropping2d,
  UpSampling2D: upSampling2d,
  Dense: dense,
  Add: add,
  Concatenate: concatenate,
  Multiply: multiply,
  Output: output,
} satisfies Record<string, LayerSpec>;

/** The Keras class name of a layer the studio offers. */
export type LayerType = keyof typeof SPECS_BY_TYPE;

const SPECS: readonly LayerSpec[] = Object.values(SPECS_BY_TYPE);

const BY_TYPE = new Map(SPECS.map((spec) => [spec.type, spec]));

export function layerSpec(type: string): LayerSpec | undefined {
  return BY_TYPE.get(type);
}

export function isLayerType(type: string): type is LayerType {
  return BY_TYPE.has(type);
}

export function layerTypes(): string[] {
  return SPECS.map((spec) => spec.type);
}

export function catalogue(): LayerTypeInfo[] {
  return SPECS.map((spec) => ({
    type: spec.type,
    family: spec.family,
    description: spec.description,
    params: spec.params.map((param) => ({ ...param })),
    inputs: { min: spec.arity.min, max: Number.isFinite(spec.arity.max) ? spec.arity.max : null },
  }));
}
