/**
 * The studio's own MobileNetV2 (Sandler et al. 2018) as a graph of catalogue
 * layers, built exactly as keras.applications.MobileNetV2(include_top=False)
 * builds it: the same layer names (so Keras' and TensorFlow.js' pretrained
 * weights load by name), the same ZeroPadding2D before each stride-2
 * depthwise convolution, ReLU6 as an Activation, BatchNormalization with
 * epsilon 1e-3 and momentum 0.999. Pure: no tfjs, no Node built-ins.
 */
import { StudioError } from '../errors.js';
import type { Graph, GraphEdge, GraphNode, ParamValue } from './schema.js';

export const MOBILENET_V2_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;
export const MOBILENET_V2_ROWS = [96, 128, 160, 192, 224] as const;
export type MobileNetV2Alpha = (typeof MOBILENET_V2_ALPHAS)[number];

/** The inverted residual blocks: (filters, stride, expansion), block ids 0…16. */
const BLOCKS: readonly [number, number, number][] = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];
export const MOBILENET_V2_BLOCK_COUNT = BLOCKS.length;

/** Keras' _make_divisible: the nearest multiple of 8, never more than 10 % below v. */
export function makeDivisible(v: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

export interface MobileNetV2Options {
  alpha: number;
  /** Input height and width (square, as Keras' pretrained sizes are). */
  rows: number;
  /** Every base node gets this group (the editor shows the base as one collapsible node). */
  group?: string;
  /** Mark every base node frozen. */
  frozen?: boolean;
}

export interface MobileNetV2Graph {
  graph: Graph;
  /** The id of the Input node and of the base's last node (`out_relu`). */
  inputId: string;
  outputId: string;
}

const ROW_HEIGHT = 90;
const BRANCH_COLUMN = 260;

export function checkMobileNetV2Options(alpha: number, rows: number): void {
  if (!(MOBILENET_V2_ALPHAS as readonly number[]).includes(alpha)) {
    throw new StudioError(
      `MobileNetV2 has no width multiplier (alpha) ${alpha}.`,
      `Use one of ${MOBILENET_V2_ALPHAS.join(', ')} (the sizes Keras publishes weights for).`,
      'bad-mobilenet-alpha',
    );
  }
  if (!(MOBILENET_V2_ROWS as readonly number[]).includes(rows)) {
    throw new StudioError(
      `MobileNetV2's input size ${rows} is not one Keras publishes weights for.`,
      `Use one of ${MOBILENET_V2_ROWS.join(', ')} pixels.`,
      'bad-mobilenet-rows',
    );
  }
}

/**
 * MobileNetV2 without its classifier (include_top=False): Input
 * [rows, rows, 3] to `out_relu` ([rows/32, rows/32, 1280·max(1, alpha)]).
 * The graph ends at out_relu; the caller adds the head and the Output.
 */
export function mobileNetV2Base(options: MobileNetV2Options): MobileNetV2Graph {
  const { alpha, rows } = options;
  checkMobileNetV2Options(alpha, rows);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  let row = 0;
  const add = (id: string, type: string, params: Record<string, ParamValue>, from: string[], column = 0): string => {
    const node: GraphNode = { id, type, params, position: { x: column * BRANCH_COLUMN, y: row++ * ROW_HEIGHT } };
    if (options.group !== undefined && type !== 'Input') node.group = options.group;
    if (options.frozen && type !== 'Input') node.frozen = true;
    nodes.push(node);
    from.forEach((source, port) =>
      edges.push({ id: `${source}->${id}`, source, target: id, ...(from.length > 1 ? { targetPort: port } : {}) }),
    );
    return id;
  };
  const conv1x1 = (id: string, from: string, filters: number) =>
    add(id, 'Conv2D', { filters, kernel_size: 1, padding: 'same', use_bias: false }, [from]);
  const bn = (id: string, from: string) => add(id, 'BatchNormalization', { epsilon: 0.001, momentum: 0.999 }, [from]);
  const relu6 = (id: string, from: string) => add(id, 'Activation', { activation: 'relu6' }, [from]);

  const inputId = add('input_1', 'Input', { shape: [rows, rows, 3] }, []);
  let x = add('Conv1', 'Conv2D', { filters: makeDivisible(32 * alpha), kernel_size: 3, strides: 2, padding: 'same', use_bias: false }, [inputId]);
  x = relu6('Conv1_relu', bn('bn_Conv1', x));

  let channels = makeDivisible(32 * alpha);
  let size = Math.ceil(rows / 2);
  BLOCKS.forEach(([filters, stride, expansion], blockId) => {
    const blockInput = x;
    const outFilters = makeDivisible(filters * alpha);
    const prefix = blockId === 0 ? 'expanded_conv_' : `block_${blockId}_`;
    if (blockId > 0) {
      x = conv1x1(`${prefix}expand`, x, expansion * channels);
      x = relu6(`${prefix}expand_relu`, bn(`${prefix}expand_BN`, x));
    }
    if (stride === 2) {
      // Keras' correct_pad: for an even size, one row and column of zeros at the bottom and right only.
      const extra = size % 2 === 0 ? 0 : 1;
      x = add(`${prefix}pad`, 'ZeroPadding2D', { padding: [extra, 1, extra, 1] }, [x]);
    }
    x = add(
      `${prefix}depthwise`,
      'DepthwiseConv2D',
      { kernel_size: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', use_bias: false },
      [x],
    );
    x = relu6(`${prefix}depthwise_relu`, bn(`${prefix}depthwise_BN`, x));
    x = conv1x1(`${prefix}project`, x, outFilters);
    x = bn(`${prefix}project_BN`, x);
    if (channels === outFilters && stride === 1) x = add(`${prefix}add`, 'Add', {}, [blockInput, x], 0);
    if (stride === 2) size = Math.ceil(size / 2);
    channels = outFilters;
  });

  const lastFilters = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = add('Conv_1', 'Conv2D', { filters: lastFilters, kernel_size: 1, use_bias: false }, [x]);
  x = relu6('out_relu', bn('Conv_1_bn', x));
  return { graph: { nodes, edges }, inputId, outputId: x };
}

/**
 * The base's node ids that belong to the top `count` inverted residual
 * blocks, plus the final Conv_1 stage (which belongs to the top): what the
 * Keras fine-tuning recipe unfreezes in its second phase.
 */
export function mobileNetV2TopBlockNodes(graph: Graph, count: number): string[] {
  const first = MOBILENET_V2_BLOCK_COUNT - count;
  const inTop = (id: string): boolean => {
    if (id === 'Conv_1' || id === 'Conv_1_bn' || id === 'out_relu') return count > 0;
    const match = /^block_(\d+)_/.exec(id);
    if (match) return Number(match[1]) >= first;
    return id.startsWith('expanded_conv_') && first <= 0;
  };
  return graph.nodes.filter((n) => inTop(n.id)).map((n) => n.id);
}
