/**
 * Why a layer's output has the size it has, worked out with the node's own
 * numbers, for the window's inspector. Sliding-window layers follow
 *   out = ⌊(in + 2·pad − kernel) / stride⌋ + 1
 * where 'valid' padding is pad = 0 and 'same' padding is the total Keras adds
 * so that out = ⌈in / stride⌉ (2·pad = max((out − 1)·stride + kernel − in, 0),
 * split between the two sides). A dilated kernel spans kernel + (kernel − 1)·(dilation − 1).
 *
 * The numbers come from the code validation runs: the parameters resolved by
 * checkParams (defaults filled in as the engine fills them), each output size
 * from shape-math's convOutputLength/deconvOutputLength, each parameter
 * count from the layer spec's countParams. So the worked line and the shape on
 * the canvas cannot disagree.
 */
import { layerSpec } from './layers/index.js';
import type { ResolvedParams } from './layers/resolved-params.js';
import { convOutputLength, deconvOutputLength } from './layers/shape-math.js';
import { checkParams } from './params-check.js';
import type { Shape } from './report.js';
import type { GraphNode } from './schema.js';

export interface Explanation {
  /** The general rule, e.g. "out = ⌊(in + 2·pad − kernel) / stride⌋ + 1". */
  rule: string;
  /** The rule with this node's numbers, one line per axis (or one when both axes agree). */
  worked: string[];
  /** How the parameters are counted, with the numbers. */
  params?: string;
}

const COUNT = new Intl.NumberFormat('en-US');
const fmt = (n: number) => COUNT.format(n);

const WINDOW_TYPES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D']);

function windowAxis(axis: string, size: number, kernel: number, stride: number, dilation: number, padding: string): string {
  const span = kernel + (kernel - 1) * (dilation - 1);
  const kernelText = dilation > 1 ? `${span} (${kernel} dilated ×${dilation})` : String(kernel);
  const out = convOutputLength(size, kernel, stride, padding, dilation);
  if (padding === 'same') {
    const total = Math.max((out - 1) * stride + span - size, 0);
    return `${axis}: ⌊(${size} + ${total} − ${kernelText}) / ${stride}⌋ + 1 = ${out}   (same: 2·pad = ${total})`;
  }
  const fits = out >= 1 ? '' : "  — below 1: the window does not fit; use padding 'same' or a smaller window";
  return `${axis}: ⌊(${size} + 2·0 − ${kernelText}) / ${stride}⌋ + 1 = ${out}${fits}`;
}

/** The parameters as validation resolves them, or null while one of them is invalid (the field shows why). */
function resolved(node: GraphNode): ResolvedParams | null {
  const spec = layerSpec(node.type);
  return spec ? checkParams(node, spec, () => {}) : null;
}

function parameterCount(node: GraphNode, params: ResolvedParams, input: Shape, output: Shape): number {
  return layerSpec(node.type)!.countParams({ params, inputs: [input], output }).total;
}

export function explainNode(node: GraphNode, input: Shape | null, output: Shape | null): Explanation | null {
  const p = WINDOW_TYPES.has(node.type) || ['Conv2DTranspose', 'Dense'].includes(node.type) ? resolved(node) : null;
  if (WINDOW_TYPES.has(node.type)) {
    if (!p) return null;
    const isPool = node.type.endsWith('Pooling2D');
    const kernel = p.pair(isPool ? 'pool_size' : 'kernel_size');
    const stride = isPool ? p.pairOr('strides', 'pool_size') : p.pair('strides');
    const dilation: [number, number] = node.type === 'Conv2D' || node.type === 'SeparableConv2D' ? p.pair('dilation_rate') : [1, 1];
    const padding = p.string('padding');
    const rule = 'out = ⌊(in + 2·pad − kernel) / stride⌋ + 1';
    if (!input || input.length !== 3) return { rule, worked: ['Connect an image input (height × width × channels) to see the numbers.'] };
    const rows = [windowAxis('height', input[0]!, kernel[0], stride[0], dilation[0], padding), windowAxis('width', input[1]!, kernel[1], stride[1], dilation[1], padding)];
    const worked = input[0] === input[1] && kernel[0] === kernel[1] && stride[0] === stride[1] && dilation[0] === dilation[1] ? [rows[0]!.replace(/^height/, 'height = width')] : rows;
    let params: string | undefined;
    if (node.type === 'Conv2D' && output) {
      const bias = p.bool('use_bias');
      params = `params = (${kernel[0]}·${kernel[1]}·${input[2]}${bias ? ' + 1' : ''}) · ${output[2]} = ${fmt(parameterCount(node, p, input, output))}`;
    }
    return { rule, worked, params };
  }
  if (node.type === 'Conv2DTranspose') {
    if (!p) return null;
    const kernel = p.pair('kernel_size');
    const stride = p.pair('strides');
    const padding = p.string('padding');
    const rule = padding === 'same' ? 'out = in · stride' : 'out = (in − 1) · stride + kernel (when kernel ≥ stride)';
    if (!input || input.length !== 3) return { rule, worked: ['Connect an image input to see the numbers.'] };
    const axis = (name: string, i: 0 | 1) => {
      const out = deconvOutputLength(input[i]!, kernel[i], stride[i], padding);
      return padding === 'same' ? `${name}: ${input[i]} · ${stride[i]} = ${out}` : `${name}: (${input[i]} − 1) · ${stride[i]} + ${kernel[i]} = ${out}`;
    };
    return { rule, worked: [axis('height', 0), axis('width', 1)] };
  }
  if (node.type === 'Dense') {
    if (!p) return null;
    const units = p.int('units');
    const bias = p.bool('use_bias');
    const rule = 'out = activation(in · W + b)';
    if (!input) return { rule, worked: ['Connect an input to see the numbers.'] };
    const fanIn = input[input.length - 1]!;
    const out = [...input.slice(0, -1), units];
    return {
      rule,
      worked: [`[${input.join(', ')}] · W[${fanIn} × ${units}] → [${out.join(', ')}]`],
      params: `params = ${fanIn} · ${units}${bias ? ` + ${units}` : ''} = ${fmt(parameterCount(node, p, input, out))}`,
    };
  }
  if (node.type === 'Flatten') {
    if (!input) return null;
    return { rule: 'out = h · w · c', worked: [`${input.join(' · ')} = ${fmt(input.reduce((a, b) => a * b, 1))}`] };
  }
  if (node.type === 'GlobalAveragePooling2D' || node.type === 'GlobalMaxPooling2D') {
    if (!input || input.length !== 3) return null;
    return { rule: 'out = channels (one number per feature map)', worked: [`[${input.join(', ')}] → [${input[2]}]`] };
  }
  return null;
}
