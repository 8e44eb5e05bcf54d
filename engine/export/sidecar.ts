/**
 * The labels.json an export writes beside every format (engine/model/sidecar.ts
 * says what the file is and reads it back): the class names in output order,
 * the input size and channels, how images were resized and normalised in
 * training (carried exactly as the trainer recorded it), and the tensor
 * layout each format expects.
 */
import type { ModelMetadata } from '../model/modelFiles.js';
import type { ExportFormat } from './formats.js';
import type { ModelDescription } from '../model/modelDescription.js';
import { ONNX_INPUT_NAME, ONNX_OPSET, ONNX_OUTPUT_NAME } from './onnx/toOnnx.js';
import { SIDECAR_FORMAT } from '../model/sidecar.js';
import type { ModelSidecar } from '../protocol/index.js';

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
