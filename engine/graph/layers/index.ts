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
export { SpatialDropout2D } from './spatial-dropout.js';
import type { LayerTypeInfo } from '../../protocol/index.js';
export type { LayerTypeInfo } from '../../protocol/index.js';

const SPECS: readonly LayerSpec[] = [
  input,
  conv2d,
  depthwiseConv2d,
  separableConv2d,
  conv2dTranspose,
  maxPooling2d,
  averagePooling2d,
  globalAveragePooling2d,
  globalMaxPooling2d,
  batchNormalization,
  layerNormalization,
  rescaling,
  dropout,
  spatialDropout2d,
  activation,
  flatten,
  reshape,
  zeroPadding2d,
  cropping2d,
  upSampling2d,
  dense,
  add,
  concatenate,
  multiply,
  output,
];

const BY_TYPE = new Map(SPECS.map((spec) => [spec.type, spec]));

export function layerSpec(type: string): LayerSpec | undefined {
  return BY_TYPE.get(type);
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
