/**
 * What the engine's thread and a worker replica say to each other. Numbers
 * travel in SharedArrayBuffers laid out once at start (weights, gradients,
 * the share's inputs and targets); the messages only say what to do with them.
 */
import type { Graph, LossName } from '../../project/schema.js';

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
}

export type ToReplica = ReplicaInit | ReplicaStep;

export type FromReplica =
  | { type: 'ready' }
  | { type: 'done'; id: number; loss: number; accuracy: number; tensors: number }
  | { type: 'failed'; id?: number; message: string };
