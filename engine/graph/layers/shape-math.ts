/**
 * Shape arithmetic and the rank checks that spatial layers share. Formulas
 * follow Keras (and tfjs-layers, which agrees): a 'valid' window needs the
 * whole dilated kernel inside the image, a 'same' window divides the size by
 * the stride, rounding up.
 *
 * Multiply-add conventions used across the catalogue: a convolution or dense
 * layer counts one per weight tap per output value (bias adds are not
 * counted); element-wise scaling layers (BatchNormalization, LayerNormalization,
 * Rescaling, Multiply) count one per element they scale; average pooling counts
 * one per window tap it sums; layers that only compare, copy or move values
 * (max pooling, activations, dropout, reshapes, padding, Add, Concatenate) count 0.
 */
import type { Shape } from '../report.js';
import type { InferContext } from './types.js';

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function convOutputLength(size: number, kernel: number, stride: number, padding: string, dilation = 1): number {
  const dilated = kernel + (kernel - 1) * (dilation - 1);
  const span = padding === 'same' ? size : size - dilated + 1;
  return Math.floor((span + stride - 1) / stride);
}

export function deconvOutputLength(size: number, kernel: number, stride: number, padding: string): number {
  return padding === 'same' ? size * stride : size * stride + Math.max(kernel - stride, 0);
}

/** Where the node's first input comes from, for messages: "from flatten1". */
function fromWhere(ctx: InferContext, index = 0): string {
  const source = ctx.sources[index];
  return source === undefined ? '' : ` from "${source}"`;
}

/**
 * Records a rank-mismatch unless the first input is an image (height × width
 * × channels). Returns whether it is.
 */
export function requireImageInput(ctx: InferContext): boolean {
  const input = ctx.inputs[0]!;
  if (input.length === 3) return true;
  const flatHint =
    input.length === 1
      ? `Its input was flattened or went through a Dense layer; move the Flatten/Dense after "${ctx.node.id}", or add a Reshape to [height, width, channels] before it.`
      : `Add a Reshape to [height, width, channels] before "${ctx.node.id}".`;
  ctx.problem(
    'rank-mismatch',
    `${ctx.node.type} "${ctx.node.id}" works on images (height × width × channels) but gets ${formatShape(input)}${fromWhere(ctx)}.`,
    flatHint,
  );
  return false;
}

export interface WindowOptions {
  /** The parameter holding the window size, for the problem. */
  kernelParam: string;
  kernel: [number, number];
  strides: [number, number];
  padding: string;
  dilation?: [number, number];
  /** "kernel" or "pool", for messages. */
  what: string;
}

/**
 * The spatial size after sliding a window over the node's image input, or
 * null after recording why the window does not fit.
 */
export function windowOutput(ctx: InferContext, options: WindowOptions): [number, number] | null {
  const [height, width] = ctx.inputs[0]!;
  const [kh, kw] = options.kernel;
  const [dh, dw] = options.dilation ?? [1, 1];
  const [sh, sw] = options.strides;
  if ((dh > 1 || dw > 1) && (sh > 1 || sw > 1)) {
    ctx.problem(
      'invalid-param',
      `${ctx.node.type} "${ctx.node.id}" has dilation_rate ${formatShape([dh, dw])} together with strides ${formatShape([sh, sw])}; Keras and tfjs allow only one of them above 1.`,
      'Set dilation_rate to 1, or set strides to 1.',
      'dilation_rate',
    );
    return null;
  }
  const spanH = kh + (kh - 1) * (dh - 1);
  const spanW = kw + (kw - 1) * (dw - 1);
  if (options.padding === 'valid' && (spanH > height! || spanW > width!)) {
    const dilated = dh > 1 || dw > 1 ? ` (${spanH}×${spanW} with dilation)` : '';
    ctx.problem(
      'kernel-too-large',
      `${ctx.node.type} "${ctx.node.id}" has a ${kh}×${kw} ${options.what}${dilated} larger than its ${height}×${width} input${fromWhere(ctx)}.`,
      `Use a smaller ${options.kernelParam}, set padding to 'same', or downsample less before "${ctx.node.id}".`,
      options.kernelParam,
    );
    return null;
  }
  return [
    convOutputLength(height!, kh, sh, options.padding, dh),
    convOutputLength(width!, kw, sw, options.padding, dw),
  ];
}

/** Records non-positive-size when some output dimension came out as 0 or less. */
export function requirePositiveShape(ctx: InferContext, shape: Shape, param: string, hint: string): Shape | null {
  if (shape.every((d) => d > 0)) return shape;
  ctx.problem(
    'non-positive-size',
    `${ctx.node.type} "${ctx.node.id}" would output ${formatShape(shape)}: its ${param} leaves nothing of its ${formatShape(ctx.inputs[0]!)} input.`,
    hint,
    param,
  );
  return null;
}
