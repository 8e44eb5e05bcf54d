/**
 * labels.json: what a person (or program) needs besides the network to use
 * an exported model — the class names in output order, the input size and
 * channels, how images were resized and normalised in training (carried
 * exactly as the trainer recorded it), and the tensor layout each format
 * expects. Written beside every export; the studio's own predict reads it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import type { ModelMetadata } from '../train/modelFiles.js';
import type { ExportFormat } from './formats.js';
import type { ModelDescription } from './modelDescription.js';
import { ONNX_INPUT_NAME, ONNX_OPSET, ONNX_OUTPUT_NAME } from './onnx/toOnnx.js';
import type { ModelSidecar } from '../protocol/index.js';
export type { ModelSidecar } from '../protocol/index.js';

export const SIDECAR_FILE = 'labels.json';
export const SIDECAR_FORMAT = 'convnet-studio.labels' satisfies ModelSidecar['format'];

export const FORMAT_LAYOUTS: Record<ExportFormat, string> = {
  tfjs: 'NHWC [batch, height, width, channels]',
  onnx: 'NHWC [batch, height, width, channels] (same as TensorFlow.js; the graph transposes inside)',
  keras: 'NHWC [batch, height, width, channels] (channels_last)',
  pytorch: "NCHW [batch, channels, height, width] (PyTorch's layout)",
};

export function makeSidecar(
  model: ModelDescription,
  metadata: ModelMetadata,
  formats: ExportFormat[],
  studioVersion: string,
): ModelSidecar {
  const classCount = model.outputShape.at(-1) ?? 0;
  const given = Array.isArray(metadata['classNames']) ? (metadata['classNames'] as unknown[]).map(String) : null;
  const known = given !== null && given.length === classCount;
  const [height = 0, width = 0, channels = 0] = model.inputShape;
  const last = model.layers.find((l) => l.name === model.outputName);
  const activation = last?.className === 'Activation' || last?.className === 'Dense' ? String(last.config['activation']) : '';
  return {
    format: SIDECAR_FORMAT,
    version: 1,
    classNames: known ? given : Array.from({ length: classCount }, (_, i) => `class_${i}`),
    classNamesKnown: known,
    input: { height, width, channels, shape: model.inputShape },
    preprocessing: metadata['preprocessing'] ?? null,
    output: activation === 'softmax' || activation === 'sigmoid' ? 'probabilities' : 'scores',
    layouts: Object.fromEntries(formats.map((f) => [f, FORMAT_LAYOUTS[f]])),
    ...(formats.includes('onnx') ? { onnx: { input: ONNX_INPUT_NAME, output: ONNX_OUTPUT_NAME, opset: ONNX_OPSET, inputLayout: 'NHWC' as const } } : {}),
    ...(typeof metadata['project'] === 'string' ? { project: metadata['project'] } : {}),
    ...(typeof metadata['runId'] === 'string' ? { runId: metadata['runId'] } : {}),
    exportedBy: `Convnet Studio ${studioVersion}`,
    exportedAt: new Date().toISOString(),
  };
}

/** The sidecar in `dir`, or null when there is none. */
export async function readSidecar(dir: string): Promise<ModelSidecar | null> {
  const path = join(dir, SIDECAR_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  let sidecar: ModelSidecar;
  try {
    sidecar = JSON.parse(text) as ModelSidecar;
  } catch (e) {
    throw new StudioError(`${path} is not valid JSON (${(e as Error).message}).`, 'Export the model again to rewrite it.', 'sidecar-unreadable');
  }
  if (sidecar.format !== SIDECAR_FORMAT || !Array.isArray(sidecar.classNames)) {
    throw new StudioError(`${path} is not a Convnet Studio labels file.`, 'Export the model again to rewrite it.', 'sidecar-unreadable');
  }
  return sidecar;
}
