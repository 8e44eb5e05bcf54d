/**
 * The engine's side of the split Adam step (shardedAdam.ts): the weights and
 * both Adam moments live in shared memory while the replicas update their
 * slices, and the engine's model and optimizer, which stay the run's (saved,
 * checkpointed, evaluated; getWeights of the optimizer), take the new values
 * back after every step. The shared copy is trusted from one split step to
 * the next; after any step the optimizer took itself (a gradient-health
 * check, clipping, another optimizer after fine-tuning) it is written afresh
 * from the model and the optimizer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { adamConstants, type AdamConstants, type Segments } from './shardedAdam.js';

/** The AdamOptimizer fields tfjs keeps private (fusedAdam.ts reads the same). */
interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

export interface SplitStepPlan {
  segments: Segments;
  constants: AdamConstants;
  /** Values in the flat gradient vector (every trainable weight). */
  total: number;
}

export class SharedAdamState {
  readonly firstMoment: Float32Array;
  readonly secondMoment: Float32Array;
  /** The optimizer whose state the shared memory holds, or null when it must be written afresh. */
  private synced: tf.Optimizer | null = null;

  constructor(
    private readonly weights: Float32Array,
    moments: SharedArrayBuffer,
    /** The shared weights' order and each one's offset (ReplicaPool's layout). */
    private readonly offsetOf: Map<tfl.LayerVariable, number>,
  ) {
    this.firstMoment = new Float32Array(moments, 0, weights.length);
    this.secondMoment = new Float32Array(moments, weights.length * 4, weights.length);
  }

  /** Adam (tfjs's or the fused one, which keep the same state) can be split; other optimizers take their own step. */
  static fits(optimizer: tf.Optimizer): boolean {
    // By class name: tfjs's Optimizer answers instanceof by duck typing, so every optimizer "is" an AdamOptimizer.
    return optimizer.getClassName() === tf.AdamOptimizer.className;
  }

  /** The optimizer changed the model or its moments itself: the next split step starts from theirs. */
  invalidate(): void {
    this.synced = null;
  }

  /** Whether the shared weights already hold the model's trainable weights (true after a split step with this optimizer). */
  holds(optimizer: tf.Optimizer): boolean {
    return this.synced === optimizer;
  }

  /**
   * Before a split step: the moments into shared memory when they are not
   * there yet (the caller has written the weights), and the step's layout and
   * Adam scalars.
   */
  prepare(model: tfl.LayersModel, optimizer: tf.Optimizer): SplitStepPlan {
    const adam = optimizer as unknown as AdamFields;
    const trainable = model.trainableWeights;
    const fresh = this.synced === optimizer;
    const segments: Segments = [];
    let total = 0;
    trainable.forEach((w, i) => {
      const offset = this.offsetOf.get(w)!;
      const size = sizeOf(w.shape);
      segments.push(total, offset, size);
      total += size;
      if (fresh) return;
      for (const [moments, shared] of [
        [adam.accumulatedFirstMoment, this.firstMoment],
        [adam.accumulatedSecondMoment, this.secondMoment],
      ] as const) {
        const held = moments[i]?.variable;
        if (held) shared.set(held.dataSync() as Float32Array, offset);
        else shared.fill(0, offset, offset + size);
      }
    });
    const constants = adamConstants({
      beta1: adam.beta1,
      beta2: adam.beta2,
      epsilon: adam.epsilon,
      learningRate: adam.learningRate,
      accBeta1: adam.accBeta1.dataSync()[0]!,
      accBeta2: adam.accBeta2.dataSync()[0]!,
    });
    return { segments, constants, total };
  }

  /**
   * After every replica updated its slice: the model's trainable weights and
   * the optimizer's moments, β^t and iteration count become what one
   * optimizer.applyGradients would have left.
   */
  finish(model: tfl.LayersModel, optimizer: tf.Optimizer): void {
    const adam = optimizer as unknown as AdamFields;
    tf.tidy(() => {
      model.trainableWeights.forEach((w, i) => {
        const offset = this.offsetOf.get(w)!;
        const end = offset + sizeOf(w.shape);
        const shape = w.shape as number[];
        const variable = w.read() as tf.Variable;
        // Copies (slice): the cpu backend keeps the array it is given, and the shared memory changes next step.
        variable.assign(tf.tensor(this.weights.slice(offset, end), shape));
        adam.accumulatedFirstMoment[i] ??= { originalName: `${variable.name}/m`, variable: tf.zerosLike(variable).variable(false) };
        adam.accumulatedSecondMoment[i] ??= { originalName: `${variable.name}/v`, variable: tf.zerosLike(variable).variable(false) };
        adam.accumulatedFirstMoment[i]!.variable.assign(tf.tensor(this.firstMoment.slice(offset, end), shape));
        adam.accumulatedSecondMoment[i]!.variable.assign(tf.tensor(this.secondMoment.slice(offset, end), shape));
      });
      adam.accBeta1.assign(tf.mul(adam.accBeta1, adam.beta1));
      adam.accBeta2.assign(tf.mul(adam.accBeta2, adam.beta2));
    });
    adam.incrementIterations();
    this.synced = optimizer;
  }
}

function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}
