/**
 * What the catalogue knows about one layer type: its parameters (for the
 * inspector and for checking), how many inputs it takes, and three pure
 * functions of its input shapes (output shape, parameter count, multiply-adds).
 * Pure: no tfjs, no Node, so the window runs the very same specs in the page.
 * How a layer is built in tfjs lives in ../tfjs/builders.ts, one builder per
 * layer type.
 */
import type { GraphNode } from '../schema.js';
import type { ProblemCode, Shape } from '../report.js';
import type { ResolvedParams } from './resolved-params.js';
import type { LayerFamily, ParamSpec } from '../../protocol/index.js';
export type { LayerFamily, ParamKind, ParamSpec } from '../../protocol/index.js';

/** Everything shape inference knows about one node. */
export interface InferContext {
  node: GraphNode;
  params: ResolvedParams;
  /** Input shapes in merge order (targetPort, then edge order). */
  inputs: Shape[];
  /** The node id each input comes from, parallel to `inputs`, for messages. */
  sources: string[];
  /** Records a problem with this node (and optionally one of its parameters). */
  problem(code: ProblemCode, message: string, hint: string, param?: string): void;
}

/** The inferred shapes of a node whose output shape is known. */
export interface ShapedContext {
  params: ResolvedParams;
  inputs: Shape[];
  output: Shape;
}

export interface ParamCount {
  total: number;
  /** Weights an optimizer updates; BatchNormalization's moving statistics are not among them. */
  trainable: number;
}

export interface LayerSpec {
  /** The Keras class name, e.g. `Conv2D`. */
  type: string;
  family: LayerFamily;
  description: string;
  params: readonly ParamSpec[];
  /** How many incoming edges the layer takes. */
  arity: { min: number; max: number };
  /** The output shape (no batch dimension), or null after recording why not. */
  inferShape(ctx: InferContext): Shape | null;
  countParams(ctx: ShapedContext): ParamCount;
  /** Multiply-adds for one sample; see macs conventions in shape-math.ts. */
  macs(ctx: ShapedContext): number;
}
