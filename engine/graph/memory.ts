/**
 * How much memory training a graph takes, and what cannot fit: one rule for
 * the window's estimate (ModelSummary) and the engine's checks (validate
 * warns, train refuses before allocating). Pure: the machine's capacity is
 * passed in by the engine (train/memoryLimit.ts).
 *
 * The estimate, float32 throughout:
 *   weights         4 B × every parameter
 *   gradients       4 B × every trainable parameter
 *   optimizer       4 B × trainable parameters × slots (Adam 2: m and v;
 *                   RMSprop 1, or 2 with momentum; SGD 1 with momentum, else 0; Adagrad 1)
 *   activations     4 B × every node's output size × batch × 2 (the forward
 *                   value kept for the backward pass, and its gradient)
 *   input batch     4 B × input size × batch
 *   replicas        with threads > 1 on the CPU backends (train/parallel): each
 *                   worker replica holds the model (4 B × every parameter), its
 *                   gradients (4 B × trainable parameters) and its shared
 *                   gradient buffer (4 B × every parameter), and the engine a
 *                   shared copy of the weights (4 B × every parameter); the
 *                   activations are split between the replicas, not repeated
 * The backend adds workspace and fragmentation on top, so take it as a floor.
 */
import type { MemoryLimit } from '../protocol/index.js';
import type { Problem, ValidationReport } from './report.js';
import type { OptimizerSettings } from '../protocol.js';
import type { Graph } from './schema.js';

export interface MemoryEstimate {
  weights: number;
  gradients: number;
  optimizer: number;
  activations: number;
  input: number;
  /** What the worker replicas add (0 on one thread). */
  replicas: number;
  total: number;
  slots: number;
}

export type { MemoryLimit } from '../protocol/index.js';

export interface MemorySettings {
  optimizer: OptimizerSettings;
  batchSize: number;
  /** Unknown in the window: only the per-tensor limit is checked then. */
  limit?: MemoryLimit;
  /** Worker replicas (threads − 1) whose copies count against `limit`; none where each has its own (the WebAssembly heap). */
  workers?: number;
}

/**
 * The most values one tensor may hold: typed arrays, WebAssembly and WebGL
 * index with 32-bit signed integers. A layer over it fails inside tfjs with
 * "Invalid typed array length" or "memory access out of bounds".
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** Above this share of the limit, validation warns that training may run out of memory. */
export const MEMORY_WARNING_SHARE = 0.5;

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

/** `markers`: the ids of Input and Output nodes, which hold no activation of their own; `workers`: worker replicas beside the engine's thread. */
export function estimateTrainingMemory(report: ValidationReport, optimizer: OptimizerSettings, batchSize: number, markers: Set<string>, workers = 0): MemoryEstimate {
  const slots = optimizerSlots(optimizer);
  const weights = report.totals.params * BYTES;
  const gradients = report.totals.trainableParams * BYTES;
  const optimizerBytes = report.totals.trainableParams * slots * BYTES;
  let perSample = 0;
  for (const [id, node] of Object.entries(report.nodes)) if (!markers.has(id)) perSample += size(node.shape);
  const input = size(report.inputShape) * batchSize * BYTES;
  const activations = perSample * batchSize * BYTES * 2;
  const replicas = workers > 0 ? workers * (2 * weights + gradients) + weights : 0;
  return { weights, gradients, optimizer: optimizerBytes, activations, input, replicas, total: weights + gradients + optimizerBytes + activations + input + replicas, slots };
}

/** The ids of a graph's Input and Output nodes. */
export function markerIds(graph: Graph): Set<string> {
  return new Set(graph.nodes.filter((n) => n.type === 'Input' || n.type === 'Output').map((n) => n.id));
}

export function formatMemory(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * What cannot fit (problems: training would fail) and what may not
 * (warnings), each naming the layer and the numbers.
 */
export function memoryProblems(graph: Graph, report: ValidationReport, settings: MemorySettings): { problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const markers = markerIds(graph);
  const typeOf = new Map(graph.nodes.map((n) => [n.id, n.type]));
  const { batchSize } = settings;
  let largest: { id: string; bytes: number; what: string } | null = null;
  for (const [id, node] of Object.entries(report.nodes)) {
    if (markers.has(id)) continue;
    const layer = `${typeOf.get(id) ?? 'Layer'} "${id}"`;
    if (node.params > MAX_TENSOR_ELEMENTS) {
      problems.push({
        nodeId: id,
        code: 'tensor-too-large',
        message: `${layer} has ${count(node.params)} weights (${formatMemory(node.params * BYTES)}); one tensor can hold at most ${count(MAX_TENSOR_ELEMENTS)} values.`,
        hint: `Use fewer units or filters in "${id}", or shrink its input (pooling or a smaller input size) first.`,
      });
    }
    const activation = size(node.shape) * batchSize;
    if (activation > MAX_TENSOR_ELEMENTS) {
      problems.push({
        nodeId: id,
        code: 'tensor-too-large',
        message: `${layer} outputs ${count(size(node.shape))} values per image, ${count(activation)} for a batch of ${batchSize}; one tensor can hold at most ${count(MAX_TENSOR_ELEMENTS)} values.`,
        hint: `Use a smaller batch size, or fewer filters or a smaller output in "${id}".`,
      });
    }
    const bytes = Math.max(node.params * BYTES * (2 + optimizerSlots(settings.optimizer)), size(node.shape) * batchSize * BYTES * 2);
    if (!largest || bytes > largest.bytes) largest = { id, bytes, what: node.params * BYTES * 2 >= size(node.shape) * batchSize * BYTES * 2 ? 'weights' : 'activations' };
  }
  if (!settings.limit) return { problems, warnings };

  const workers = settings.workers ?? 0;
  const estimate = estimateTrainingMemory(report, settings.optimizer, batchSize, markers, workers);
  const replicas = workers > 0 ? `, ${workers} worker replica${workers > 1 ? 's' : ''} of the model ${formatMemory(estimate.replicas)}` : '';
  const parts = `weights ${formatMemory(estimate.weights)}, gradients and optimizer state ${formatMemory(estimate.gradients + estimate.optimizer)}, activations ${formatMemory(estimate.activations)} at batch size ${batchSize}${replicas}`;
  const culprit = largest ? ` The largest part is ${typeOf.get(largest.id) ?? 'layer'} "${largest.id}" (${largest.what}, about ${formatMemory(largest.bytes)}).` : '';
  const hint = `Use a smaller batch size, or fewer units or filters${largest ? ` (start with "${largest.id}")` : ''}${workers > 0 ? ', or fewer threads' : ''}.`;
  if (estimate.total > settings.limit.bytes) {
    problems.push({
      nodeId: largest?.id ?? null,
      code: 'too-much-memory',
      message: `Training this network needs about ${formatMemory(estimate.total)} (${parts}), more than ${settings.limit.label} (${formatMemory(settings.limit.bytes)}).${culprit}`,
      hint,
    });
  } else if (estimate.total > settings.limit.bytes * MEMORY_WARNING_SHARE) {
    warnings.push({
      nodeId: largest?.id ?? null,
      code: 'too-much-memory',
      message: `Training this network needs about ${formatMemory(estimate.total)} (${parts}), over half of ${settings.limit.label} (${formatMemory(settings.limit.bytes)}); it may run out of memory.${culprit}`,
      hint,
    });
  }
  return { problems, warnings };
}
