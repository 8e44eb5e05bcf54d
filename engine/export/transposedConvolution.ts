/**
 * How a TensorFlow.js Conv2DTranspose's output size maps onto frameworks that
 * size transposed convolutions from explicit cropping plus extra output rows
 * (ONNX's ConvTranspose pads and output_padding, PyTorch's padding and
 * output_padding). TensorFlow gives in·stride for 'same' and
 * in·stride + max(kernel − stride, 0) for 'valid'; every exporter needs the
 * same answer, so it is worked out once here.
 *
 * Returns [[crop before, crop after], extra rows after] for one axis.
 */
export function transposedConvolutionCrop(kernel: number, stride: number, same: boolean): [[number, number], number] {
  const overlap = kernel - stride;
  if (overlap < 0) return [[0, 0], -overlap];
  if (!same) return [[0, 0], 0];
  const before = Math.floor(overlap / 2);
  return [[before, overlap - before], 0];
}
