/**
 * The ONNX consumers the studio verifies its export with, and what the export
 * says when a layer will not run, or will not compute the studio's numbers,
 * in one of them. The ONNX writer (toOnnx.ts) writes every catalogue layer in
 * forms all of them accept (onnxConsumers.test.ts runs each template and
 * layer-coverage graph through them); what is left is listed here and named,
 * layer by layer, in the export result.
 */
import type { ModelDescription } from '../../model/modelDescription.js';

/** Verified consumers, with the versions the tests run. */
export const ONNX_CONSUMERS = {
  onnxruntime: 'onnxruntime (onnxruntime-node 1.x)',
  checker: 'the ONNX checker and shape inference (onnx 1.12)',
  opencv: 'OpenCV DNN 4.6 (cv2.dnn.readNetFromONNX)',
} as const;

/**
 * One warning per layer and consumer that needs one, as
 * "ONNX: layer "x" (Class) in CONSUMER: what happens and what to do."
 */
export function onnxConsumerWarnings(model: ModelDescription): string[] {
  const warnings: string[] = [];
  for (const layer of model.layers) {
    const rank = layer.outputShape.length + 1;
    const about = `ONNX: layer "${layer.name}" (${layer.className})`;
    if (layer.className === 'InputLayer' && rank === 3) {
      warnings.push(
        `${about} in ${ONNX_CONSUMERS.opencv}: from Python, cv2 reads a 3-D array as an image with channels; ` +
          `feed the input [batch, ${layer.outputShape.join(', ')}] as [batch, ${layer.outputShape.join(', ')}, 1].`,
      );
    }
  }
  return warnings;
}
