/**
 * An estimate of the memory a training step needs, float32 throughout:
 *   weights         4 B × every parameter
 *   gradients       4 B × every trainable parameter
 *   optimizer       4 B × trainable parameters × slots (Adam 2: m and v;
 *                   RMSprop 1, or 2 with momentum; SGD 1 with momentum, else 0; Adagrad 1)
 *   activations     4 B × every node's output size × batch × 2 (the forward
 *                   value kept for the backward pass, and its gradient)
 *   input batch     4 B × input size × batch
 * The backend adds workspace and fragmentation on top, so take it as a floor.
 */
import type { OptimizerSettings } from '../../../../engine/graph/schema.js';
import type { ValidationReport } from '../../../../engine/graph/report.js';

export interface MemoryEstimate {
  weights: number;
  gradients: number;
  optimizer: number;
  activations: number;
  input: number;
  total: number;
  slots: number;
}

const BYTES = 4;

export function optimizerSlots(optimizer: OptimizerSettings): number {
  switch (optimizer.type) {
    case 'adam':
      return 2;
    case 'rmsprop':
      return optimizer.momentum > 0 ? 2 : 1;
    case 'sgd':
      return optimizer.momentum > 0 ? 1 : 0;
    case 'adagrad':
      return 1;
  }
}

const size = (shape: number[] | null) => (shape ? shape.reduce((a, b) => a * b, 1) : 0);

/** `markers`: the ids of Input and Output nodes, which hold no activation of their own. */
export function estimateTrainingMemory(report: ValidationReport, optimizer: OptimizerSettings, batchSize: number, markers: Set<string>): MemoryEstimate {
  const slots = optimizerSlots(optimizer);
  const weights = report.totals.params * BYTES;
  const gradients = report.totals.trainableParams * BYTES;
  const optimizerBytes = report.totals.trainableParams * slots * BYTES;
  let perSample = 0;
  for (const [id, node] of Object.entries(report.nodes)) if (!markers.has(id)) perSample += size(node.shape);
  const input = size(report.inputShape) * batchSize * BYTES;
  const activations = perSample * batchSize * BYTES * 2;
  return { weights, gradients, optimizer: optimizerBytes, activations, input, total: weights + gradients + optimizerBytes + activations + input, slots };
}
