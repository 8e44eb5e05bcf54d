/**
 * Bringing a TensorFlow.js layers model back in as a studio graph: one the
 * studio exported, or a Keras model converted with tensorflowjs_converter.
 * Every layer becomes a node with its Keras-named parameters (helper layers
 * the builder adds, such as `conv1__leaky_relu`, fold back into their node),
 * nodes are laid out top to bottom by depth, and node ids are the layers'
 * names, so the model built from the graph has the same layer names and the
 * imported weights load into it by name (initialWeights.ts).
 *
 * The files are checked on loading (loadLayersModel.ts): a file that is not
 * a layers model, or weights that do not fit it, are named with the mismatch.
 */
import { basename, join } from 'node:path';
import { StudioError } from '../errors.js';
import { ACTIVATIONS, layerSpec } from '../graph/layers/index.js';
import { HELPER_SEPARATOR, sanitiseLayerName } from '../graph/naming.js';
import type { Graph, GraphEdge, GraphNode, ParamValue } from '../graph/schema.js';
import { validateGraph } from '../graph/validate.js';
import { MODEL_JSON, type ModelMetadata } from './modelFiles.js';
import { loadLayersModelFolder } from './loadLayersModel.js';
import { configAxes, configPair, configSides, describeModel, type DescribedLayer, type ModelDescription } from './modelDescription.js';
import { resolveModelSource } from './modelSource.js';

const ROW_HEIGHT = 100;
const COLUMN_WIDTH = 260;

export interface ImportedModel {
  graph: Graph;
  /** Class names from the model's metadata, when it has them. */
  classNames: string[] | null;
  metadata: ModelMetadata;
  /** The folder holding model.json. */
  modelDir: string;
  description: ModelDescription;
  /** Node id of each source layer that became (or folded into) a node. */
  nodeIdOfLayer: Map<string, string>;
}

/** Layers the importer turns into nodes without a same-named catalogue type. */
const KERAS_ALIASES = new Set(['InputLayer', 'LeakyReLU', 'ReLU', 'Softmax']);

export async function importLayersModel(path: string): Promise<ImportedModel> {
  const source = resolveModelSource(path);
  const jsonPath = join(source.modelDir, MODEL_JSON);
  const loaded = await loadLayersModelFolder(source.modelDir);
  try {
    const description = describeModel(loaded.model, jsonPath);
    const { graph, nodeIdOfLayer } = graphOfModel(description, jsonPath);
    const report = validateGraph(graph);
    if (!report.valid) {
      const first = report.problems[0]!;
      throw new StudioError(`${jsonPath} imports as a graph the studio cannot build: ${first.message}`, first.hint, 'unsupported-model');
    }
    const names = loaded.metadata['classNames'];
    return {
      graph,
      classNames: Array.isArray(names) ? names.map(String) : null,
      metadata: loaded.metadata,
      modelDir: source.modelDir,
      description,
      nodeIdOfLayer,
    };
  } finally {
    loaded.model.dispose();
  }
}

/** The graph of a described model, and which node each layer became. */
export function graphOfModel(model: ModelDescription, file: string): { graph: Graph; nodeIdOfLayer: Map<string, string> } {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const uniqueId = (raw: string) => {
    const base = sanitiseLayerName(raw);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    return id;
  };
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const consumers = new Map<string, string[]>();
  for (const layer of model.layers) for (const input of layer.inputs) consumers.set(input, [...(consumers.get(input) ?? []), layer.name]);

  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  /** A layer folded into another node reads as that node. */
  const nodeOf = (layerName: string) => ids.get(layerName)!;

  for (const layer of model.layers) {
    if (foldsIntoSource(layer, byName, consumers)) {
      const target = nodes.find((n) => n.id === nodeOf(layer.inputs[0]!))!;
      target.params['activation'] = 'leaky_relu';
      ids.set(layer.name, target.id);
      continue;
    }
    const { type, params } = nodeOfLayer(layer, file);
    const id = uniqueId(layer.name);
    ids.set(layer.name, id);
    const trainable = layer.config['trainable'];
    nodes.push({ id, type, params, position: { x: 0, y: 0 }, ...(trainable === false ? { frozen: true } : {}) });
    const sources = layer.inputs.map(nodeOf);
    sources.forEach((source, port) => {
      edges.push({ id: `${source}->${id}${sources.length > 1 ? `:${port}` : ''}`, source, target: id, ...(sources.length > 1 ? { targetPort: port } : {}) });
    });
  }
  const outputId = uniqueId('output');
  const last = nodeOf(model.outputName);
  nodes.push({ id: outputId, type: 'Output', params: {}, position: { x: 0, y: 0 } });
  edges.push({ id: `${last}->${outputId}`, source: last, target: outputId });
  layOut(nodes, edges);
  return { graph: { nodes, edges }, nodeIdOfLayer: ids };
}

