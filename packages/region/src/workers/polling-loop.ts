import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The schedule shared by the region's background workers (TSM scripts, issuer webhooks, the
 * region-to-region outbox, housekeeping): run a batch, then again at once when kicked or when the
 * batch was full (after a rest, for a worker that sets one), else after the poll interval. One
 * run at a time; `stop` waits for the run in progress. The work itself lives in the database, so
 * a missed kick costs latency, never work.
 */
export interface PollingLoopOptions {
  /** Runs one batch; true when there may be more to do right away (a full batch). */
  readonly run: () => Promise<boolean>;
  readonly intervalMs: number;
  readonly onError: (error: unknown) => void;
  /**
   * How long to rest after a full batch that took `busyMs`, before the next; none by default.
   * A worker whose backlog can be long sets one, so that it never holds the event loop the
   * requests are served on for more than a share of the time.
   */
  readonly restMs?: (busyMs: number) => number;
}

export class PollingLoop {
  readonly #o: PollingLoopOptions;
  /**
   * The async context the loop was made in (no request's): a kick from a request must not run
   * the worker, nor every run after it, in that request's trace (its log lines, its statements).
   */
  readonly #detached = AsyncLocalStorage.snapshot();
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> | undefined;
  #kicked = false;

  constructor(options: PollingLoopOptions) {
    this.#o = options;
  }

  /** Starts polling (and runs at once). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Asks for a run soon, e.g. right after a transaction committed new work. */
  kick(): void {
    if (!this.#running) return;
    if (this.#current !== undefined) this.#kicked = true;
    else this.#schedule(0);
  }

  /** Stops polling and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#current;
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = this.#detached(() =>
      setTimeout(() => {
        void this.#tick();
      }, delayMs),
    );
    // A worker alone must not keep a process (a CLI, a test) alive.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    let more = false;
    const started = performance.now();
    this.#current = this.#o.run().then((full) => {
      more = full;
    }, this.#o.onError);
    await this.#current;
    this.#current = undefined;
    if (!this.#running) return;
    const delay = this.#kicked
      ? 0
      : more
        ? (this.#o.restMs?.(performance.now() - started) ?? 0)
        : this.#o.intervalMs;
    this.#kicked = false;
    this.#schedule(delay);
  }
}
