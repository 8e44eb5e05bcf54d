/**
 * Runs async work over many items with a bounded number in flight. Decoding
 * and encoding happen on libuv's thread pool (sharp, fs), so a handful in
 * flight keeps every thread busy while memory stays bounded by the limit,
 * not by the number of files.
 */
export async function forEachWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${limit}`);
  let next = 0;
  // After a failure no new item starts, and the call rejects only once the
  // items in flight have settled: a caller that cleans up on the error (a
  // staging folder removed) must not race writes that are still running.
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  // The cast: TypeScript does not see the workers' assignment and keeps `failure` at null here.
  if (failure !== null) throw (failure as { error: unknown }).error;
}
