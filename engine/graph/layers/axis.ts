/**
 * Keras counts axes with the batch dimension included: axis 1 is the first
 * dimension of a sample, -1 the last. Shapes in the studio leave the batch
 * out, so a Keras axis maps to a shape index one lower.
 */
import { formatShape } from './shape-math.js';
import type { InferContext } from './types.js';

/** The index into `shape` that a Keras axis names, or null when it names none (or the batch). */
export function shapeIndexOfAxis(axis: number, rank: number): number | null {
  const withBatch = axis < 0 ? rank + 1 + axis : axis;
  return withBatch >= 1 && withBatch <= rank ? withBatch - 1 : null;
}

/** Like shapeIndexOfAxis, recording an invalid-param on `param` when the axis names no dimension. */
export function requireAxis(ctx: InferContext, param: string, rank: number): number | null {
  const axis = ctx.params.int(param);
  const index = shapeIndexOfAxis(axis, rank);
  if (index !== null) return index;
  const input = ctx.inputs[0]!;
  ctx.problem(
    'invalid-param',
    `${ctx.node.type} "${ctx.node.id}" has ${param} ${axis}, which names no dimension of its ${formatShape(input)} input (axis 0 is the batch).`,
    `Use -1 for the last (channel) dimension, or a value from 1 to ${rank}.`,
    param,
  );
  return null;
}
