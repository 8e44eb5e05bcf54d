/** Normalisation and scaling: BatchNormalization, LayerNormalization, Rescaling. */
import { requireAxis, shapeIndexOfAxis } from './axis.js';
import { product } from './shape-math.js';
import type { LayerSpec, ParamSpec, ShapedContext } from './types.js';

const single = { min: 1, max: 1 };

const axisParam: ParamSpec = {
  name: 'axis',
  unit: 'axis',
  kind: 'int',
  default: -1,
  doc: 'The feature axis, counted with the batch as axis 0; -1 is the channels.',
};
const epsilonParam: ParamSpec = {
  name: 'epsilon',
  kind: 'float',
  default: 0.001,
  min: 0,
  doc: 'Added to the variance so that division stays finite.',
};
const centerParam: ParamSpec = { name: 'center', kind: 'bool', default: true, doc: 'Learn an offset (beta).' };
const scaleParam: ParamSpec = { name: 'scale', kind: 'bool', default: true, doc: 'Learn a scale (gamma).' };

/** Length of the normalised axis; its shape was already checked by inferShape. */
function featureCount({ params, inputs }: ShapedContext): number {
  const input = inputs[0]!;
  return input[shapeIndexOfAxis(params.int('axis'), input.length)!]!;
}

function learnedScaleAndOffset(ctx: ShapedContext): number {
  const features = featureCount(ctx);
  return (ctx.params.bool('center') ? features : 0) + (ctx.params.bool('scale') ? features : 0);
}

export const batchNormalization: LayerSpec = {
  type: 'BatchNormalization',
  family: 'normalisation',
  description: 'Normalises each channel over the batch, then scales and shifts it: faster, steadier training.',
  params: [
    axisParam,
    { name: 'momentum', kind: 'float', default: 0.99, min: 0, max: 1, doc: 'How slowly the moving mean and variance follow the batches.' },
    epsilonParam,
    centerParam,
    scaleParam,
  ],
  arity: single,
  inferShape(ctx) {
    const input = ctx.inputs[0]!;
    return requireAxis(ctx, 'axis', input.length) === null ? null : input;
  },
  countParams(ctx) {
    const trainable = learnedScaleAndOffset(ctx);
    // The moving mean and variance are weights too, but only updated by statistics.
    return { total: trainable + 2 * featureCount(ctx), trainable };
  },
  macs: ({ output }) => product(output),
};

export const layerNormalization: LayerSpec = {
  type: 'LayerNormalization',
  family: 'normalisation',
  description: 'Normalises each sample over its features, independent of the batch.',
  params: [axisParam, epsilonParam, centerParam, scaleParam],
  arity: single,
  inferShape(ctx) {
    const input = ctx.inputs[0]!;
    return requireAxis(ctx, 'axis', input.length) === null ? null : input;
  },
  countParams(ctx) {
    const trainable = learnedScaleAndOffset(ctx);
    return { total: trainable, trainable };
  },
  macs: ({ output }) => product(output),
};

export const rescaling: LayerSpec = {
  type: 'Rescaling',
  family: 'normalisation',
  description: 'Multiplies by scale and adds offset, e.g. 1/255 to map pixel bytes to [0, 1].',
  params: [
    { name: 'scale', kind: 'float', default: 1 / 255, doc: 'Every value is multiplied by this.' },
    { name: 'offset', kind: 'float', default: 0, doc: 'Then this is added.' },
  ],
  arity: single,
  inferShape: (ctx) => ctx.inputs[0]!,
  countParams: () => ({ total: 0, trainable: 0 }),
  macs: ({ output }) => product(output),
};
