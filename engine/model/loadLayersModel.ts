/**
 * Loading a TensorFlow.js layers model from its folder, for everything that
 * reads models a person points at (export, predict, evaluate, import): the
 * files are checked first, so a wrong file says what is wrong with it — not
 * a layers model, a weight file missing, weight files holding other bytes
 * than the manifest lists — and tfjs' own complaints (weights that do not fit
 * the layers) come back naming the file. Keras' L1 and L2 regularizers,
 * which tensorflowjs_converter writes but tfjs cannot read, are read as the
 * equivalent L1L2.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import '../graph/tfjs/spatial-dropout.js';
import { MODEL_JSON, type ModelMetadata } from './modelFiles.js';

interface ModelJson {
  format?: unknown;
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths?: unknown; weights?: Array<{ name?: string; shape?: number[]; dtype?: string }> }>;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2 };

/** A manifest group's weight files; a group without a `paths` list has none (checked and loaded alike). */
function groupPaths(group: { paths?: unknown }): string[] {
  return Array.isArray(group.paths) ? group.paths.map(String) : [];
}

/** model.json is a layers model whose weight files hold exactly what its manifest lists. */
async function checkModelFiles(jsonPath: string, dir: string): Promise<ModelJson> {
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  } catch (e) {
    throw new StudioError(`Cannot read ${jsonPath} as JSON (${(e as Error).message}).`, 'Point at a TensorFlow.js layers model (model.json + weights).', 'model-wrong-format');
  }
  if (json.format === 'graph-model') {
    throw new StudioError(
      `${jsonPath} is a TensorFlow.js graph model (converted from a SavedModel), not a layers model.`,
      'Convert the Keras model with `tensorflowjs_converter --input_format keras model.h5 OUT/` to get a layers model.',
      'model-wrong-format',
    );
  }
  const topology = json.modelTopology as { class_name?: unknown; model_config?: { class_name?: unknown } } | undefined;
  const className = topology?.model_config?.class_name ?? topology?.class_name;
  if (typeof topology !== 'object' || topology === null || typeof className !== 'string' || !Array.isArray(json.weightsManifest)) {
    throw new StudioError(
      `${jsonPath} is not a TensorFlow.js layers model (it needs modelTopology with a Keras model class and a weightsManifest).`,
      'Export the model in the TensorFlow.js layers format, or convert a Keras model with tensorflowjs_converter.',
      'model-wrong-format',
    );
  }
  for (const group of json.weightsManifest) {
    const paths = groupPaths(group);
    const expected = (group.weights ?? []).reduce((sum, w) => {
      const bytes = DTYPE_BYTES[w.dtype ?? 'float32'];
      if (bytes === undefined) {
        throw new StudioError(`${jsonPath}: weight ${w.name} has dtype ${w.dtype}, which the studio does not read.`, 'Convert the model without quantisation.', 'weights-mismatch');
      }
      return sum + (w.shape ?? []).reduce((a, b) => a * b, 1) * bytes;
    }, 0);
    let actual = 0;
    for (const p of paths) {
      try {
        actual += (await stat(join(dir, p))).size;
      } catch {
        throw new StudioError(`${jsonPath} lists the weight file ${p}, which is missing from ${dir}.`, 'Copy the weight files next to model.json, or export the model again.', 'weights-missing');
      }
    }
    if (actual !== expected) {
      throw new StudioError(
        `${jsonPath}: the weight files ${paths.join(', ')} hold ${actual} bytes, but the manifest's ${group.weights?.length ?? 0} weights need ${expected}.`,
        'The weight files belong to another model (or were cut short, or quantised); export the model again.',
        'weights-mismatch',
      );
    }
  }
  return json;
}

export async function loadLayersModelFolder(dir: string): Promise<{ model: tfl.LayersModel; metadata: ModelMetadata }> {
  const jsonPath = join(dir, MODEL_JSON);
  const json = await checkModelFiles(jsonPath, dir);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest!) {
    // A weight without a dtype is float32, as checkModelFiles counted its bytes (tfjs itself would refuse it).
    weightSpecs.push(...(group.weights ?? []).map((w) => ({ dtype: 'float32', ...w }) as tf.io.WeightsManifestEntry));
    for (const p of groupPaths(group)) buffers.push(await readFile(join(dir, p)));
  }
  const weightData = new Uint8Array(buffers.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.length;
  }
  try {
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: withKnownRegularizers(json.modelTopology) as object, weightSpecs, weightData: weightData.buffer }),
    );
    const metadata = (json as { userDefinedMetadata?: ModelMetadata }).userDefinedMetadata ?? {};
    return { model, metadata };
  } catch (e) {
    const message = (e as Error).message;
    const weights = /weight|shape/i.test(message);
    throw new StudioError(
      weights ? `${jsonPath}: its weights do not fit its layers (${message}).` : `${jsonPath} cannot be read as a TensorFlow.js layers model (${message}).`,
      weights ? 'The weight files belong to another model, or model.json was edited; export the model again.' : 'Convert the Keras model with tensorflowjs_converter, using layers TensorFlow.js supports.',
      weights ? 'weights-mismatch' : 'model-wrong-format',
    );
  }
}

/** Keras' {class_name: 'L2', config: {l2}} (and L1) as tfjs' L1L2, anywhere in the topology. */
function withKnownRegularizers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withKnownRegularizers);
  if (typeof value !== 'object' || value === null) return value;
  const v = value as { class_name?: unknown; config?: { l1?: number; l2?: number } };
  if ((v.class_name === 'L1' || v.class_name === 'L2') && v.config) {
    return { class_name: 'L1L2', config: { l1: v.config.l1 ?? 0, l2: v.config.l2 ?? 0 } };
  }
  return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, withKnownRegularizers(x)]));
}
