/**
 * Test inputs drawn from a seed with a plain linear congruential generator:
 * the same numbers in every process and on every backend, so a failing
 * comparison between backends replays exactly.
 */
export function seededValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = (state / 2147483648) * 2 - 1;
  }
  return out;
}