/**
 * The studio builds a Conv/Dense with leaky_relu as the layer plus a
 * LeakyReLU named `<layer>__leaky_relu` at Keras' slope; that pair is one node.
 */
function foldsIntoSource(layer: DescribedLayer, byName: Map<string, DescribedLayer>, consumers: Map<string, string[]>): boolean {
  if (layer.className !== 'LeakyReLU' || layer.inputs.length !== 1) return false;
  const source = byName.get(layer.inputs[0]!)!;
  // `layer` reads from `source`, so `consumers` lists it there: the count is at least 1.
  return (
    layer.name === `${source.name}${HELPER_SEPARATOR}leaky_relu` &&
    source.config['activation'] === 'linear' &&
    Math.abs(Number(layer.config['alpha']) - 0.2) < 1e-7 &&
    consumers.get(source.name)!.length === 1
  );
}

function unsupported(layer: DescribedLayer, file: string, why: string): StudioError {
  return new StudioError(`${file}: layer "${layer.name}" (${layer.className}) cannot be imported: ${why}`, 'The studio imports the layers of its catalogue (see `convnet-studio new --help` and the README).', 'unsupported-layer');
}

/** A node type and Keras-named parameters for one layer. */
function nodeOfLayer(layer: DescribedLayer, file: string): { type: string; params: Record<string, ParamValue> } {
  const c = layer.config;
  if (c['dataFormat'] !== undefined && c['dataFormat'] !== 'channelsLast') throw unsupported(layer, file, `it uses data_format ${String(c['dataFormat'])}; the studio works channels_last.`);
  switch (layer.className) {
    case 'InputLayer':
      return { type: 'Input', params: { shape: layer.outputShape } };
    case 'LeakyReLU':
      return { type: 'Activation', params: { activation: 'leaky_relu', negative_slope: Number(c['alpha']) } };
    case 'ReLU': {
      const max = c['maxValue'];
      if (max === null || max === undefined) return { type: 'Activation', params: { activation: 'relu' } };
      if (Number(max) === 6) return { type: 'Activation', params: { activation: 'relu6' } };
      throw unsupported(layer, file, `ReLU capped at ${String(max)} has no studio activation (relu or relu6).`);
    }
    case 'Softmax':
      if (configAxes(layer, layer.outputShape.length + 1).join() !== String(layer.outputShape.length)) throw unsupported(layer, file, 'softmax over an axis other than the last.');
      return { type: 'Activation', params: { activation: 'softmax' } };
  }
  const spec = layerSpec(layer.className);
  if (!spec || KERAS_ALIASES.has(layer.className) || spec.family === 'input' || spec.family === 'output') {
    throw unsupported(layer, file, 'the studio has no such layer.');
  }
  const params: Record<string, ParamValue> = {};
  for (const param of spec.params) {
    const key = camel(param.name);
    if (!(key in c)) continue;
    const value = c[key];
    switch (param.kind) {
      case 'int-pair': {
        if (value === null) {
          params[param.name] = null;
          break;
        }
        const [a, b] = configPair(layer, key);
        params[param.name] = a === b ? a : [a, b];
        break;
      }
      case 'padding-2d': {
        const [[top, bottom], [left, right]] = configSides(layer, key);
        params[param.name] = top === bottom && left === right ? (top === left ? top : [top, left]) : [top, bottom, left, right];
        break;
      }
      case 'activation': {
        const name = String(value);
        if (!(ACTIVATIONS as readonly string[]).includes(name)) throw unsupported(layer, file, `its activation "${name}" is not one the studio offers (${ACTIVATIONS.join(', ')}).`);
        params[param.name] = name;
        break;
      }
      case 'initializer': {
        const name = initializerName(value);
        if (name) params[param.name] = name;
        break;
      }
      case 'regularizer':
        params[param.name] = regularizer(value);
        break;
      case 'int':
        if (param.name === 'axis') {
          const axes = configAxes(layer, layer.inputShapes[0]!.length + 1);
          if (axes.length !== 1) throw unsupported(layer, file, `it works over the axes ${JSON.stringify(axes)}; the studio's ${layer.className} takes one axis.`);
          // The last axis reads as -1 ("the channels"), however the file counts it.
          const rank = layer.inputShapes[0]!.length + 1;
          params[param.name] = axes[0] === rank - 1 ? -1 : axes[0]!;
        } else {
          params[param.name] = Number(value);
        }
        break;
      case 'shape':
        params[param.name] = layer.outputShape;
        break;
      default:
        params[param.name] = value as ParamValue;
    }
  }
  // Pooling strides equal to the pool size read better as "same as pool_size".
  if ((spec.type === 'MaxPooling2D' || spec.type === 'AveragePooling2D') && JSON.stringify(params['strides']) === JSON.stringify(params['pool_size'])) {
    params['strides'] = null;
  }
  return { type: spec.type, params };
}

