/**
 * Starting points for a new project: small classifiers for 28×28 grey images
 * and 10 classes (MNIST-sized), each small enough to train on a CPU. Nodes are
 * laid out top to bottom; side branches (shortcuts) sit one column right.
 */
import { StudioError } from '../errors.js';
import type { TemplateInfo } from '../protocol.js';
import { mobileNetV2Base } from './mobilenetV2.js';
import {
  defaultDataSource,
  defaultTrainingSettings,
  PROJECT_FORMAT,
  PROJECT_VERSION,
  type ProjectFile,
  type TrainingSettings,
} from '../project/schema.js';
import type { Graph, GraphEdge, GraphNode, ParamValue } from './schema.js';

const INPUT_SHAPE = [28, 28, 1];
const CLASSES = 10;
const ROW_HEIGHT = 100;
const COLUMN_WIDTH = 260;

/** Appends nodes top to bottom and wires each to the nodes it reads from. */
class GraphSketch {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  private row = 0;
  private sideRow = 0;

  /**
   * Adds a node below the previous one (or beside it, in `column`), reading
   * from `from` in port order; returns its id for chaining.
   */
  add(id: string, type: string, params: Record<string, ParamValue>, from: string[], column = 0): string {
    const row = column === 0 ? this.row++ : this.nextSideRow();
    this.nodes.push({ id, type, params, position: { x: column * COLUMN_WIDTH, y: row * ROW_HEIGHT } });
    from.forEach((source, port) => {
      this.edges.push({
        id: `${source}->${id}`,
        source,
        target: id,
        ...(from.length > 1 ? { targetPort: port } : {}),
      });
    });
    return id;
  }

  /** A side branch starts level with the next main node and grows down on its own. */
  private nextSideRow(): number {
    this.sideRow = Math.max(this.sideRow, this.row);
    return this.sideRow++;
  }

  graph(): Graph {
    return { nodes: this.nodes, edges: this.edges };
  }
}

const conv = (filters: number, size: number, more: Record<string, ParamValue> = {}) => ({
  filters,
  kernel_size: size,
  ...more,
});

function seedCnn(): Graph {
  const g = new GraphSketch();
  let x = g.add('input', 'Input', { shape: [...INPUT_SHAPE] }, []);
  x = g.add('conv1', 'Conv2D', conv(32, 3, { activation: 'relu' }), [x]);
  x = g.add('pool1', 'MaxPooling2D', { pool_size: 2 }, [x]);
  x = g.add('conv2', 'Conv2D', conv(64, 3, { activation: 'relu' }), [x]);
  x = g.add('pool2', 'MaxPooling2D', { pool_size: 2 }, [x]);
  x = g.add('conv3', 'Conv2D', conv(64, 3, { activation: 'relu' }), [x]);
  x = g.add('flatten', 'Flatten', {}, [x]);
  x = g.add('dense1', 'Dense', { units: 64, activation: 'relu' }, [x]);
  x = g.add('dense2', 'Dense', { units: CLASSES, activation: 'softmax' }, [x]);
  g.add('output', 'Output', {}, [x]);
  return g.graph();
}

function lenet5(): Graph {
  const g = new GraphSketch();
  let x = g.add('input', 'Input', { shape: [...INPUT_SHAPE] }, []);
  x = g.add('c1', 'Conv2D', conv(6, 5, { padding: 'same', activation: 'tanh' }), [x]);
  x = g.add('s2', 'AveragePooling2D', { pool_size: 2 }, [x]);
  x = g.add('c3', 'Conv2D', conv(16, 5, { activation: 'tanh' }), [x]);
  x = g.add('s4', 'AveragePooling2D', { pool_size: 2 }, [x]);
  x = g.add('flatten', 'Flatten', {}, [x]);
  x = g.add('f5', 'Dense', { units: 120, activation: 'tanh' }, [x]);
  x = g.add('f6', 'Dense', { units: 84, activation: 'tanh' }, [x]);
  x = g.add('f7', 'Dense', { units: CLASSES, activation: 'softmax' }, [x]);
  g.add('output', 'Output', {}, [x]);
  return g.graph();
}

