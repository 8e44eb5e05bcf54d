/**
 * What validation says about a graph: a shape, parameter count and
 * multiply-add count for every node that could be inferred, and every problem
 * found, each naming its node (and parameter) with a hint that says how to fix
 * it. Plain JSON, so it crosses the protocol unchanged.
 */
export type { Shape, Problem, ProblemCode, NodeReport, ValidationReport } from '../protocol/index.js';