function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The Keras initializer name of a serialised tfjs initializer, when it is one the catalogue offers. */
function initializerName(value: unknown): string | null {
  const v = value as { className?: string; config?: { scale?: number; mode?: string; distribution?: string } } | null;
  if (!v?.className) return null;
  const direct: Record<string, string> = {
    GlorotUniform: 'glorot_uniform',
    GlorotNormal: 'glorot_normal',
    HeNormal: 'he_normal',
    HeUniform: 'he_uniform',
    LeCunNormal: 'lecun_normal',
    LeCunUniform: 'lecun_uniform',
    RandomUniform: 'random_uniform',
    RandomNormal: 'random_normal',
    TruncatedNormal: 'truncated_normal',
    Zeros: 'zeros',
    Ones: 'ones',
  };
  if (direct[v.className]) return direct[v.className]!;
  if (v.className !== 'VarianceScaling' || !v.config) return null;
  const { scale, mode, distribution } = v.config;
  const normal = distribution === 'normal' || distribution === 'truncatedNormal' || distribution === 'truncated_normal';
  if (scale === 1 && (mode === 'fanAvg' || mode === 'fan_avg')) return normal ? 'glorot_normal' : 'glorot_uniform';
  if (scale === 2 && (mode === 'fanIn' || mode === 'fan_in')) return normal ? 'he_normal' : 'he_uniform';
  if (scale === 1 && (mode === 'fanIn' || mode === 'fan_in')) return normal ? 'lecun_normal' : 'lecun_uniform';
  return null;
}

function regularizer(value: unknown): ParamValue {
  const v = value as { className?: string; config?: { l1?: number; l2?: number } } | null;
  if (!v?.config) return null;
  return { l1: Number(v.config.l1 ?? 0), l2: Number(v.config.l2 ?? 0) };
}

/** Rows by longest path from the input; side branches step one column right. */
function layOut(nodes: GraphNode[], edges: GraphEdge[]): void {
  const depth = new Map<string, number>();
  for (const node of nodes) {
    // Nodes come in the description's topological order, so every source already has its depth.
    const incoming = edges.filter((e) => e.target === node.id).map((e) => depth.get(e.source)!);
    depth.set(node.id, incoming.length ? Math.max(...incoming) + 1 : 0);
  }
  const usedInRow = new Map<number, number>();
  for (const node of nodes) {
    const row = depth.get(node.id)!;
    const column = usedInRow.get(row) ?? 0;
    usedInRow.set(row, column + 1);
    node.position = { x: column * COLUMN_WIDTH, y: row * ROW_HEIGHT };
  }
}

/** The project name an imported model gets: its folder's name. */
export function importedProjectName(modelDir: string, metadata: ModelMetadata): string {
  return typeof metadata['project'] === 'string' ? `${metadata['project']} (imported)` : basename(modelDir);
}
