/**
 * The Adam step split over the replicas. Instead of the engine's thread
 * summing every replica's gradients and updating every weight while the
 * workers wait, each thread takes one contiguous slice of the flat gradient
 * vector: it adds that slice up over all replicas (in replica order, so a
 * run stays reproducible) and applies Adam to the same slice of the weights
 * and moments, which live in shared memory. Then every replica loads the new
 * weights.
 *
 * The arithmetic is tfjs's Adam (and the project's fused kernel,
 * backend/simd/adam_update.c) operation by operation in float32: each
 * operation is done in double and rounded with Math.fround, which for +, −,
 * ×, ÷ and √ of float32 operands gives the correctly rounded float32 result,
 * the same bits as WebAssembly's f32 instructions. So the split step gives
 * the weights and moments the engine-only step gives, bit for bit (test).
 *
 * Pure: no tfjs, so the engine's thread and the workers run the same code.
 */

/** The per-step scalars of Adam, each already a float32 value as tfjs rounds it. */
export interface AdamConstants {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** 1 − β1^t and 1 − β2^t (tfjs's sub(1, accBeta) in float32). */
  bias1: number;
  bias2: number;
  epsilon: number;
  /** −learning rate. */
  negativeRate: number;
}

const f = Math.fround;

export function adamConstants(o: { beta1: number; beta2: number; epsilon: number; learningRate: number; accBeta1: number; accBeta2: number }): AdamConstants {
  return {
    beta1: f(o.beta1),
    oneMinusBeta1: f(1 - o.beta1),
    beta2: f(o.beta2),
    oneMinusBeta2: f(1 - o.beta2),
    bias1: f(1 - o.accBeta1),
    bias2: f(1 - o.accBeta2),
    epsilon: f(o.epsilon),
    negativeRate: f(-o.learningRate),
  };
}

/**
 * Where each trainable weight's gradient sits in the flat gradient vector and
 * where its value sits in the shared weights (and moments) buffer: triples
 * (gradient offset, weight offset, size), in trainable order.
 */
export type Segments = number[];

/** [start, end) of the flat gradient vector (`total` values) that thread `k` of `threads` updates. */
export function sliceOf(total: number, threads: number, k: number): [number, number] {
  const per = Math.ceil(total / threads);
  return [Math.min(total, k * per), Math.min(total, (k + 1) * per)];
}

/**
 * Sums `grads` (one flat vector per replica, in replica order) over
 * [start, end) of the gradient vector and applies one Adam step to the
 * matching weights and moments, in place.
 */
export function adamSlice(
  weights: Float32Array,
  firstMoment: Float32Array,
  secondMoment: Float32Array,
  grads: Float32Array[],
  segments: Segments,
  start: number,
  end: number,
  c: AdamConstants,
): void {
  const { beta1, oneMinusBeta1, beta2, oneMinusBeta2, bias1, bias2, epsilon, negativeRate } = c;
  const g0 = grads[0]!;
  for (let s = 0; s < segments.length; s += 3) {
    const gradientOffset = segments[s]!;
    const from = Math.max(start, gradientOffset);
    const to = Math.min(end, gradientOffset + segments[s + 2]!);
    const shift = segments[s + 1]! - gradientOffset;
    for (let j = from; j < to; j++) {
      let g = g0[j]!;
      for (let r = 1; r < grads.length; r++) g = f(g + grads[r]![j]!);
      const k = j + shift;
      const m = f(f(firstMoment[k]! * beta1) + f(g * oneMinusBeta1));
      const v = f(f(secondMoment[k]! * beta2) + f(f(g * g) * oneMinusBeta2));
      const step = f(f(m / bias1) / f(f(Math.sqrt(f(v / bias2))) + epsilon));
      weights[k] = f(step * negativeRate) + weights[k]!;
      firstMoment[k] = m;
      secondMoment[k] = v;
    }
  }
}
