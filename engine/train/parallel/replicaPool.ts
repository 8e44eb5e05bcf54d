/**
 * Data-parallel training on the CPU backends: the engine's thread and
 * threads − 1 worker replicas (replicaWorker.ts) each compute the gradients
 * of a contiguous share of every batch; the engine's thread sums them (in a
 * fixed order, so a run is reproducible at a given thread count) and takes
 * one optimizer step on its own model, which stays the run's model (the one
 * saved, evaluated, checked for gradient health and clipped). Weights go out
 * and gradients come back through SharedArrayBuffers.
 *
 * BatchNormalization normalises each share with its own statistics, as
 * PyTorch's DistributedDataParallel does without SyncBatchNorm; the moving
 * mean and variance are those of the engine's thread (replica 0, the first
 * share), which is the model that runs forward in training mode and is saved.
 *
 * Workers are ref'd only while a step is in flight, so a pool that was not
 * closed cannot keep the process alive; every way out of a run closes it.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { copyTensorInto, tensorView, writableTensorView } from '../../backend/tensorMemory.js';
import { StudioError } from '../../errors.js';
import type { Graph, LossName } from '../../project/schema.js';
import { shareGradients } from './shareGradients.js';
import { ENGINE_SHARE_WEIGHT, splitShares } from './threads.js';
import type { FromReplica, ReplicaInit, ReplicaStep } from './replicaMessages.js';

export interface ReplicaPoolOptions {
  /** Threads in all: the engine's own plus threads − 1 workers. At least 2. */
  threads: number;
  graph: Graph;
  seed: number;
  loss: LossName;
  backend: 'wasm' | 'cpu';
  /** The run's model, compiled: its weights are the replicas' starting point. */
  model: tfl.LayersModel;
  batchSize: number;
  /** One sample's input shape, [height, width, channels]. */
  sampleShape: number[];
  /**
   * Where the engine's thread spends each step: `ms` sums, per phase, the time `now` advances
   * (bench/replica-probe.ts passes the thread's CPU clock). Absent in runs.
   */
  phases?: { now: () => number; ms: Record<string, number> };
}

interface PendingStep {
  id: number;
  resolve: (reply: Extract<FromReplica, { type: 'done' }>) => void;
  reject: (error: Error) => void;
}

class ReplicaWorker {
  readonly grads: Float32Array;
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
  pending: PendingStep | null = null;
  /** Its first step, and the first after fine-tuning unfroze layers, reads every weight and the trainable layers. */
  needsAllWeights = true;
  failure: Error | null = null;
  tensors = 0;
  private closing = false;

  constructor(
    readonly index: number,
    readonly workers: number,
    readonly worker: Worker,
    buffers: { grads: SharedArrayBuffer; inputs: SharedArrayBuffer; targets: SharedArrayBuffer },
  ) {
    this.grads = new Float32Array(buffers.grads);
    this.inputs = new Float32Array(buffers.inputs);
    this.targets = new Float32Array(buffers.targets);
    worker.on('message', (reply: FromReplica) => {
      if (reply.type === 'done' && this.pending?.id === reply.id) {
        this.tensors = reply.tensors;
        this.settle()?.resolve(reply);
      } else if (reply.type === 'failed') {
        this.fail(reply.message);
      }
    });
    worker.on('error', (error) => this.fail(error.message));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(`it exited with code ${code}`);
    });
  }

  step(step: ReplicaStep): Promise<Extract<FromReplica, { type: 'done' }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { id: step.id, resolve, reject };
      this.worker.ref();
      this.worker.postMessage(step);
    });
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private settle(): PendingStep | null {
    const pending = this.pending;
    this.pending = null;
    // An idle replica must not keep the process alive.
    this.worker.unref();
    return pending;
  }

  private fail(reason: string): void {
    if (this.failure) return;
    this.failure = new StudioError(
      `Training replica ${this.index} of ${this.workers} (a worker thread) failed: ${reason}.`,
      'Train with --threads 1 (the Threads field in the window) to run without worker threads, and report this failure.',
      'replica-failed',
    );
    this.settle()?.reject(this.failure);
  }
}

