/** Merges of several branches: Add, Multiply, Concatenate. */
import { requireAxis } from './axis.js';
import { formatShape, product } from './shape-math.js';
import type { InferContext, LayerSpec } from './types.js';

const severalInputs = { min: 2, max: Number.POSITIVE_INFINITY };

function listInputs(ctx: InferContext): string {
  return ctx.inputs.map((shape, i) => `${formatShape(shape)} from "${ctx.sources[i]}"`).join(', ');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Add and Multiply combine element by element, so every input must have the same shape. */
function elementwiseShape(ctx: InferContext): number[] | null {
  const first = ctx.inputs[0]!;
  if (ctx.inputs.every((shape) => sameShape(shape, first))) return first;
  const sameRank = ctx.inputs.every((shape) => shape.length === first.length);
  const channelsOnly =
    sameRank && ctx.inputs.every((shape) => sameShape(shape.slice(0, -1), first.slice(0, -1)));
  const hint = !sameRank
    ? 'One branch was flattened or pooled globally and the other was not; give both branches the same kind of output.'
    : channelsOnly
      ? 'The channel counts differ: give both branches the same filters, or put a 1×1 Conv2D on the shortcut to change its channels.'
      : 'The spatial sizes differ: use the same strides and padding on both branches, or a 1×1 Conv2D with matching strides on the shortcut.';
  ctx.problem(
    'shape-mismatch',
    `${ctx.node.type} "${ctx.node.id}" needs inputs of one shape but gets ${listInputs(ctx)}.`,
    hint,
  );
  return null;
}

export const add: LayerSpec = {
  type: 'Add',
  family: 'merge',
  description: 'Sums its inputs element by element: the join of a residual (skip) connection.',
  params: [],
  arity: severalInputs,
  inferShape: elementwiseShape,
  countParams: () => ({ total: 0, trainable: 0 }),
  macs: () => 0,
};

export const multiply: LayerSpec = {
  type: 'Multiply',
  family: 'merge',
  description: 'Multiplies its inputs element by element, e.g. to gate one branch with another.',
  params: [],
  arity: severalInputs,
  inferShape: elementwiseShape,
  countParams: () => ({ total: 0, trainable: 0 }),
  macs: ({ inputs, output }) => (inputs.length - 1) * product(output),
};

export const concatenate: LayerSpec = {
  type: 'Concatenate',
  family: 'merge',
  description: 'Joins its inputs side by side along one axis (by default the channels).',
  params: [
    { name: 'axis', unit: 'axis', kind: 'int', default: -1, doc: 'The axis to join along, counted with the batch as axis 0; -1 is the channels.' },
  ],
  arity: severalInputs,
  inferShape(ctx) {
    const first = ctx.inputs[0]!;
    if (!ctx.inputs.every((shape) => shape.length === first.length)) {
      ctx.problem(
        'shape-mismatch',
        `Concatenate "${ctx.node.id}" needs inputs with the same number of dimensions but gets ${listInputs(ctx)}.`,
        'One branch was flattened or pooled globally and the other was not; give both branches the same kind of output.',
      );
      return null;
    }
    const index = requireAxis(ctx, 'axis', first.length);
    if (index === null) return null;
    const others = (shape: readonly number[]) => shape.filter((_, i) => i !== index);
    if (!ctx.inputs.every((shape) => sameShape(others(shape), others(first)))) {
      ctx.problem(
        'shape-mismatch',
        `Concatenate "${ctx.node.id}" joins along axis ${ctx.params.int('axis')}, so every other dimension must agree, but it gets ${listInputs(ctx)}.`,
        'Make the branches agree outside the joined axis (same strides and padding), or join along another axis.',
      );
      return null;
    }
    const output = [...first];
    output[index] = ctx.inputs.reduce((sum, shape) => sum + shape[index]!, 0);
    return output;
  },
  countParams: () => ({ total: 0, trainable: 0 }),
  macs: () => 0,
};
