/**
 * One read shared by every gauge that collects it during one scrape (they collect concurrently);
 * a read that fails gives `fallback`, so one database hiccup does not fail the whole scrape.
 */
export function readOnceAtScrape<T>(read: () => Promise<T>, fallback: T): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read()
      .catch(() => fallback)
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
