import { PollingLoop, type PollingLoopOptions } from './polling-loop.js';

/**
 * A background worker on the shared {@link PollingLoop} schedule (TSM scripts, issuer webhooks,
 * the region-to-region outbox, housekeeping): the subclass says what one batch is, this class runs it.
 */
export abstract class PolledWorker {
  readonly #loop: PollingLoop;

  protected constructor(options: Omit<PollingLoopOptions, 'run'>) {
    this.#loop = new PollingLoop({ run: () => this.runBatch(), ...options });
  }

  /** Runs one batch; true when there may be more to do right away (a full batch). */
  protected abstract runBatch(): Promise<boolean>;

  /** Starts polling (and runs at once). */
  start(): void {
    this.#loop.start();
  }

  /** Asks for a run soon, e.g. right after a transaction committed new work. */
  kick(): void {
    this.#loop.kick();
  }

  /** Stops polling and waits for a run in progress to finish. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }
}
