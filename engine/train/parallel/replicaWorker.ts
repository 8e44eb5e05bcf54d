/**
 * A training replica in a worker thread: its own tfjs backend (wasm or cpu)
 * and its own copy of the model, built by the engine's own builder from the
 * run's graph. Each step it takes the current weights from the shared buffer,
 * computes the loss gradients of its share of the batch and writes them back;
 * the engine's thread sums the replicas' gradients and takes the one optimizer
 * step. Started by replicaPool.ts.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../backend/select.js';
import { copyTensorInto, setVariable, tensorFromTransient } from '../../backend/tensorMemory.js';
import { buildModel } from '../../graph/tfjs/build.js';
import { shareGradients } from './shareGradients.js';
import type { FromReplica, ReplicaInit, ReplicaStep, ToReplica } from './replicaMessages.js';

let replica: Replica | null = null;

function reply(message: FromReplica): void {
  parentPort!.postMessage(message);
}

parentPort!.on('message', (message: ToReplica) => {
  if (message.type === 'init') {
    Replica.start(message).then(
      (started) => {
        replica = started;
        reply({ type: 'ready' });
      },
      (error: unknown) => reply({ type: 'failed', message: describe(error) }),
    );
    return;
  }
  try {
    if (!replica) throw new Error('a step arrived before the replica was ready');
    reply(replica.step(message));
  } catch (error) {
    reply({ type: 'failed', id: message.id, message: describe(error) });
  }
});

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Replica {
  /** The weights in the shared buffer's order, the engine's (model.weights lists trainable weights first, so fine-tuning reorders it). */
  private readonly layout: tfl.LayerVariable[];

  private constructor(
    private readonly init: ReplicaInit,
    private readonly model: tfl.LayersModel,
  ) {
    const byName = new Map(model.weights.map((w) => [w.originalName, w]));
    this.layout = init.layout.map((name) => {
      const w = byName.get(name);
      if (!w) throw new Error(`the replica's model has no weight ${name}`);
      return w;
    });
    if (this.layout.length !== model.weights.length) throw new Error(`the replica's model has ${model.weights.length} weights, the engine's ${this.layout.length}`);
  }

  static async start(init: ReplicaInit): Promise<Replica> {
    await selectBackend(init.backend);
    const model = buildModel(init.graph, { seed: init.seed });
    // The compiled loss and metric are what shareGradients uses; this optimizer never steps (the engine's thread does).
    model.compile({
      optimizer: tf.train.sgd(0),
      loss: init.loss === 'binary-crossentropy' ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    return new Replica(init, model);
  }

  step(step: ReplicaStep): FromReplica {
    const { model, init } = this;
    if (step.sync.kind === 'all') {
      const trainable = new Set(step.sync.trainableLayers);
      for (const layer of model.layers) layer.trainable = trainable.has(layer.name);
    }
    if (model.trainableWeights.length !== step.trainableCount) {
      throw new Error(`the replica trains ${model.trainableWeights.length} weights, the engine's model ${step.trainableCount}`);
    }
    this.readWeights(step.sync.kind === 'all');

    const sampleSize = init.sampleShape.reduce((a, b) => a * b, 1);
    const targetSize = init.targetShape.reduce((a, b) => a * b, 1);
    const x = tensorFromTransient(new Float32Array(init.inputs, 0, step.count * sampleSize), [step.count, ...init.sampleShape]);
    const target = tensorFromTransient(new Float32Array(init.targets, 0, step.count * targetSize), [step.count, ...init.targetShape]);
    const result = shareGradients(model, x, target, step.fraction);
    const grads = new Float32Array(init.grads);
    let offset = 0;
    for (const g of result.grads) {
      copyTensorInto(g, grads, offset);
      offset += g.size;
    }
    const loss = result.loss.dataSync()[0]!;
    const accuracy = result.accuracy.dataSync()[0]!;
    tf.dispose([x, target, result.loss, result.accuracy, ...result.grads]);
    return { type: 'done', id: step.id, loss, accuracy, tensors: tf.memory().numTensors };
  }

  /** Copies the engine's weights in: every weight, or the trainable ones (the rest do not change between steps). */
  private readWeights(all: boolean): void {
    const shared = new Float32Array(this.init.weights);
    const trainable = new Set(this.model.trainableWeights);
    let offset = 0;
    for (const w of this.layout) {
      const size = w.shape.reduce((a, b) => a! * b!, 1)!;
      if (all || trainable.has(w)) setVariable(w.read() as tf.Variable, shared.subarray(offset, offset + size));
      offset += size;
    }
  }
}
