/**
 * What a tfjs builder gets for one node, and the builder's shape. The layer
 * specs (../layers/) say what a layer is; a builder says how tfjs-layers
 * makes it. Only this folder imports tfjs in the graph.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedParams } from '../layers/resolved-params.js';
import type { Shape } from '../report.js';

/** tfjs-layers exports its Initializer class only as the return type of its factories. */
export type TfInitializer = ReturnType<typeof tfl.initializers.ones>;

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

/**
 * The tfjs layers for one node, applied in order: the first to the node's
 * inputs, each next one to the previous output. Input and Output nodes are
 * built by build.ts itself and return no layers.
 */
export type Builder = (ctx: BuildContext) => tfl.layers.Layer[];
