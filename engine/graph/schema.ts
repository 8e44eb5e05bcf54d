/**
 * The graph's part of the project file: nodes with a layer type and
 * parameters, and the edges between them. The types are the contract's
 * (engine/protocol/project.ts); the graph core imports them from here. The
 * whole project file (data source, training settings, run history) and its
 * defaults are engine/project/schema.ts.
 */
export type { ParamValue, GraphNode, GraphEdge, Graph } from '../protocol/index.js';
