/**
 * Translating catalogue values (Keras names) into tfjs-layers arguments, and
 * filling the gaps where tfjs has no equivalent.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { KERAS_LEAKY_RELU_SLOPE } from '../layers/common-params.js';
import type { L1L2 } from '../layers/resolved-params.js';
import type { BuildContext, TfInitializer } from './types.js';

type TfActivation = NonNullable<Parameters<typeof tfl.layers.activation>[0]['activation']>;
type TfRegularizer = ReturnType<typeof tfl.regularizers.l1l2>;

/**
 * The tfjs activation identifier for a Keras activation name, or null for
 * leaky_relu, which tfjs accepts only as a layer (LeakyReLU), never as an
 * activation string.
 */
export function tfActivation(name: string): TfActivation | null {
  if (name === 'leaky_relu') return null;
  // Keras 3 calls swish "silu" as well; tfjs knows only "swish".
  if (name === 'silu') return 'swish';
  return name as TfActivation;
}

/**
 * The activation argument for a layer that fuses its activation (Conv, Dense),
 * plus the layers that must follow it. leaky_relu cannot be fused in tfjs, so
 * the layer stays linear and a LeakyReLU layer (named `<node>__leaky_relu`)
 * follows; the saved model then reloads with stock tfjs classes only.
 */
export function fusedActivation(
  name: string,
  ctx: BuildContext,
): { activation: TfActivation; after: tfl.layers.Layer[] } {
  const fused = tfActivation(name);
  if (fused !== null) return { activation: fused, after: [] };
  return {
    activation: 'linear',
    after: [tfl.layers.leakyReLU({ alpha: KERAS_LEAKY_RELU_SLOPE, name: ctx.layerName('leaky_relu') })],
  };
}

export function tfRegularizer(value: L1L2 | null): TfRegularizer | undefined {
  return value === null ? undefined : tfl.regularizers.l1l2({ l1: value.l1, l2: value.l2 });
}

/**
 * A tfjs initializer for a Keras initializer name. With a seed the result is
 * deterministic; the random-distribution defaults are Keras' (±0.05, σ 0.05).
 */
export function makeInitializer(name: string, seed: number | undefined): TfInitializer {
  const seeded = { seed };
  switch (name) {
    case 'glorot_uniform':
      return tfl.initializers.glorotUniform(seeded);
    case 'glorot_normal':
      return tfl.initializers.glorotNormal(seeded);
    case 'he_uniform':
      return tfl.initializers.heUniform(seeded);
    case 'he_normal':
      return tfl.initializers.heNormal(seeded);
    case 'lecun_uniform':
      return tfl.initializers.leCunUniform(seeded);
    case 'lecun_normal':
      return tfl.initializers.leCunNormal(seeded);
    case 'random_uniform':
      return tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed });
    case 'random_normal':
      return tfl.initializers.randomNormal({ mean: 0, stddev: 0.05, seed });
    case 'truncated_normal':
      return tfl.initializers.truncatedNormal({ mean: 0, stddev: 0.05, seed });
    case 'zeros':
      return tfl.initializers.zeros();
    case 'ones':
      return tfl.initializers.ones();
    default:
      throw new Error(`Initializer "${name}" passed validation but has no tfjs counterpart.`);
  }
}
