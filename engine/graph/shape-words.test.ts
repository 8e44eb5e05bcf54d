// The exact words and figures of shape inference (graph/layers/shape-math.ts
// and the layers that use it): which input a layer got, from where, and what
// to change. Found by mutation testing: other tests check the code and node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, edge, node } from '../testing/graphs.js';
import type { Graph, ParamValue } from './schema.js';
import { validateGraph } from './validate.js';
import { convOutputLength, deconvOutputLength, formatShape, product } from './layers/shape-math.js';

type Words = { nodeId: string | null; param?: string; code: string; message: string; hint: string };

function problems(graph: Graph): Words[] {
  return validateGraph(graph).problems.map(({ nodeId, param, code, message, hint }) => ({ nodeId, ...(param === undefined ? {} : { param }), code, message, hint }));
}

const conv = (params: Record<string, ParamValue>) => ({ id: 'c', type: 'Conv2D', params: { filters: 2, ...params } });

test('shape arithmetic: Keras formulas for valid, same, strides, dilation and transposed windows', () => {
  assert.equal(product([]), 1);
  assert.equal(product([2, 3, 4]), 24);
  assert.equal(formatShape([7, 7, 16]), '[7, 7, 16]');
  assert.equal(convOutputLength(28, 5, 1, 'valid'), 24);
  assert.equal(convOutputLength(28, 5, 2, 'valid'), 12);
  assert.equal(convOutputLength(28, 3, 2, 'same'), 14);
  assert.equal(convOutputLength(27, 3, 2, 'same'), 14, 'same rounds up');
  assert.equal(convOutputLength(28, 3, 1, 'valid', 2), 24, 'a 3-tap kernel dilated by 2 spans 5');
  assert.equal(convOutputLength(10, 3, 3, 'valid'), 3);
  assert.equal(deconvOutputLength(7, 3, 2, 'same'), 14);
  assert.equal(deconvOutputLength(7, 3, 2, 'valid'), 15);
  assert.equal(deconvOutputLength(7, 2, 3, 'valid'), 21, 'a kernel smaller than the stride adds nothing');
});

test('a spatial layer on a flat or otherwise non-image input: what it got, from where, and the fix for each', () => {
  assert.deepEqual(problems(chain([8, 8, 1], [{ id: 'f', type: 'Flatten' }, conv({ kernel_size: 3 })])), [
    {
      nodeId: 'c', code: 'rank-mismatch',
      message: 'Conv2D "c" works on images (height × width × channels) but gets [64] from "f".',
      hint: 'Its input was flattened or went through a Dense layer; move the Flatten/Dense after "c", or add a Reshape to [height, width, channels] before it.',
    },
  ]);
  assert.deepEqual(problems(chain([8, 8], [{ id: 'p', type: 'MaxPooling2D' }])), [
    {
      nodeId: 'p', code: 'rank-mismatch',
      message: 'MaxPooling2D "p" works on images (height × width × channels) but gets [8, 8] from "input".',
      hint: 'Add a Reshape to [height, width, channels] before "p".',
    },
  ]);
  // Nothing is inferred from a guess: the refused layer and what follows it have no shape.
  const report = validateGraph(chain([8, 8, 1], [{ id: 'f', type: 'Flatten' }, conv({ kernel_size: 3 }), { id: 'after', type: 'Flatten' }]));
  assert.equal(report.nodes['c']!.shape, null);
  assert.equal(report.nodes['after']!.shape, null);
});

test('a window that does not fit: its size, the dilated span, and the input it is larger than', () => {
  assert.deepEqual(problems(chain([4, 6, 1], [conv({ kernel_size: [5, 3] })])), [
    {
      nodeId: 'c', param: 'kernel_size', code: 'kernel-too-large',
      message: 'Conv2D "c" has a 5×3 kernel larger than its 4×6 input from "input".',
      hint: 'Use a smaller kernel_size, set padding to \'same\', or downsample less before "c".',
    },
  ]);
  assert.deepEqual(problems(chain([6, 6, 1], [conv({ kernel_size: 3, dilation_rate: 3 })])).map((p) => p.message), [
    'Conv2D "c" has a 3×3 kernel (7×7 with dilation) larger than its 6×6 input from "input".',
  ]);
  assert.deepEqual(problems(chain([6, 6, 1], [conv({ kernel_size: 3, dilation_rate: [3, 1] })])).map((p) => p.message), [
    'Conv2D "c" has a 3×3 kernel (7×3 with dilation) larger than its 6×6 input from "input".',
  ]);
  assert.deepEqual(problems(chain([6, 6, 1], [conv({ kernel_size: 3, dilation_rate: [1, 3] })])).map((p) => p.message), [
    'Conv2D "c" has a 3×3 kernel (3×7 with dilation) larger than its 6×6 input from "input".',
  ]);
  // Width alone too small, and exactly fitting: only the first is refused.
  assert.deepEqual(problems(chain([9, 2, 1], [conv({ kernel_size: 3 })])).map((p) => p.code), ['kernel-too-large']);
  assert.deepEqual(problems(chain([3, 3, 1], [conv({ kernel_size: 3 })])), []);
  assert.deepEqual(validateGraph(chain([3, 3, 1], [conv({ kernel_size: 3 })])).nodes['c']!.shape, [1, 1, 2]);
  assert.deepEqual(problems(chain([2, 2, 1], [conv({ kernel_size: 3, padding: 'same' })])), [], "'same' pads, so any window fits");
  assert.deepEqual(problems(chain([2, 2, 1], [{ id: 'p', type: 'MaxPooling2D', params: { pool_size: 3 } }])), [
    {
      nodeId: 'p', param: 'pool_size', code: 'kernel-too-large',
      message: 'MaxPooling2D "p" has a 3×3 pool larger than its 2×2 input from "input".',
      hint: 'Use a smaller pool_size, set padding to \'same\', or downsample less before "p".',
    },
  ]);
});

