/**
 * What validation says about a graph: a shape, parameter count and
 * multiply-add count for every node that could be inferred, and every problem
 * found, each naming its node (and parameter) with a hint that says how to fix
 * it. Plain JSON, so it crosses the protocol unchanged.
 */

/** A tensor shape without the batch dimension, e.g. [28, 28, 1] or [10]. */
export type Shape = number[];

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
