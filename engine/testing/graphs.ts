/**
 * Small graph-writing helpers for tests and the validation benchmark: chains
 * and branches written as data, with ids, positions and edges filled in.
 */
import type { Graph, GraphEdge, GraphNode, ParamValue } from '../graph/schema.js';

export interface LayerStep {
  type: string;
  params?: Record<string, ParamValue>;
  id?: string;
}

export function node(id: string, type: string, params: Record<string, ParamValue> = {}, row = 0): GraphNode {
  return { id, type, params, position: { x: 0, y: row * 100 } };
}

export function edge(source: string, target: string, targetPort?: number): GraphEdge {
  return { id: `${source}->${target}${targetPort === undefined ? '' : `:${targetPort}`}`, source, target, ...(targetPort === undefined ? {} : { targetPort }) };
}

/** Input → steps… → Output, ids `input`, the steps' ids (or `l1`, `l2`, …) and `output`. */
export function chain(inputShape: number[], steps: LayerStep[]): Graph {
  const nodes: GraphNode[] = [node('input', 'Input', { shape: inputShape })];
  const edges: GraphEdge[] = [];
  let previous = 'input';
  steps.forEach((step, i) => {
    const id = step.id ?? `l${i + 1}`;
    nodes.push(node(id, step.type, step.params ?? {}, i + 1));
    edges.push(edge(previous, id));
    previous = id;
  });
  nodes.push(node('output', 'Output', {}, steps.length + 1));
  edges.push(edge(previous, 'output'));
  return { nodes, edges };
}

/**
 * A long residual network for timing: `blocks` blocks of
 * conv → BN → relu → conv → BN → Add(skip) → relu on a 32×32×16 input,
 * then pooling and a 10-way softmax head; 7·blocks + 5 nodes.
 */
export function residualTower(blocks: number): Graph {
  const nodes: GraphNode[] = [node('input', 'Input', { shape: [32, 32, 16] })];
  const edges: GraphEdge[] = [];
  let row = 1;
  const add = (id: string, type: string, params: Record<string, ParamValue>, from: string[]) => {
    nodes.push(node(id, type, params, row++));
    from.forEach((source, port) => edges.push(edge(source, id, from.length > 1 ? port : undefined)));
    return id;
  };
  let x = 'input';
  for (let b = 0; b < blocks; b++) {
    const skip = x;
    x = add(`b${b}_conv1`, 'Conv2D', { filters: 16, kernel_size: 3, padding: 'same', use_bias: false }, [x]);
    x = add(`b${b}_bn1`, 'BatchNormalization', {}, [x]);
    x = add(`b${b}_relu1`, 'Activation', { activation: 'relu' }, [x]);
    x = add(`b${b}_conv2`, 'Conv2D', { filters: 16, kernel_size: 3, padding: 'same', use_bias: false }, [x]);
    x = add(`b${b}_bn2`, 'BatchNormalization', {}, [x]);
    x = add(`b${b}_add`, 'Add', {}, [x, skip]);
    x = add(`b${b}_relu2`, 'Activation', { activation: 'relu' }, [x]);
  }
  x = add('pool', 'GlobalAveragePooling2D', {}, [x]);
  x = add('dropout', 'Dropout', { rate: 0.2 }, [x]);
  x = add('predictions', 'Dense', { units: 10, activation: 'softmax' }, [x]);
  add('output', 'Output', {}, [x]);
  return { nodes, edges };
}
