/**
 * The project the engine's training tests share: Input → Conv2D 3×3 relu →
 * (MaxPooling2D 2) → Flatten → Dense 3 softmax → Output, small enough to
 * train in seconds on the pure-JS backend. Node ids are fixed (input, conv,
 * pool, flatten, dense, output) so tests can edit the graph by id.
 */
import {
  PROJECT_FORMAT,
  PROJECT_VERSION,
  defaultDataSource,
  defaultTrainingSettings,
  type DataSource,
  type ProjectFile,
  type TrainingSettings,
} from '../project/schema.js';

export interface TinyCnnOptions {
  /** Height and width of the grey input images. */
  size: number;
  filters?: number;
  pool?: boolean;
  name?: string;
  data?: Partial<DataSource>;
  training?: Partial<TrainingSettings>;
}

export function tinyCnnProject({ size, filters = 4, pool = false, name = 'tiny', data = {}, training = {} }: TinyCnnOptions): ProjectFile {
  const chain: Array<[string, string, Record<string, unknown>]> = [
    ['input', 'Input', { shape: [size, size, 1] }],
    ['conv', 'Conv2D', { filters, kernel_size: 3, activation: 'relu' }],
    ...(pool ? [['pool', 'MaxPooling2D', { pool_size: 2 }] as [string, string, Record<string, unknown>]] : []),
    ['flatten', 'Flatten', {}],
    ['dense', 'Dense', { units: 3, activation: 'softmax' }],
    ['output', 'Output', {}],
  ];
  return {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    name,
    graph: {
      nodes: chain.map(([id, type, params], i) => ({ id, type, params: params as ProjectFile['graph']['nodes'][number]['params'], position: { x: 0, y: i * 80 } })),
      edges: chain.slice(1).map(([id], i) => ({ id: `e${i}`, source: chain[i]![0], target: id })),
    },
    data: { ...defaultDataSource(), path: null, ...data } as DataSource,
    training: { ...defaultTrainingSettings(), batchSize: 16, ...training },
    runs: [],
  };
}
