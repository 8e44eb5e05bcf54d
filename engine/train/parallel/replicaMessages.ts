/**
 * What the engine's thread and a worker replica say to each other. Numbers
 * travel in SharedArrayBuffers laid out once at start (weights, gradients,
 * the share's inputs and targets); the messages only say what to do with them.
 */
import type { Graph, LossName } from '../../project/schema.js';
import type { AdamConstants, Segments } from './shardedAdam.js';

export interface ReplicaInit {
  type: 'init';
  /** 1-based worker number, for messages. */
  index: number;
  graph: Graph;
  seed: number;
  loss: LossName;
  backend: 'wasm' | 'cpu';
  /** Every weight of the model, float32, back to back, in model.weights order as built (before fine-tuning reorders it). */
  weights: SharedArrayBuffer;
  /** The weights' originalName in that buffer's order: the replica lays its own out by these names. */
  layout: string[];
  /** This worker's gradients, trainable weights in model.trainableWeights order, back to back. */
  grads: SharedArrayBuffer;
  /** Every replica's gradients (0: the engine's thread, k: worker k's, which is `grads`), for the split Adam step. */
  replicaGrads: SharedArrayBuffer[];
  /** Adam's first then second moments, float32, each laid out as `weights`. */
  moments: SharedArrayBuffer;
  /** Int32: [r] the id of the step whose gradients replica r has written; [replicas] non-zero: stop waiting, the step is abandoned. */
  control: SharedArrayBuffer;
  /** This worker's share of the batch: inputs and targets, float32. */
  inputs: SharedArrayBuffer;
  targets: SharedArrayBuffer;
  /** One sample's input shape ([height, width, channels]) and target shape ([] or [1]). */
  sampleShape: number[];
  targetShape: number[];
}

export interface ReplicaStep {
  type: 'step';
  id: number;
  /** Samples in this worker's share. */
  count: number;
  /** The share's fraction of the whole batch: its loss and gradients are weighted by it. */
  fraction: number;
  /**
   * Which weights to read from the shared buffer before the step: 'trainable'
   * (every step), or 'all' with the layers that are trainable now (the first
   * step, and after fine-tuning unfreezes layers).
   */
  sync: { kind: 'trainable' } | { kind: 'all'; trainableLayers: string[] };
  /** How many trainable weights the engine's model has: the replica checks that it agrees before it computes. */
  trainableCount: number;
  /**
   * Present when the step's Adam update is split over the replicas (shardedAdam.ts): after writing
   * its gradients the worker waits for the other replicas' and updates its slice of the weights.
   */
  update?: { replicas: number; segments: Segments; constants: AdamConstants };
}

export type ToReplica = ReplicaInit | ReplicaStep;

export type FromReplica =
  | { type: 'ready' }
  | { type: 'grads'; id: number }
  | { type: 'done'; id: number; loss: number; accuracy: number; tensors: number }
  | { type: 'failed'; id?: number; message: string };
