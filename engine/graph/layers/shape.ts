/** Layers that only move values around: Flatten, Reshape, ZeroPadding2D, Cropping2D, UpSampling2D. */
import { formatShape, product, requireImageInput, requirePositiveShape } from './shape-math.js';
import type { LayerSpec } from './types.js';

const single = { min: 1, max: 1 };
const noWeights = () => ({ total: 0, trainable: 0 });

export const flatten: LayerSpec = {
  type: 'Flatten',
  family: 'shape',
  description: 'Lays an image out as one long vector, so Dense layers can follow.',
  params: [],
  arity: single,
  inferShape(ctx) {
    const input = ctx.inputs[0]!;
    if (input.length > 1) return [product(input)];
    // Keras would pass a vector through; tfjs' Flatten refuses one outright.
    ctx.problem(
      'rank-mismatch',
      `Flatten "${ctx.node.id}" gets ${formatShape(input)}${ctx.sources[0] ? ` from "${ctx.sources[0]}"` : ''}, which is already flat.`,
      `Delete "${ctx.node.id}" and connect its input straight to the next layer.`,
    );
    return null;
  },
  countParams: noWeights,
  macs: () => 0,
};

export const reshape: LayerSpec = {
  type: 'Reshape',
  family: 'shape',
  description: 'Rearranges the values into another shape with the same number of values.',
  params: [
    {
      name: 'target_shape',
      unit: 'dims',
      kind: 'shape',
      required: true,
      min: 1,
      allowInferredDim: true,
      doc: 'The new shape without the batch, e.g. [7, 7, 16]; one entry may be -1 to infer it.',
    },
  ],
  arity: single,
  inferShape(ctx) {
    const input = ctx.inputs[0]!;
    const target = ctx.params.ints('target_shape');
    const count = product(input);
    const inferred = target.indexOf(-1);
    const known = product(target.filter((d) => d !== -1));
    const fits = inferred === -1 ? known === count : count % known === 0;
    if (!fits) {
      ctx.problem(
        'shape-mismatch',
        `Reshape "${ctx.node.id}" cannot turn ${formatShape(input)} (${count} values) into ${formatShape(target)} (${inferred === -1 ? known : `a multiple of ${known}`} values).`,
        `Choose a target_shape whose sizes multiply to ${count}, or put -1 in one place to have it inferred.`,
        'target_shape',
      );
      return null;
    }
    if (inferred !== -1) target[inferred] = count / known;
    return target;
  },
  countParams: noWeights,
  macs: () => 0,
};

export const zeroPadding2d: LayerSpec = {
  type: 'ZeroPadding2D',
  family: 'shape',
  description: 'Adds rows and columns of zeros around the image.',
  params: [
    {
      name: 'padding',
      unit: 'px',
      kind: 'padding-2d',
      default: 1,
      min: 0,
      doc: 'Zeros to add: an int for all sides, [h, w] for top/bottom and left/right, or [top, bottom, left, right].',
    },
  ],
  arity: single,
  inferShape(ctx) {
    if (!requireImageInput(ctx)) return null;
    const [height, width, channels] = ctx.inputs[0]!;
    const [[top, bottom], [left, right]] = ctx.params.sides('padding');
    return [height! + top + bottom, width! + left + right, channels!];
  },
  countParams: noWeights,
  macs: () => 0,
};

export const cropping2d: LayerSpec = {
  type: 'Cropping2D',
  family: 'shape',
  description: 'Cuts rows and columns off the edges of the image.',
  params: [
    {
      name: 'cropping',
      unit: 'px',
      kind: 'padding-2d',
      default: 0,
      min: 0,
      doc: 'Pixels to cut: an int for all sides, [h, w] for top/bottom and left/right, or [top, bottom, left, right].',
    },
  ],
  arity: single,
  inferShape(ctx) {
    if (!requireImageInput(ctx)) return null;
    const [height, width, channels] = ctx.inputs[0]!;
    const [[top, bottom], [left, right]] = ctx.params.sides('cropping');
    return requirePositiveShape(
      ctx,
      [height! - top - bottom, width! - left - right, channels!],
      'cropping',
      `Crop less than the ${height}×${width} image: what is cut from opposite sides must leave at least one pixel.`,
    );
  },
  countParams: noWeights,
  macs: () => 0,
};

export const upSampling2d: LayerSpec = {
  type: 'UpSampling2D',
  family: 'shape',
  description: 'Enlarges the image by repeating (or interpolating) pixels; no weights.',
  params: [
    { name: 'size', unit: '×', kind: 'int-pair', default: 2, min: 1, doc: 'Enlargement factor: an int or [h, w].' },
    {
      name: 'interpolation',
      kind: 'enum',
      default: 'nearest',
      options: ['nearest', 'bilinear'],
      doc: 'nearest repeats pixels; bilinear blends neighbours.',
    },
  ],
  arity: single,
  inferShape(ctx) {
    if (!requireImageInput(ctx)) return null;
    const [height, width, channels] = ctx.inputs[0]!;
    const [sh, sw] = ctx.params.pair('size');
    return [height! * sh, width! * sw, channels!];
  },
  countParams: noWeights,
  macs: () => 0,
};
