/**
 * Saving and loading models in the TensorFlow.js layers format (model.json +
 * weights.bin) through the engine's own IO handlers, so no backend-specific
 * `file://` handler (tfjs-node) is needed and every write is atomic.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { writeFolderAtomic } from '../util/atomicWrite.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Extra JSON stored in model.json's userDefinedMetadata (labels, input shape…). */
export type ModelMetadata = Record<string, unknown>;

export async function saveModelFolder(model: tfl.LayersModel, dir: string, metadata: ModelMetadata = {}): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = joinWeightData(artifacts.weightData);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: 'Convnet Studio',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: metadata,
      };
      await writeFolderAtomic(dir, {
        [MODEL_JSON]: JSON.stringify(modelJson),
        [WEIGHTS_BIN]: new Uint8Array(weightData),
      });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
    }),
  );
}

export async function loadModelFolder(dir: string): Promise<{ model: tfl.LayersModel; metadata: ModelMetadata }> {
  const jsonPath = join(dir, MODEL_JSON);
  let modelJson: {
    modelTopology?: object;
    weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    userDefinedMetadata?: ModelMetadata;
  };
  try {
    modelJson = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new StudioError(`Cannot read ${jsonPath} (${(e as Error).message}).`, 'Point at a folder holding a TensorFlow.js layers model (model.json + weights).', 'model-unreadable');
  }
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new StudioError(`${jsonPath} is not a TensorFlow.js layers model (no modelTopology or weightsManifest).`, 'Export the model in the TensorFlow.js layers format.', 'model-wrong-format');
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readFile(join(dir, p)));
  }
  const weightData = joinWeightData(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  return { model, metadata: modelJson.userDefinedMetadata ?? {} };
}

function joinWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