function vggSmall(): Graph {
  const g = new GraphSketch();
  const same = (filters: number) => conv(filters, 3, { padding: 'same', activation: 'relu', kernel_initializer: 'he_normal' });
  let x = g.add('input', 'Input', { shape: [...INPUT_SHAPE] }, []);
  x = g.add('block1_conv1', 'Conv2D', same(16), [x]);
  x = g.add('block1_conv2', 'Conv2D', same(16), [x]);
  x = g.add('block1_pool', 'MaxPooling2D', { pool_size: 2 }, [x]);
  x = g.add('block2_conv1', 'Conv2D', same(32), [x]);
  x = g.add('block2_conv2', 'Conv2D', same(32), [x]);
  x = g.add('block2_pool', 'MaxPooling2D', { pool_size: 2 }, [x]);
  x = g.add('flatten', 'Flatten', {}, [x]);
  x = g.add('fc1', 'Dense', { units: 64, activation: 'relu', kernel_initializer: 'he_normal' }, [x]);
  x = g.add('dropout', 'Dropout', { rate: 0.5 }, [x]);
  x = g.add('predictions', 'Dense', { units: CLASSES, activation: 'softmax' }, [x]);
  g.add('output', 'Output', {}, [x]);
  return g.graph();
}

/** conv → batch norm (the bias is BatchNormalization's beta, so the conv has none). */
function convBn(g: GraphSketch, id: string, from: string, filters: number, size: number, strides = 1, column = 0): string {
  const c = g.add(
    `${id}_conv`,
    'Conv2D',
    conv(filters, size, { strides, padding: 'same', use_bias: false, kernel_initializer: 'he_normal' }),
    [from],
    column,
  );
  return g.add(`${id}_bn`, 'BatchNormalization', {}, [c], column);
}

function resnetSmall(): Graph {
  const g = new GraphSketch();
  let x = g.add('input', 'Input', { shape: [...INPUT_SHAPE] }, []);
  x = convBn(g, 'stem', x, 16, 3);
  x = g.add('stem_relu', 'Activation', { activation: 'relu' }, [x]);

  // Identity block: the input skips two convolutions and is added back.
  const skip1 = x;
  x = convBn(g, 'block1a', x, 16, 3);
  x = g.add('block1a_relu', 'Activation', { activation: 'relu' }, [x]);
  x = convBn(g, 'block1b', x, 16, 3);
  x = g.add('block1_add', 'Add', {}, [x, skip1]);
  x = g.add('block1_relu', 'Activation', { activation: 'relu' }, [x]);

  // Downsampling block: the shortcut needs a strided 1×1 conv to match 14×14×32.
  const skip2 = x;
  const shortcut = convBn(g, 'block2_shortcut', skip2, 32, 1, 2, 1);
  x = convBn(g, 'block2a', x, 32, 3, 2);
  x = g.add('block2a_relu', 'Activation', { activation: 'relu' }, [x]);
  x = convBn(g, 'block2b', x, 32, 3);
  x = g.add('block2_add', 'Add', {}, [x, shortcut]);
  x = g.add('block2_relu', 'Activation', { activation: 'relu' }, [x]);

  x = g.add('pool', 'GlobalAveragePooling2D', {}, [x]);
  x = g.add('predictions', 'Dense', { units: CLASSES, activation: 'softmax' }, [x]);
  g.add('output', 'Output', {}, [x]);
  return g.graph();
}

function mobilenetSmall(): Graph {
  const g = new GraphSketch();
  const relu6 = (id: string, from: string) => g.add(id, 'Activation', { activation: 'relu6' }, [from]);
  const bn = (id: string, from: string) => g.add(id, 'BatchNormalization', {}, [from]);
  let x = g.add('input', 'Input', { shape: [...INPUT_SHAPE] }, []);
  x = g.add('stem_conv', 'Conv2D', conv(16, 3, { strides: 2, padding: 'same', use_bias: false }), [x]);
  x = relu6('stem_relu', bn('stem_bn', x));

  // Depthwise-separable block: a 3×3 per-channel conv, then a 1×1 conv mixing channels.
  const block = (id: string, from: string, filters: number, strides: number) => {
    let y = g.add(`${id}_dw`, 'DepthwiseConv2D', { kernel_size: 3, strides, padding: 'same', use_bias: false }, [from]);
    y = relu6(`${id}_dw_relu`, bn(`${id}_dw_bn`, y));
    y = g.add(`${id}_pw`, 'Conv2D', conv(filters, 1, { use_bias: false }), [y]);
    return relu6(`${id}_pw_relu`, bn(`${id}_pw_bn`, y));
  };
  x = block('block1', x, 32, 1);
  x = block('block2', x, 64, 2);
  x = block('block3', x, 64, 1);

  x = g.add('pool', 'GlobalAveragePooling2D', {}, [x]);
  x = g.add('dropout', 'Dropout', { rate: 0.2 }, [x]);
  x = g.add('predictions', 'Dense', { units: CLASSES, activation: 'softmax' }, [x]);
  g.add('output', 'Output', {}, [x]);
  return g.graph();
}