export class ReplicaPool {
  private readonly weights: Float32Array;
  /**
   * The model's weights in the shared buffer's order, fixed at start: model.weights lists the
   * trainable ones first, so its order changes when fine-tuning unfreezes layers.
   */
  private readonly layout: tfl.LayerVariable[];
  /** Where each weight of `layout` starts in the shared weights buffer. */
  private readonly offsets: number[];
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly o: ReplicaPoolOptions,
    weights: SharedArrayBuffer,
    private readonly workers: ReplicaWorker[],
  ) {
    this.weights = new Float32Array(weights);
    this.layout = [...o.model.weights];
    this.offsets = [];
    let offset = 0;
    for (const w of this.layout) {
      this.offsets.push(offset);
      offset += sizeOf(w.shape);
    }
  }

  /** Starts threads − 1 workers, each building its replica of the model; fails with a StudioError if any cannot. */
  static async start(o: ReplicaPoolOptions): Promise<ReplicaPool> {
    if (o.threads < 2) throw new RangeError('a replica pool needs at least 2 threads');
    const weightCount = o.model.weights.reduce((n, w) => n + sizeOf(w.shape), 0);
    const weights = new SharedArrayBuffer(weightCount * 4);
    const maxShare = largestWorkerShare(o.batchSize, o.threads);
    const targetShape = o.loss === 'binary-crossentropy' ? [1] : [];
    const count = o.threads - 1;
    const workers: ReplicaWorker[] = [];
    const ready: Promise<void>[] = [];
    for (let k = 1; k <= count; k++) {
      const buffers = {
        // Sized for every weight: fine-tuning may make more of them trainable.
        grads: new SharedArrayBuffer(weightCount * 4),
        inputs: new SharedArrayBuffer(maxShare * sizeOf(o.sampleShape) * 4),
        targets: new SharedArrayBuffer(maxShare * Math.max(1, sizeOf(targetShape)) * 4),
      };
      let worker: Worker;
      try {
        worker = new Worker(workerBootstrap(), { eval: true });
      } catch (error) {
        // A runtime without worker threads (some embedders refuse them): the run can still train on one.
        await Promise.all(workers.map((w) => w.terminate()));
        throw new StudioError(
          `Worker threads cannot start here (${error instanceof Error ? error.message : String(error)}).`,
          'Train with --threads 1 (the Threads field in the window) to leave worker threads out.',
          'threads-unavailable',
        );
      }
      const replica = new ReplicaWorker(k, count, worker, buffers);
      workers.push(replica);
      const init: ReplicaInit = {
        type: 'init',
        index: k,
        graph: o.graph,
        seed: o.seed,
        loss: o.loss,
        backend: o.backend,
        weights,
        layout: o.model.weights.map((w) => w.originalName),
        ...buffers,
        sampleShape: o.sampleShape,
        targetShape,
      };
      ready.push(
        new Promise<void>((resolve, reject) => {
          // The same path as a step's: a failure while loading rejects this.
          replica.pending = { id: 0, resolve: () => resolve(), reject };
          worker.on('message', (reply: FromReplica) => {
            if (reply.type === 'ready' && replica.pending?.id === 0) {
              replica.pending = null;
              worker.unref();
              resolve();
            }
          });
        }),
      );
      worker.postMessage(init);
    }
    const pool = new ReplicaPool(o, weights, workers);
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Threads in all, the engine's included. */
  get threads(): number {
    return this.o.threads;
  }

  /** Live tensors in each worker after its last step (flat from epoch to epoch in a healthy run). */
  get replicaTensors(): number[] {
    return this.workers.map((w) => w.tensors);
  }

  /** The next step sends every weight and the trainable layers again (after fine-tuning unfroze some). */
  resync(): void {
    for (const worker of this.workers) worker.needsAllWeights = true;
  }

  /**
   * One training step on the batch, split over the replicas: returns the
   * batch's [loss, accuracy] as trainOnBatch does, after `optimizer` took one
   * step with the summed gradients.
   */
  async step(optimizer: tf.Optimizer, x: tf.Tensor, target: tf.Tensor): Promise<[number, number]> {
    if (this.closed) throw new Error('the replica pool is closed');
    const { model } = this.o;
    const clock = phaseClock(this.o.phases);
    const n = x.shape[0]!;
    const shares = splitShares(n, this.o.threads, ENGINE_SHARE_WEIGHT);
    const trainable = model.trainableWeights;
    const trainableSet = new Set(trainable);
    const used = this.workers.slice(0, shares.length - 1);
    // Every weight goes out while a worker has not yet had them all (its first step, or after fine-tuning unfroze layers).
    const all = used.some((w) => w.needsAllWeights);
    this.layout.forEach((w, i) => {
      if (all || trainableSet.has(w)) copyTensorInto(w.read(), this.weights, this.offsets[i]!);
    });
    const trainableLayers = model.layers.filter((l) => l.trainable).map((l) => l.name);

    const sampleSize = sizeOf(x.shape.slice(1));
    const targetSize = sizeOf(target.shape.slice(1));
    clock('weights out');
    const xData = tensorView(x) ?? (x.dataSync() as Float32Array);
    const targetData = tensorView(target) ?? (target.dataSync() as Float32Array);
    const id = this.nextId++;
    const replies = used.map((worker, k) => {
      const share = shares[k + 1]!;
      worker.inputs.set(xData.subarray(share.start * sampleSize, (share.start + share.count) * sampleSize));
      worker.targets.set(targetData.subarray(share.start * targetSize, (share.start + share.count) * targetSize));
      const sync: ReplicaStep['sync'] = worker.needsAllWeights ? { kind: 'all', trainableLayers } : { kind: 'trainable' };
      worker.needsAllWeights = false;
      return worker.step({ type: 'step', id, count: share.count, fraction: share.count / n, sync, trainableCount: trainable.length });
    });
    // A worker that fails while this thread computes must not become an unhandled rejection.
    for (const reply of replies) reply.catch(() => undefined);
    clock('batch out');

    const own = shares[0]!;
    const [x0, target0] = tf.tidy(() => [tf.slice(x, 0, own.count), tf.slice(target, 0, own.count)]);
    const mine = shareGradients(model, x0!, target0!, own.count / n);
    tf.dispose([x0!, target0!]);
    clock('own share');
    try {
      const done = await Promise.all(replies);
      clock('wait');
      const summed: tf.NamedTensorMap = {};
      const made: tf.Tensor[] = [];
      let offset = 0;
      trainable.forEach((w, i) => {
        const own = mine.grads[i]!;
        // The workers' gradients are added into this thread's own gradient where it owns its memory (no new
        // tensor); else into a copy (the typed-array constructor copies in one go, where Float32Array.from would
        // iterate through a boxed array in the old generation: a major GC every few steps).
        const inPlace = writableTensorView(own);
        const sum = inPlace ?? new Float32Array(own.dataSync() as Float32Array);
        for (const worker of used) {
          const g = worker.grads;
          for (let j = 0; j < sum.length; j++) sum[j] += g[offset + j]!;
        }
        offset += sum.length;
        const name = (w.read() as tf.Variable).name;
        if (inPlace) summed[name] = own;
        else made.push((summed[name] = tf.tensor(sum, w.shape as number[])));
      });
      clock('sum');
      optimizer.applyGradients(summed);
      tf.dispose(made);
      clock('optimizer');
      const loss = mine.loss.dataSync()[0]! + done.reduce((s, r) => s + r.loss, 0);
      const accuracy = mine.accuracy.dataSync()[0]! + done.reduce((s, r) => s + r.accuracy, 0);
      clock('loss back');
      return [loss, accuracy];
    } finally {
      tf.dispose([mine.loss, mine.accuracy, ...mine.grads]);
    }
  }

  /** Ends every worker thread; safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The most samples a worker gets from any batch of up to `batchSize` (its input buffers are sized once, at start). */
function largestWorkerShare(batchSize: number, threads: number): number {
  let largest = 1;
  for (let n = 1; n <= batchSize; n++) {
    for (const share of splitShares(n, threads, ENGINE_SHARE_WEIGHT).slice(1)) largest = Math.max(largest, share.count);
  }
  return largest;
}

/** Adds the time since its last call to `phases.ms[name]`; a no-op without `phases`. */
function phaseClock(phases: ReplicaPoolOptions['phases']): (name: string) => void {
  if (!phases) return () => undefined;
  let last = phases.now();
  return (name) => {
    const now = phases.now();
    phases.ms[name] = (phases.ms[name] ?? 0) + now - last;
    last = now;
  };
}

function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}

/**
 * The worker's entry, beside this module: replicaWorker.mjs in the bundles
 * (dist/engine, where this module is inside cli.mjs or engineProcess.mjs);
 * from TypeScript sources the worker loads tsx first (as the decode pool's).
 */
function workerBootstrap(): string {
  const here = fileURLToPath(import.meta.url);
  const extension = extname(here);
  const workerUrl = new URL(`./replicaWorker${extension}`, import.meta.url).href;
  if (extension !== '.ts') return `import(${JSON.stringify(workerUrl)});`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(workerUrl)}); });`;
}
