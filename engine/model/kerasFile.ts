/**
 * Keras files brought in directly, beside the TensorFlow.js import:
 * - `.keras` (Keras 3): a ZIP with config.json (the architecture) and
 *   model.weights.h5 (weights at `layers/<class in snake_case>[_n]/vars/<i>`);
 * - `.h5` full model (Keras 2 `model.save('m.h5')`): the architecture in the
 *   root's `model_config`, the weights by layer name in `model_weights`.
 * Either becomes a TensorFlow.js layers model folder (tfjs reads Keras'
 * architecture JSON; Keras 3's is first rewritten in Keras 2's form), which the
 * existing import turns into a graph and fine-tuning uses as initial weights.
 * A weights-only `.h5` has no architecture: it loads by layer name with
 * `train --weights` (initialWeights.ts) instead.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';
import { saveModelFolder } from './modelFiles.js';
import { attr, readFloat, readKeras2Weights, withH5File, type LayerWeights, type NamedWeight } from './kerasH5.js';
import { readZipEntries } from './zipEntries.js';
import '../graph/tfjs/spatial-dropout.js';

type Json = Record<string, unknown>;

export function isKerasFile(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return ext === '.keras' || ext === '.h5' || ext === '.hdf5';
}

/** The folder a Keras file converts into: beside it, `<name>-tfjs`. */
export function convertedFolder(path: string): string {
  return join(dirname(path), `${basename(path, extname(path))}-tfjs`);
}

/**
 * Converts a Keras model file into a TensorFlow.js layers model folder
 * (written atomically by saveModelFolder) and returns the folder.
 */
export async function convertKerasFile(path: string, outDir = convertedFolder(path)): Promise<string> {
  const { config, weightsFor } = extname(path).toLowerCase() === '.keras' ? await readKeras3(path) : await readKeras2Model(path);
  let model: tfl.LayersModel;
  try {
    model = (await tfl.models.modelFromJSON({ modelTopology: config } as unknown as Parameters<typeof tfl.models.modelFromJSON>[0])) as tfl.LayersModel;
  } catch (e) {
    throw new StudioError(
      `${path} holds an architecture TensorFlow.js cannot build (${(e as Error).message}).`,
      'Use standard Keras layers only (no custom layers or Lambda), or export the model from Keras with tensorflowjs_converter.',
      'unsupported-model',
    );
  }
  try {
    for (const [layer, values] of weightsFor(model)) {
      const tensors = layer.weights.map((w, i) => {
        const given = values[i];
        if (!given || JSON.stringify(given.shape) !== JSON.stringify(w.shape)) {
          throw new StudioError(
            `${path}: layer "${layer.name}" needs ${w.originalName} ${JSON.stringify(w.shape)}, but the file has ${given ? JSON.stringify(given.shape) : 'nothing'} there.`,
            'The weights do not belong to this architecture; save the model again.',
            'weights-mismatch',
          );
        }
        return tf.tensor(given.data, given.shape, 'float32');
      });
      layer.setWeights(tensors);
      tf.dispose(tensors);
    }
    await saveModelFolder(model, outDir, { importedFrom: path });
  } finally {
    model.dispose();
  }
  return outDir;
}

type WeightsFor = (model: tfl.LayersModel) => [tfl.layers.Layer, NamedWeight[]][];

async function readKeras2Model(path: string): Promise<{ config: Json; weightsFor: WeightsFor }> {
  return withH5File(path, (file) => {
    const raw = attr(file, 'model_config');
    if (raw === undefined) {
      throw new StudioError(
        `${path} holds weights only (no model_config), so it has no architecture to import.`,
        `Start training from it by layer name instead: convnet-studio train <project> --weights ${path}.`,
        'model-wrong-format',
      );
    }
    const config = JSON.parse(String(raw)) as Json;
    const weights = readKeras2Weights(file, path);
    return { config, weightsFor: byLayerName(weights, path) };
  });
}

function byLayerName(weights: LayerWeights, path: string): WeightsFor {
  return (model) =>
    model.layers
      .filter((layer) => layer.weights.length > 0)
      .map((layer) => {
        const own = weights.get(layer.name);
        if (!own) throw new StudioError(`${path} has no weights for layer "${layer.name}".`, 'The file is damaged or incomplete; save it again.', 'weights-mismatch');
        // Keras 2 lists a layer's weights in the order its layer creates them, as tfjs does.
        return [layer, [...own.values()]];
      });
}

