/**
 * What the catalogue knows about one layer type: its parameters (for the
 * inspector and for checking), how many inputs it takes, and three pure
 * functions of its input shapes (output shape, parameter count, multiply-adds)
 * plus how to build it from tfjs-layers. Validation uses only the pure half,
 * so a graph is checked without creating a single tensor.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphNode } from '../schema.js';
import type { ProblemCode, Shape } from '../report.js';
import type { ResolvedParams } from './resolved-params.js';
import type { LayerFamily, ParamSpec } from '../../protocol/index.js';
export type { LayerFamily, ParamKind, ParamSpec } from '../../protocol/index.js';

/** tfjs-layers exports its Initializer class only as the return type of its factories. */
export type TfInitializer = ReturnType<typeof tfl.initializers.ones>;

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

export interface BuildContext {
  params: ResolvedParams;
  /** The validated input shapes (merge order) and output shape, for layers whose tfjs form needs them. */
  inputShapes: Shape[];
  outputShape: Shape;
  /**
   * The tfjs layer name for this node's `role`-th layer: the node's own
   * layer name for the main layer, `name__role` for the helpers a node needs
   * when tfjs has no single equivalent layer (see naming.ts).
   */
  layerName(role?: string): string;
  /** A tfjs initializer for a Keras initializer name, seeded when the build is. */
  initializer(name: string, role: string): TfInitializer;
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
  /**
   * The tfjs layers for this node, applied in order: the first to the node's
   * inputs, each next one to the previous output. Input and Output nodes are
   * built by build.ts itself and return no layers.
   */
  build(ctx: BuildContext): tfl.layers.Layer[];
}
