/** Reordering weight arrays between the Keras (HWIO) and channels-first (OIHW) layouts. */

/** `data` of `shape` with its axes reordered: result axis i is source axis perm[i]. */
export function permute(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((axis) => shape[axis]!);
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let source = 0;
    for (let i = 0; i < rank; i++) source += index[i]! * strides[perm[i]!]!;
    out[o] = data[source]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Keras conv kernel [kh, kw, in, out] → channels-first [out, in, kh, kw]. */
export function hwioToOihw(data: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  return permute(data, shape, [3, 2, 0, 1]);
}

/**
 * Keras depthwise kernel [kh, kw, in, multiplier] → a grouped convolution's
 * [in·multiplier, 1, kh, kw]; output channel c·multiplier + m reads input channel c, as in Keras.
 */
export function depthwiseToGrouped(data: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  const [kh, kw, channels, multiplier] = shape as [number, number, number, number];
  const moved = permute(data, [kh, kw, channels * multiplier], [2, 0, 1]);
  return { data: moved.data, shape: [channels * multiplier, 1, kh, kw] };
}
