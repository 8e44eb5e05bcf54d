/**
 * The threads a run asked for, turned into what it trains on: no replicas
 * (one thread: today's path, or any GPU backend), or a started ReplicaPool.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Graph, TrainingSettings } from '../../project/schema.js';
import { StudioError } from '../../errors.js';
import type { BackendName, EngineEvent, TrainOptions } from '../../protocol.js';
import { ReplicaPool } from './replicaPool.js';
import { requestedThreads, threadsUsed } from './threads.js';

export interface ReplicaRequest {
  options: TrainOptions;
  backend: BackendName;
  /** The graph the model was built from (after the head was fitted to the classes). */
  graph: Graph;
  settings: TrainingSettings;
  /** The run's model, compiled, with its starting weights loaded. */
  model: tfl.LayersModel;
  sampleShape: number[];
  runId: string;
  emit: (event: EngineEvent) => void;
}

/** Threads requested and used (run.json records both), and the pool when more than one is used. */
export async function startReplicas(r: ReplicaRequest): Promise<{ threads: { requested: number; used: number }; replicas: ReplicaPool | null }> {
  const requested = requestedThreads(r.options.threads);
  // More threads than samples in a batch would leave replicas idle.
  const used = Math.min(threadsUsed(requested, r.backend), r.settings.batchSize);
  if (used < 2) return { threads: { requested, used: 1 }, replicas: null };
  const start = ReplicaPool.start({
    threads: used,
    graph: r.graph,
    seed: r.settings.seed,
    loss: r.settings.loss,
    backend: r.backend as 'wasm' | 'cpu',
    model: r.model,
    batchSize: r.settings.batchSize,
    sampleShape: r.sampleShape,
  });
  try {
    return { threads: { requested, used }, replicas: await start };
  } catch (error) {
    // Where threads cannot exist at all, one thread is still a run; a replica that fails to load is an error.
    if (!(error instanceof StudioError && error.code === 'threads-unavailable')) throw error;
    r.emit({ type: 'warning', runId: r.runId, message: `${error.message} Training on 1 thread instead of ${used}.`, hint: error.hint, code: 'threads-unavailable' });
    return { threads: { requested, used: 1 }, replicas: null };
  }
}
