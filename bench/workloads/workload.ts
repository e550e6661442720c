/**
 * One kind of operation the load generator repeats. `prepare` makes everything the timed
 * operations need (devices registered, tokens chosen) before the clock starts; `prepareBatch`,
 * when present, makes what must be fresh (signed requests) just before each batch of operations,
 * outside its timing; `run` is one operation and throws when it did not complete.
 */
export interface Workload {
  prepare(operations: number): Promise<void>;
  prepareBatch?(first: number, count: number): Promise<void>;
  run(index: number): Promise<void>;
  close(): Promise<void>;
}

/** Runs `work` on up to `concurrency` items of `items` at once; resolves when all are done. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker),
  );
}
