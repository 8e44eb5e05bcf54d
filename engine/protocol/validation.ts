/**
 * What validation says about a graph (shapes, parameter and multiply-add
 * counts, problems naming node and parameter with a hint), and what the
 * inspector needs of each layer type. Plain JSON, so it crosses unchanged.
 */
import type { ParamValue } from './project.js';

/** What the inspector needs of one layer type, as plain JSON. */
export interface LayerTypeInfo {
  type: string;
  family: LayerFamily;
  description: string;
  params: ParamSpec[];
  /** How many inputs it takes; `max` is null for "any number". */
  inputs: { min: number; max: number | null };
}

export type LayerFamily =
  | 'input'
  | 'convolution'
  | 'pooling'
  | 'normalisation'
  | 'regularisation'
  | 'activation'
  | 'shape'
  | 'merge'
  | 'dense'
  | 'output';

/**
 * How a parameter's value is written and checked:
 * - `int`, `float`, `bool`: a JSON number or boolean;
 * - `enum`, `activation`, `initializer`: one of `options`;
 * - `int-pair`: an int (used for both height and width) or `[h, w]`;
 * - `padding-2d`: an int, `[h, w]` (symmetric) or `[top, bottom, left, right]`;
 * - `shape`: a list of positive ints (Reshape's may hold one -1: "infer this one");
 * - `regularizer`: `null` or `{ l1, l2 }` (either may be left out, meaning 0).
 */

/** A tensor shape without the batch dimension, e.g. [28, 28, 1] or [10]. */
export type Shape = number[];

/** What the backend can hold, in bytes, and how to name it in a message ("this machine's 16 GiB of memory"). */
export interface MemoryLimit {
  bytes: number;
  label: string;
}

export interface Problem {
  /** The node to fix; null for problems of the graph as a whole (e.g. no Input at all). */
  nodeId: string | null;
  /** The parameter to fix, when one parameter is at fault. */
  param?: string;
  /** The edge at fault, for edge problems. */
  edgeId?: string;
  /** A stable reason, for tests and for the window's badges. */
  code: ProblemCode;
  message: string;
  hint: string;
}

export type ProblemCode =
  | 'cycle'
  | 'no-input'
  | 'several-inputs'
  | 'no-output'
  | 'several-outputs'
  | 'unreachable-from-input'
  | 'does-not-reach-output'
  | 'dangling-edge'
  | 'duplicate-id'
  | 'wrong-input-count'
  | 'unknown-layer-type'
  | 'unknown-param'
  | 'invalid-param'
  | 'shape-mismatch'
  | 'rank-mismatch'
  | 'kernel-too-large'
  | 'non-positive-size'
  | 'class-count-mismatch'
  /** A required parameter (e.g. Conv2D's filters) is not set. */
  | 'missing-param'
  /** An edge that cannot exist: out of the Output marker, or a targetPort that is no slot number. */
  | 'invalid-edge'
  /** The last activation does not produce what the loss expects (softmax / sigmoid probabilities). */
  | 'output-activation'
  /** More layers in a row than tfjs can build (graph/memory.ts, validate.ts: MAX_GRAPH_DEPTH). */
  | 'graph-too-deep'
  /** One layer's weights or batch of outputs exceed what one tensor can hold. */
  | 'tensor-too-large'
  /** Training needs more memory than the backend has (a problem), or more than half of it (a warning). */
  | 'too-much-memory';

export interface NodeReport {
  /** Output shape (no batch dimension); null when it could not be inferred. */
  shape: Shape | null;
  params: number;
  trainableParams: number;
  /** Multiply-adds of one forward pass for one sample. */
  macs: number;
}

export interface ValidationReport {
  valid: boolean;
  problems: Problem[];
  /** What may go wrong without being an error (training may run out of memory); present only when there are some. */
  warnings?: Problem[];
  nodes: Record<string, NodeReport>;
  totals: { params: number; trainableParams: number; macs: number };
  /** The Input's shape and the Output's shape, when known. */
  inputShape: Shape | null;
  outputShape: Shape | null;
}

export type ParamKind =
  | 'int'
  | 'float'
  | 'bool'
  | 'enum'
  | 'activation'
  | 'initializer'
  | 'int-pair'
  | 'padding-2d'
  | 'shape'
  | 'regularizer';

export interface ParamSpec {
  /** The Keras config name, snake_case. */
  name: string;
  kind: ParamKind;
  /** Used when the node leaves the parameter out; absent when `required`. */
  default?: ParamValue;
  /** The node must set it (Keras has no default either, e.g. `filters`). */
  required?: boolean;
  /** `null` is an accepted value (e.g. pooling `strides`: null means "same as pool_size"). */
  nullable?: boolean;
  /** Inclusive bounds of every number in the value. */
  min?: number;
  max?: number;
  /** The upper bound itself is not allowed (Dropout's rate must stay below 1). */
  maxExclusive?: boolean;
  /** For `shape`: one entry may be -1, inferred from the input size. */
  allowInferredDim?: boolean;
  options?: readonly string[];
  /** What the number counts, shown beside the field ('px', 'channels', 'fraction'…); absent when it needs none. */
  unit?: string;
  /** One line for the inspector. */
  doc: string;
}