/**
 * The fine-tuning recipe: the seed CNN's convolutions (same node ids, so a
 * trained seed-cnn's weights load into them by name) frozen, global average
 * pooling instead of Flatten, and a new dense head, the only trained layer.
 */
function transfer(): Graph {
  const g = new GraphSketch();
  let x = g.add('input', 'Input', { shape: [...INPUT_SHAPE] }, []);
  x = g.add('conv1', 'Conv2D', conv(32, 3, { activation: 'relu' }), [x]);
  x = g.add('pool1', 'MaxPooling2D', { pool_size: 2 }, [x]);
  x = g.add('conv2', 'Conv2D', conv(64, 3, { activation: 'relu' }), [x]);
  x = g.add('pool2', 'MaxPooling2D', { pool_size: 2 }, [x]);
  x = g.add('conv3', 'Conv2D', conv(64, 3, { activation: 'relu' }), [x]);
  const base = new Set(g.nodes.map((n) => n.id));
  x = g.add('pool', 'GlobalAveragePooling2D', {}, [x]);
  x = g.add('head', 'Dense', { units: CLASSES, activation: 'softmax' }, [x]);
  g.add('output', 'Output', {}, [x]);
  for (const node of g.nodes) if (base.has(node.id) && node.type !== 'Input') node.frozen = true;
  return g.graph();
}

/** The pretrained base the mobilenetv2-imagenet template starts from (engine/pretrained/registry.ts). */
export const IMAGENET_TEMPLATE_BASE = 'mobilenetv2-0.35-224';

/**
 * Transfer from ImageNet: Keras' MobileNetV2 (α 0.35, Teachable Machine's
 * base) frozen, with its own layer names so the pretrained weights load by
 * name, then global average pooling, dropout and a new classifier. Inputs
 * are RGB in [-1, 1] (MobileNetV2's preprocessing); 96-224 px all fit the weights.
 */
function mobilenetV2Imagenet(): Graph {
  const { graph, outputId } = mobileNetV2Base({ alpha: 0.35, rows: 224, group: IMAGENET_TEMPLATE_BASE, frozen: true });
  const base = graph.nodes.at(-1)!.position;
  let y = base.y;
  const add = (id: string, type: string, params: Record<string, ParamValue>, from: string) => {
    y += ROW_HEIGHT;
    graph.nodes.push({ id, type, params, position: { x: 0, y } });
    graph.edges.push({ id: `${from}->${id}`, source: from, target: id });
    return id;
  };
  let x = add('global_average_pooling2d', 'GlobalAveragePooling2D', {}, outputId);
  x = add('dropout', 'Dropout', { rate: 0.2 }, x);
  x = add('predictions', 'Dense', { units: CLASSES, activation: 'softmax' }, x);
  add('output', 'Output', {}, x);
  return graph;
}

interface Template extends TemplateInfo {
  /** Total parameters, trainable and not (BatchNormalization's moving statistics are not). */
  params: number;
  trainableParams: number;
  graph: () => Graph;
  /** Settings that differ from the defaults for this template. */
  project?: () => { data?: Partial<ProjectFile['data']>; training?: Partial<TrainingSettings> };
}

