/**
 * ResizeNearestNeighborGrad for the cpu and wasm backends, replacing the
 * kernels tfjs 4.22 ships. The cpu one offsets dy by the *images'* batch
 * stride, so for every image after the first it sums the wrong values and
 * UpSampling2D trains wrongly with batches above 1; the wasm one ignores
 * halfPixelCenters and sends the gradient to pixels the forward pass never read.
 *
 * Nearest-neighbour resizing picks a source row for each output row and a
 * source column for each output column, independently. Its gradient sums
 * dy over the rows (then columns) that share a source: a product with a 0/1
 * selection matrix per axis, which runs as two matrix multiplications.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asTensor, shape4D } from './conv-geometry.js';

/** The source index the forward kernel reads for output index `out` (tfjs's cpu formula). */
function sourceIndex(out: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const aligned = alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const fraction = halfPixelCenters ? ratio * (out + 0.5) : ratio * out;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

/** [inSize, outSize] with a 1 where output index o was read from input index i. */
function selection(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): tf.Tensor2D {
  const values = new Float32Array(inSize * outSize);
  for (let o = 0; o < outSize; o++) {
    values[sourceIndex(o, inSize, outSize, alignCorners, halfPixelCenters) * outSize + o] = 1;
  }
  return tf.tensor2d(values, [inSize, outSize]);
}

function resizeNearestNeighborGrad({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const { images, dy } = inputs as unknown as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters } = attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
  return tf.tidy(() => {
    const [batch, inHeight, inWidth, channels] = shape4D(images, 'ResizeNearestNeighborGrad images');
    const [, outHeight, outWidth] = shape4D(dy, 'ResizeNearestNeighborGrad dy');
    const grad = tf.cast(asTensor(dy), 'float32') as tf.Tensor4D;

    const rowsFirst = tf.reshape(tf.transpose(grad, [1, 0, 2, 3]), [outHeight, batch * outWidth * channels]);
    const summedRows = tf.matMul(selection(inHeight, outHeight, alignCorners, halfPixelCenters), rowsFirst);
    const colsFirst = tf.transpose(tf.reshape(summedRows, [inHeight, batch, outWidth, channels]), [2, 1, 0, 3]);
    const summedCols = tf.matMul(
      selection(inWidth, outWidth, alignCorners, halfPixelCenters),
      tf.reshape(colsFirst, [outWidth, batch * inHeight * channels]),
    );
    return tf.transpose(tf.reshape(summedCols, [inWidth, batch, inHeight, channels]), [1, 2, 0, 3]);
  });
}

export const resizeNearestNeighborGradConfigs: tf.KernelConfig[] = ['cpu', 'wasm'].map((backendName) => ({
  kernelName: tf.ResizeNearestNeighborGrad,
  backendName,
  kernelFunc: resizeNearestNeighborGrad as unknown as tf.KernelFunc,
}));
