/**
 * Adam whose per-variable update is one fused kernel where the backend has
 * one (the project's WebAssembly kernel, backend/kernels/adam-update.ts):
 * tfjs's AdamOptimizer runs about ten element-wise ops per variable, which
 * cost the seed CNN several milliseconds a step on wasm (docs/performance.md).
 * Everything else is tfjs's AdamOptimizer: the moment variables, their names
 * and order (getWeights/setWeights), β^t kept as variables, the iteration
 * count, dispose. The fused kernel does tfjs's float32 arithmetic in tfjs's
 * order, so both give the same weights; on a backend without the kernel
 * (cpu, webgpu, tensorflow) the step is tfjs's own.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../backend/kernels/adam-update.js';

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** The AdamOptimizer fields tfjs keeps private, which the fused step reads and updates as tfjs's step would. */
interface AdamState {
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

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      // 1 − β^t in float32, as tfjs's sub(1, accBeta) gives it.
      const [biasCorrection1, biasCorrection2] = [self.accBeta1, self.accBeta2].map((acc) => Math.fround(1 - acc.dataSync()[0]!)) as [number, number];
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const firstMoment = self.accumulatedFirstMoment[i]!.variable;
        const secondMoment = self.accumulatedSecondMoment[i]!.variable;
        const attrs: AdamUpdateAttrs = {
          beta1: self.beta1,
          beta2: self.beta2,
          biasCorrection1,
          biasCorrection2,
          epsilon: self.epsilon,
          learningRate: self.learningRate,
        };
        const [newValue, newFirst, newSecond] = tf
          .engine()
          .runKernel(ADAM_UPDATE, { value, firstMoment, secondMoment, gradient }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        firstMoment.assign(newFirst!);
        secondMoment.assign(newSecond!);
        value.assign(newValue!);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}