const TEMPLATES: readonly Template[] = [
  {
    name: 'seed-cnn',
    title: 'Seed CNN',
    description: 'The Keras getting-started convnet: three 3×3 convolutions, two poolings, two dense layers. 93,322 parameters.',
    params: 93_322,
    trainableParams: 93_322,
    graph: seedCnn,
  },
  {
    name: 'lenet5',
    title: 'LeNet-5',
    description: "LeCun's 1998 digit reader: two 5×5 convolutions with average pooling and three dense layers, tanh throughout. 61,706 parameters.",
    params: 61_706,
    trainableParams: 61_706,
    graph: lenet5,
  },
  {
    name: 'vgg-small',
    title: 'VGG (small)',
    description: 'Two VGG blocks of paired 3×3 same-padded convolutions (16 and 32 filters) with max pooling, then a dense layer with dropout. 117,434 parameters.',
    params: 117_434,
    trainableParams: 117_434,
    graph: vggSmall,
  },
  {
    name: 'resnet-small',
    title: 'ResNet (small)',
    description: 'A residual network: a stem, an identity block and a downsampling block with a 1×1 shortcut, BatchNormalization after every convolution, global average pooling. 19,994 parameters (19,706 trainable).',
    params: 19_994,
    trainableParams: 19_706,
    graph: resnetSmall,
  },
  {
    name: 'mobilenet-small',
    title: 'MobileNet (small)',
    description: 'MobileNet-style depthwise-separable blocks (3×3 depthwise, then 1×1 pointwise, each with BatchNormalization and relu6), global average pooling. 9,610 parameters (9,034 trainable).',
    params: 9_610,
    trainableParams: 9_034,
    graph: mobilenetSmall,
  },
  {
    name: 'transfer',
    title: 'Transfer (fine-tuning)',
    description:
      "The fine-tuning recipe: the seed CNN's three convolutions frozen (start from a trained seed-cnn's weights), global average pooling, a new dense head. 56,394 parameters (650 trainable).",
    params: 56_394,
    trainableParams: 650,
    graph: transfer,
  },
  {
    name: 'mobilenetv2-imagenet',
    title: 'Transfer from ImageNet (MobileNetV2)',
    description:
      "Keras' MobileNetV2 (α 0.35) pretrained on ImageNet, frozen, with global average pooling, dropout and a new Dense for your classes; the base is downloaded on first use. Train the head, then fine-tune the top 3 blocks at a 10× lower rate. RGB 224 px (96-224 fit). 423,018 parameters (12,810 trainable).",
    base: IMAGENET_TEMPLATE_BASE,
    params: 423_018,
    trainableParams: 12_810,
    graph: mobilenetV2Imagenet,
    project: () => ({
      data: { preprocessing: { resize: 'stretch', normalization: 'minus-one-one' } },
      training: {
        epochs: 5,
        batchSize: 32,
        transfer: { head: 'predictions', fineTuneBlocks: 3, fineTuneEpochs: 5, fineTuneLearningRateFactor: 0.1 },
      },
    }),
  },
];

/**
 * The empty project: an Input for 28×28 grey images wired straight to the
 * Output, to build on from scratch (a layer added after the Input goes
 * between them). Not a template that trains as it is, so not listed among them.
 */
export const EMPTY_PROJECT: TemplateInfo = {
  name: 'empty',
  title: 'Empty project',
  description: 'Just an Input (28×28 grey) and the Output: add the layers yourself.',
};

function emptyGraph(): Graph {
  const g = new GraphSketch();
  const input = g.add('input', 'Input', { shape: [...INPUT_SHAPE] }, []);
  g.add('output', 'Output', {}, [input]);
  return g.graph();
}

/** Parameter counts each template documents, for tests and for the window's picker. */
export function templateParamCounts(name: string): { params: number; trainableParams: number } {
  const template = findTemplate(name);
  return { params: template.params, trainableParams: template.trainableParams };
}

export function listTemplates(): TemplateInfo[] {
  return TEMPLATES.map(({ name, title, description, base }) => ({ name, title, description, ...(base ? { base } : {}) }));
}

function findTemplate(name: string): Template {
  const template = TEMPLATES.find((t) => t.name === name);
  if (template) return template;
  const names = [...TEMPLATES.map((t) => t.name), EMPTY_PROJECT.name].join(', ');
  throw new StudioError(`There is no template "${name}".`, `Choose one of: ${names}.`, 'unknown-template');
}

export function createProject(template: string, name?: string): ProjectFile {
  const chosen: Pick<Template, 'title' | 'graph' | 'project'> =
    template === EMPTY_PROJECT.name ? { ...EMPTY_PROJECT, graph: emptyGraph } : findTemplate(template);
  const own = chosen.project?.() ?? {};
  return {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    name: name?.trim() ? name : chosen.title,
    graph: chosen.graph(),
    data: { ...defaultDataSource(), ...own.data } as ProjectFile['data'],
    training: { ...defaultTrainingSettings(), ...own.training },
    runs: [],
  };
}
