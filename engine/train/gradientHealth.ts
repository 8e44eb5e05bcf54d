/**
 * Gradient health during training, and gradient clipping. Both hook the one
 * place every training step passes its gradients through: the optimizer's
 * applyGradients (tfjs-layers' trainOnBatch calls optimizer.minimize, which
 * computes the gradients and hands them to applyGradients).
 *
 * - Clipping (optimizer.clipNorm): the gradients are scaled so their global
 *   L2 norm is at most clipNorm, as PyTorch's clip_grad_norm_ does.
 * - Every `everyBatches` steps (and on the first) the hook records, per
 *   trainable node, the gradient norm, the weight norm and the update/weight
 *   ratio ‖Δw‖ / ‖w‖ of that step; after the step, one extra forward pass on
 *   the batch measures the fraction of zeros each ReLU node outputs. The
 *   figures stream as `gradient-health` events and go to
 *   gradient-health.jsonl in the run folder, with any warning:
 *   vanishing gradients, exploding gradients, dead ReLUs, each naming the
 *   node and the fix the course material gives.
 *
 * Norms are over all of a node's trainable weights together (kernel and bias).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeIdOfLayerName, runLayers } from '../insight/modelNodes.js';
import type { EngineEvent, GradientHealthEvent, LayerHealth, TrainingWarningEvent } from '../protocol.js';

export const GRADIENT_HEALTH_LOG = 'gradient-health.jsonl';

/**
 * A check costs about one forward pass plus a few reductions (bench/insight.ts
 * measures it); every 20th step keeps the overhead well under 5 % of training.
 */
export const DEFAULT_GRADIENT_HEALTH_EVERY = 20;

export interface GradientHealthThresholds {
  /** A node's gradient norm below this, `checks` checks in a row, is vanishing. */
  vanishingNorm: number;
  /** A node's gradient norm above this is exploding… */
  explodingNorm: number;
  /** …and so is a norm that grew this many times since the previous check… */
  explodingGrowth: number;
  /** …and an update bigger than this fraction of the weights in one step. */
  explodingUpdateRatio: number;
  /** A ReLU node whose outputs are zero on at least this fraction of a batch, `checks` checks in a row, is dead. */
  deadFraction: number;
  /** Consecutive checks before vanishing or dead ReLU is reported (one bad batch is not a trend). */
  checks: number;
}

export const DEFAULT_THRESHOLDS: GradientHealthThresholds = {
  vanishingNorm: 1e-7,
  explodingNorm: 1e3,
  explodingGrowth: 100,
  explodingUpdateRatio: 1,
  deadFraction: 0.9,
  checks: 3,
};

const FIXES: Record<TrainingWarningEvent['kind'], string> = {
  'vanishing-gradients': 'Use ReLU instead of sigmoid/tanh, add BatchNormalization, use He initialisation, or add a residual connection around the deep part.',
  'exploding-gradients': 'Lower the learning rate, add BatchNormalization, or clip gradients (training.optimizer.clipNorm, e.g. 1).',
  'dead-relu': 'Lower the learning rate, use He initialisation, or use leaky_relu / elu for this layer so units that went negative can recover.',
};

export interface GradientHealthOptions {
  runId: string;
  runDir: string;
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  /** Check every this many steps; 0 turns checks off (clipping still applies). */
  everyBatches: number;
  /** Clip the global gradient norm to this; null or undefined: no clipping. */
  clipNorm?: number | null;
  emit: (event: EngineEvent) => void;
  thresholds?: Partial<GradientHealthThresholds>;
}

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
type Gradients = tf.NamedTensorMap | NamedTensor[];

interface PendingCheck {
  /** Per node: squared gradient norm, squared weight norm before, squared update norm (summed over its variables). */
  squares: tf.Tensor1D;
  nodes: string[];
}

export class GradientHealth {
  private readonly thresholds: GradientHealthThresholds;
  private readonly nodeOfVariable = new Map<string, string>();
  private readonly variables = new Map<string, tf.Variable>();
  private readonly reluNodes: { node: string; layer: string }[] = [];
  private steps = 0;
  private pending: PendingCheck | null = null;
  private readonly previousNorm = new Map<string, number>();
  private readonly streak = new Map<string, number>();
  private readonly warned = new Set<string>();
  private logReady: Promise<unknown> | null = null;
  private optimizer: tf.Optimizer;
  private originalApply: (gradients: Gradients) => void = () => undefined;