test('dilation together with strides is refused on dilation_rate; either alone is fine', () => {
  assert.deepEqual(problems(chain([16, 16, 1], [conv({ kernel_size: 3, dilation_rate: [1, 2], strides: [2, 1] })])), [
    {
      nodeId: 'c', param: 'dilation_rate', code: 'invalid-param',
      message: 'Conv2D "c" has dilation_rate [1, 2] together with strides [2, 1]; Keras and tfjs allow only one of them above 1.',
      hint: 'Set dilation_rate to 1, or set strides to 1.',
    },
  ]);
  // The other way round: dilation in height, strides in width.
  assert.deepEqual(problems(chain([16, 16, 1], [conv({ kernel_size: 3, dilation_rate: [2, 1], strides: [1, 2] })])).map((p) => [p.param, p.code]), [['dilation_rate', 'invalid-param']]);
  const shapes = (params: Record<string, ParamValue>) => validateGraph(chain([16, 16, 1], [conv({ kernel_size: 3, ...params })])).nodes['c']!.shape;
  assert.deepEqual(shapes({ dilation_rate: 2 }), [12, 12, 2]);
  assert.deepEqual(shapes({ strides: [2, 1] }), [7, 14, 2]);
  assert.deepEqual(shapes({ strides: 2, padding: 'same' }), [8, 8, 2]);
});

test('cropping that leaves nothing: the output it would make and the image size to stay under', () => {
  assert.deepEqual(problems(chain([4, 6, 3], [{ id: 'crop', type: 'Cropping2D', params: { cropping: [2, 1] } }])), [
    {
      nodeId: 'crop', param: 'cropping', code: 'non-positive-size',
      message: 'Cropping2D "crop" would output [0, 4, 3]: its cropping leaves nothing of its [4, 6, 3] input.',
      hint: 'Crop less than the 4×6 image: what is cut from opposite sides must leave at least one pixel.',
    },
  ]);
  assert.deepEqual(validateGraph(chain([4, 6, 3], [{ id: 'crop', type: 'Cropping2D', params: { cropping: [0, 1, 2, 3] } }])).nodes['crop']!.shape, [3, 1, 3]);
});

test('branches of different shapes into Add: the shapes, their sources, and which difference it is', () => {
  const merge = (a: Record<string, ParamValue>, b: { type: string; params: Record<string, ParamValue> }): Graph => ({
    nodes: [node('input', 'Input', { shape: [8, 8, 2] }), node('a', 'Conv2D', { filters: 2, kernel_size: 1, ...a }), node('b', b.type, b.params), node('sum', 'Add'), node('output', 'Output')],
    edges: [edge('input', 'a'), edge('input', 'b'), edge('a', 'sum', 0), edge('b', 'sum', 1), edge('sum', 'output')],
  });
  assert.deepEqual(problems(merge({ filters: 4 }, { type: 'Conv2D', params: { filters: 2, kernel_size: 1 } })), [
    {
      nodeId: 'sum', code: 'shape-mismatch',
      message: 'Add "sum" needs inputs of one shape but gets [8, 8, 4] from "a", [8, 8, 2] from "b".',
      hint: 'The channel counts differ: give both branches the same filters, or put a 1×1 Conv2D on the shortcut to change its channels.',
    },
  ]);
  assert.deepEqual(problems(merge({ strides: 2 }, { type: 'Conv2D', params: { filters: 2, kernel_size: 1 } })).map((p) => p.hint), [
    'The spatial sizes differ: use the same strides and padding on both branches, or a 1×1 Conv2D with matching strides on the shortcut.',
  ]);
  assert.deepEqual(problems(merge({}, { type: 'GlobalAveragePooling2D', params: {} })).map((p) => p.hint), [
    'One branch was flattened or pooled globally and the other was not; give both branches the same kind of output.',
  ]);
  assert.deepEqual(problems(merge({}, { type: 'Conv2D', params: { filters: 2, kernel_size: 1 } })), []);
});
