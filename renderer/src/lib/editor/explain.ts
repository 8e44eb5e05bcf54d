/**
 * Why a layer's output has the size it has, worked out with the node's own
 * numbers. Sliding-window layers follow
 *   out = ⌊(in + 2·pad − kernel) / stride⌋ + 1
 * where 'valid' padding is pad = 0 and 'same' padding is the total Keras adds
 * so that out = ⌈in / stride⌉ (2·pad = max((out − 1)·stride + kernel − in, 0),
 * split between the two sides). A dilated kernel spans kernel + (kernel − 1)·(dilation − 1).
 */
import type { GraphNode, ParamValue } from '../../../../engine/protocol.js';
import type { LayerTypeInfo } from '../../../../engine/protocol.js';
import type { Shape } from '../../../../engine/protocol.js';
import { effectiveValue } from './paramFields';
import { formatCount } from './nodeText';

export interface Explanation {
  /** The general rule, e.g. "out = ⌊(in + 2·pad − kernel) / stride⌋ + 1". */
  rule: string;
  /** The rule with this node's numbers, one line per axis (or one when both axes agree). */
  worked: string[];
  /** How the parameters are counted, with the numbers. */
  params?: string;
}

const WINDOW_TYPES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D']);

function pair(value: ParamValue | undefined, fallback: number): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) return [value[0]!, value[1]!];
  return [fallback, fallback];
}

const fmt = formatCount;

function windowAxis(axis: string, size: number, kernel: number, stride: number, dilation: number, padding: string): string {
  const span = kernel + (kernel - 1) * (dilation - 1);
  const kernelText = dilation > 1 ? `${span} (${kernel} dilated ×${dilation})` : String(kernel);
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + span - size, 0);
    return `${axis}: ⌊(${size} + ${total} − ${kernelText}) / ${stride}⌋ + 1 = ${out}   (same: 2·pad = ${total})`;
  }
  const out = Math.floor((size - span) / stride) + 1;
  const fits = out >= 1 ? '' : '  — below 1: the window does not fit; use padding \'same\' or a smaller window';
  return `${axis}: ⌊(${size} + 2·0 − ${kernelText}) / ${stride}⌋ + 1 = ${out}${fits}`;
}

export function explain(node: GraphNode, info: LayerTypeInfo, input: Shape | null, output: Shape | null): Explanation | null {
  const param = (name: string) => {
    const spec = info.params.find((p) => p.name === name);
    return spec ? effectiveValue(spec, node.params) : undefined;
  };
  if (WINDOW_TYPES.has(node.type)) {
    const isPool = node.type.endsWith('Pooling2D');
    const kernel = pair(param(isPool ? 'pool_size' : 'kernel_size'), 1);
    const strideValue = param('strides');
    const stride = strideValue === null || strideValue === undefined ? (isPool ? kernel : [1, 1]) : pair(strideValue, 1);
    const dilation = isPool ? ([1, 1] as [number, number]) : pair(param('dilation_rate'), 1);
    const padding = String(param('padding') ?? 'valid');
    const rule = 'out = ⌊(in + 2·pad − kernel) / stride⌋ + 1';
    if (!input || input.length !== 3) return { rule, worked: ['Connect an image input (height × width × channels) to see the numbers.'] };
    const rows = [windowAxis('height', input[0]!, kernel[0], stride[0], dilation[0], padding), windowAxis('width', input[1]!, kernel[1], stride[1], dilation[1], padding)];
    const worked = input[0] === input[1] && kernel[0] === kernel[1] && stride[0] === stride[1] && dilation[0] === dilation[1] ? [rows[0]!.replace(/^height/, 'height = width')] : rows;
    let params: string | undefined;
    if (node.type === 'Conv2D' && output) {
      const bias = param('use_bias') !== false;
      const filters = output[2]!;
      params = `params = (${kernel[0]}·${kernel[1]}·${input[2]}${bias ? ' + 1' : ''}) · ${filters} = ${fmt((kernel[0] * kernel[1] * input[2]! + (bias ? 1 : 0)) * filters)}`;
    }
    return { rule, worked, params };
  }
  if (node.type === 'Conv2DTranspose') {
    const kernel = pair(param('kernel_size'), 1);
    const stride = pair(param('strides'), 1);
    const padding = String(param('padding') ?? 'valid');
    const rule = padding === 'same' ? 'out = in · stride' : 'out = (in − 1) · stride + kernel (when kernel ≥ stride)';
    if (!input || input.length !== 3) return { rule, worked: ['Connect an image input to see the numbers.'] };
    const axis = (name: string, i: 0 | 1) =>
      padding === 'same'
        ? `${name}: ${input[i]} · ${stride[i]} = ${input[i]! * stride[i]}`
        : `${name}: (${input[i]} − 1) · ${stride[i]} + ${kernel[i]} = ${input[i]! * stride[i] + Math.max(kernel[i] - stride[i], 0)}`;
    return { rule, worked: [axis('height', 0), axis('width', 1)] };
  }
  if (node.type === 'Dense') {
    const units = Number(param('units'));
    const bias = param('use_bias') !== false;
    const rule = 'out = activation(in · W + b)';
    if (!input) return { rule, worked: ['Connect an input to see the numbers.'] };
    const fanIn = input[input.length - 1]!;
    return {
      rule,
      worked: [`[${input.join(', ')}] · W[${fanIn} × ${units}] → [${[...input.slice(0, -1), units].join(', ')}]`],
      params: `params = ${fanIn} · ${units}${bias ? ` + ${units}` : ''} = ${fmt(fanIn * units + (bias ? units : 0))}`,
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