async function readKeras3(path: string): Promise<{ config: Json; weightsFor: WeightsFor }> {
  const entries = await readZipEntries(path);
  const configText = entries.get('config.json');
  const weightsBytes = entries.get('model.weights.h5');
  if (!configText || !weightsBytes) {
    throw new StudioError(`${path} lacks ${!configText ? 'config.json' : 'model.weights.h5'}: it is not a Keras 3 .keras file.`, 'Save the model with Keras 3: model.save("model.keras").', 'model-wrong-format');
  }
  const original = JSON.parse(configText.toString('utf8')) as Json;
  const config = keras3ToKeras2(original) as Json;
  // h5wasm reads files by path: the member goes to a private temporary folder first.
  const scratch = await mkdtemp(join(tmpdir(), 'convnet-studio-keras-'));
  try {
    const h5 = join(scratch, 'model.weights.h5');
    await writeFile(h5, weightsBytes);
    const varsByKey = await withH5File(h5, (file) => {
      const layersGroup = file.get('layers') as { keys(): string[]; get(name: string): unknown } | null;
      const found = new Map<string, NamedWeight[]>();
      if (!layersGroup) return found;
      for (const key of layersGroup.keys()) {
        const vars = layersGroup.get(`${key}/vars`) as { keys(): string[]; get(name: string): unknown } | null;
        if (!vars) continue;
        const order = vars.keys().map(Number).sort((a, b) => a - b);
        found.set(key, order.map((i) => readFloat(vars.get(String(i)) as Parameters<typeof readFloat>[0], `${path}:layers/${key}/vars/${i}`)));
      }
      return found;
    });
    const keys = keras3LayerKeys(original);
    return {
      config,
      weightsFor: (model) =>
        model.layers
          .filter((layer) => layer.weights.length > 0)
          .map((layer) => {
            const key = keys.get(layer.name);
            const values = key === undefined ? undefined : varsByKey.get(key);
            if (!values) throw new StudioError(`${path} has no weights for layer "${layer.name}" (looked for layers/${key}/vars).`, 'The file is damaged or incomplete; save it again.', 'weights-mismatch');
            return [layer, values];
          }),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Keras 3's naming.to_snake_case. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Where Keras 3 stores each layer's weights: its class in snake_case, numbered
 * per class in the order of the model's layers (`conv2d`, `conv2d_1`, …).
 */
export function keras3LayerKeys(config: Json): Map<string, string> {
  const layers = ((config['config'] as Json | undefined)?.['layers'] ?? []) as Json[];
  const used = new Map<string, number>();
  const keys = new Map<string, string>();
  for (const layer of layers) {
    const base = toSnakeCase(String(layer['class_name']));
    const seen = used.get(base);
    used.set(base, seen === undefined ? 0 : seen + 1);
    const layerName = String((layer['config'] as Json | undefined)?.['name'] ?? layer['name']);
    keys.set(layerName, seen === undefined ? base : `${base}_${seen + 1}`);
  }
  return keys;
}

/**
 * Keras 3's architecture JSON in Keras 2's form, which tfjs reads: dtype
 * policies become their dtype name, InputLayer's batch_shape becomes
 * batch_input_shape, and inbound nodes written as call arguments
 * (`{args: [keras tensors], kwargs}`) become `[[layer, node, tensor, kwargs]]`.
 */
export function keras3ToKeras2(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keras3ToKeras2);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Json;
  if (obj['class_name'] === 'DTypePolicy' || obj['class_name'] === 'FloatDTypePolicy') return (obj['config'] as Json)['name'];
  const out: Json = {};
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'module' || key === 'registered_name' || key === 'build_config' || key === 'compile_config') continue;
    if (key === 'inbound_nodes' && Array.isArray(v)) out[key] = v.map(inboundNode);
    else if ((key === 'input_layers' || key === 'output_layers') && Array.isArray(v) && typeof v[0] === 'string') out[key] = [v];
    else if (key === 'batch_shape') out['batch_input_shape'] = v;
    else out[key] = keras3ToKeras2(v);
  }
  return out;
}

function inboundNode(node: unknown): unknown {
  if (Array.isArray(node)) return node; // already Keras 2's form
  const args = ((node as Json)['args'] ?? []) as unknown[];
  const first = args[0];
  const tensors = Array.isArray(first) ? first : [first];
  return tensors.map((t) => {
    const history = ((t as Json)['config'] as Json)['keras_history'] as [string, number, number];
    return [history[0], history[1], history[2], {}];
  });
}
