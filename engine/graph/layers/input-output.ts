/**
 * The two ends of a graph. Input holds the sample shape; Output is a marker
 * whose input tensor becomes the model's output. tfjs/build.ts turns them into
 * tf.input and the model's outputs, so neither builds a layer of its own.
 */
import type { LayerSpec } from './types.js';

export const input: LayerSpec = {
  type: 'Input',
  family: 'input',
  description: 'Where samples enter: the shape of one image (height, width, channels).',
  params: [
    {
      name: 'shape',
      unit: 'h, w, c',
      kind: 'shape',
      default: [28, 28, 1],
      min: 1,
      doc: 'One sample without the batch, e.g. [28, 28, 1] for small grey images or [64, 64, 3] for colour.',
    },
  ],
  arity: { min: 0, max: 0 },
  inferShape: (ctx) => ctx.params.ints('shape'),
  countParams: () => ({ total: 0, trainable: 0 }),
  macs: () => 0,
};

export const output: LayerSpec = {
  type: 'Output',
  family: 'output',
  description: "Marks the model's result: whatever flows into it is what the network predicts.",
  params: [],
  arity: { min: 1, max: 1 },
  inferShape: (ctx) => ctx.inputs[0]!,
  countParams: () => ({ total: 0, trainable: 0 }),
  macs: () => 0,
};