  constructor(private readonly o: GradientHealthOptions) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
    for (const layer of o.model.layers) {
      const activation = String((layer.getConfig() as { activation?: unknown }).activation ?? '');
      if (activation === 'relu' || layer.getClassName() === 'ReLU') this.reluNodes.push({ node: nodeIdOfLayerName(layer.name), layer: layer.name });
    }
    this.optimizer = o.optimizer;
    this.collectVariables();
    this.hook();
  }

  /**
   * Follows a fresh optimizer: phase 2 of transfer learning compiles the model
   * again with one and more trainable weights, and clipping and the checks
   * must go on through it.
   */
  follow(optimizer: tf.Optimizer): void {
    this.unhook();
    this.optimizer = optimizer;
    this.collectVariables();
    this.hook();
  }

  private collectVariables(): void {
    this.variables.clear();
    this.nodeOfVariable.clear();
    for (const weight of this.o.model.trainableWeights) {
      const variable = weight.read() as tf.Variable;
      this.variables.set(variable.name, variable);
      this.nodeOfVariable.set(variable.name, nodeIdOfLayerName(weight.originalName.split('/')[0]!));
    }
  }

  private hook(): void {
    const optimizer = this.optimizer as unknown as { applyGradients: (g: Gradients) => void };
    this.originalApply = optimizer.applyGradients.bind(this.optimizer);
    optimizer.applyGradients = (gradients) => this.applyGradients(gradients);
  }

  private unhook(): void {
    (this.optimizer as unknown as { applyGradients: (g: Gradients) => void }).applyGradients = this.originalApply;
  }

  /** Puts the optimizer back as it was. */
  detach(): void {
    this.unhook();
    this.pending?.squares.dispose();
    this.pending = null;
  }

  private applyGradients(gradients: Gradients): void {
    const list: NamedTensor[] = Array.isArray(gradients) ? gradients : Object.entries(gradients).map(([name, tensor]) => ({ name, tensor }));
    const check = this.o.everyBatches > 0 && this.steps % this.o.everyBatches === 0;
    this.steps++;
    const clipped = this.o.clipNorm ? clipByGlobalNorm(list, this.o.clipNorm) : null;
    const applied = clipped ?? list;
    if (!check) {
      this.originalApply(applied);
      tf.dispose(clipped?.map((g) => g.tensor) ?? []);
      return;
    }
    const variables = applied.map((g) => this.variables.get(g.name)!);
    const before = variables.map((v) => tf.clone(v));
    this.originalApply(applied);
    const nodes = [...new Set(applied.map((g) => this.nodeOfVariable.get(g.name) ?? g.name))];
    const squares = tf.tidy(() => {
      const perNode = nodes.map(() => [tf.scalar(0), tf.scalar(0), tf.scalar(0)]);
      applied.forEach((g, i) => {
        const at = nodes.indexOf(this.nodeOfVariable.get(g.name) ?? g.name);
        const sums = perNode[at]!;
        sums[0] = tf.add(sums[0]!, tf.sum(tf.square(g.tensor)));
        sums[1] = tf.add(sums[1]!, tf.sum(tf.square(before[i]!)));
        sums[2] = tf.add(sums[2]!, tf.sum(tf.square(tf.sub(variables[i]!, before[i]!))));
      });
      return tf.stack(perNode.flat()) as tf.Tensor1D;
    });
    tf.dispose(before);
    tf.dispose(clipped?.map((g) => g.tensor) ?? []);
    this.pending?.squares.dispose();
    this.pending = { squares, nodes };
  }

  /**
   * After a training step: when the step was a check, reads its figures,
   * measures the ReLU nodes on the batch x, and reports. Returns the event, if any.
   */
  async afterStep(x: tf.Tensor, epoch: number, batch: number): Promise<GradientHealthEvent | null> {
    const pending = this.pending;
    if (!pending) return null;
    this.pending = null;
    const squares = await pending.squares.data();
    pending.squares.dispose();
    const zeros = await this.reluZeroFractions(x);
    const layers: LayerHealth[] = pending.nodes.map((node, i) => {
      const gradientNorm = Math.sqrt(squares[3 * i]!);
      const weightNorm = Math.sqrt(squares[3 * i + 1]!);
      const updateNorm = Math.sqrt(squares[3 * i + 2]!);
      return { node, gradientNorm, weightNorm, updateRatio: weightNorm > 0 ? updateNorm / weightNorm : updateNorm > 0 ? Infinity : 0, zeroFraction: zeros.get(node) ?? null };
    });
    for (const [node, zeroFraction] of zeros) {
      if (!layers.some((l) => l.node === node)) layers.push({ node, gradientNorm: null, weightNorm: null, updateRatio: null, zeroFraction });
    }
    const event: GradientHealthEvent = { type: 'gradient-health', runId: this.o.runId, epoch, batch, step: this.steps, everyBatches: this.o.everyBatches, layers };
    await this.log(event);
    this.o.emit(event);
    for (const warning of this.warnings(layers, epoch, batch)) {
      await this.log(warning);
      this.o.emit(warning);
    }
    return event;
  }

  /** Fraction of zeros in each ReLU node's output on this batch (inference mode, after the step). */
  private async reluZeroFractions(x: tf.Tensor): Promise<Map<string, number>> {
    const fractions = new Map<string, number>();
    if (this.reluNodes.length === 0) return fractions;
    const values = tf.tidy(() => {
      const outputs = runLayers(this.o.model, x);
      return tf.stack(this.reluNodes.map(({ layer }) => tf.mean(tf.cast(tf.equal(outputs.get(layer)!, 0), 'float32'))));
    });
    const data = await values.data();
    values.dispose();
    this.reluNodes.forEach(({ node }, i) => fractions.set(node, data[i]!));
    return fractions;
  }

  private warnings(layers: LayerHealth[], epoch: number, batch: number): TrainingWarningEvent[] {
    const t = this.thresholds;
    const found: TrainingWarningEvent[] = [];
    const warn = (kind: TrainingWarningEvent['kind'], node: string, message: string) => {
      if (this.warned.has(`${kind}:${node}`)) return;
      this.warned.add(`${kind}:${node}`);
      found.push({ type: 'health-warning', runId: this.o.runId, kind, node, message, hint: FIXES[kind], epoch, batch });
    };
    const inARow = (key: string, bad: boolean) => {
      const n = bad ? (this.streak.get(key) ?? 0) + 1 : 0;
      this.streak.set(key, n);
      return n >= t.checks;
    };
    for (const l of layers) {
      if (l.gradientNorm !== null) {
        const previous = this.previousNorm.get(l.node);
        this.previousNorm.set(l.node, l.gradientNorm);
        if (inARow(`vanishing:${l.node}`, l.gradientNorm < t.vanishingNorm)) {
          warn('vanishing-gradients', l.node, `Vanishing gradients at node "${l.node}": its gradient norm has stayed below ${t.vanishingNorm} for ${t.checks} checks (now ${l.gradientNorm.toExponential(2)}), so it barely learns.`);
        }
        const growth = previous !== undefined && previous > 0 ? l.gradientNorm / previous : 1;
        if (!Number.isFinite(l.gradientNorm) || l.gradientNorm > t.explodingNorm) {
          warn('exploding-gradients', l.node, `Exploding gradients at node "${l.node}": its gradient norm is ${l.gradientNorm.toExponential(2)} (above ${t.explodingNorm}).`);
        } else if (growth > t.explodingGrowth) {
          warn('exploding-gradients', l.node, `Exploding gradients at node "${l.node}": its gradient norm grew ${growth.toFixed(0)}× since the previous check (to ${l.gradientNorm.toExponential(2)}).`);
        } else if (l.updateRatio !== null && l.updateRatio > t.explodingUpdateRatio) {
          warn('exploding-gradients', l.node, `Exploding updates at node "${l.node}": one step changed its weights by ${(100 * l.updateRatio).toFixed(0)} % of their size (healthy is about 0.1 %).`);
        }
      }
      if (l.zeroFraction !== null && inARow(`dead:${l.node}`, l.zeroFraction >= t.deadFraction)) {
        warn('dead-relu', l.node, `Dead ReLUs at node "${l.node}": ${(100 * l.zeroFraction).toFixed(0)} % of its outputs are zero on a batch (${t.checks} checks in a row); those units pass no gradient and stop learning.`);
      }
    }
    return found;
  }

  private async log(event: EngineEvent): Promise<void> {
    this.logReady ??= mkdir(this.o.runDir, { recursive: true });
    await this.logReady;
    await appendFile(join(this.o.runDir, GRADIENT_HEALTH_LOG), JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
  }
}

/** Gradients scaled so their global L2 norm is at most maxNorm (new tensors; the caller disposes them). */
export function clipByGlobalNorm(gradients: NamedTensor[], maxNorm: number): NamedTensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g.tensor)))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
    return gradients.map((g) => ({ name: g.name, tensor: tf.mul(g.tensor, scale) }));
  });
}
