import {
  epochSeconds,
  isDomicileError,
  verifyDirectory,
  type Directory,
  type KeyRole,
  type PublicJwk,
} from '@domicile/protocol';

/** What the wallet keeps of the directory it holds (saved in the wallet file). */
export interface HeldDirectoryState {
  /** The last directory that verified, as received. */
  readonly jws: string;
  /** The authority key pinned: moved only by a directory signed by the old and the new key. */
  readonly authorityKey: PublicJwk;
  /** When it was last fetched, in seconds since the epoch (0: never, so due at once). */
  readonly checkedAt: number;
}

export interface HeldDirectoryOptions {
  readonly directory: Directory;
  readonly checkedAt: number;
  /** Fetches the signed directory a region serves (`GET /v1/directory`), still to be verified. */
  readonly fetch: (region: string) => Promise<string>;
  /** The region asked when no other is named (the home region). */
  readonly defaultRegion: string;
  /** Called with each directory adopted (the wallet saves it). */
  readonly adopt: (state: HeldDirectoryState, directory: Directory) => Promise<void>;
  /** Seconds between scheduled refreshes; 0 turns them off. */
  readonly refreshSeconds: number;
  /** Seconds since the epoch. */
  readonly now: () => number;
}

/**
 * The directory a wallet holds, and how it moves on: refreshed when a region's object names a
 * `kid` the held directory does not list (the region rotated its key) and on a schedule; each new
 * one verified with the pinned authority key, never with a lower serial than the one held (no
 * rollback), and the pin moved when an authority rotation says so.
 */
export class HeldDirectory {
  readonly #o: HeldDirectoryOptions;
  #directory: Directory;
  #checkedAt: number;
  #refreshing: Promise<Directory> | undefined;

  constructor(options: HeldDirectoryOptions) {
    this.#o = options;
    this.#directory = options.directory;
    this.#checkedAt = options.checkedAt;
  }

  get current(): Directory {
    return this.#directory;
  }

  /**
   * Fetches the directory from `region` (default: the home region) and adopts it once it
   * verifies. `DIRECTORY_ROLLBACK`, `DIRECTORY_AUTHORITY_UNKNOWN`, `DIRECTORY_INVALID` or
   * `DIRECTORY_KEYS_EXPIRED` leave the held directory as it was. Concurrent calls share one fetch.
   */
  refresh(region?: string): Promise<Directory> {
    this.#refreshing ??= this.#refresh(region ?? this.#o.defaultRegion).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /**
   * The scheduled refresh: when the held directory is older than the interval. A failure is not
   * the caller's (the held directory stays, and the next call tries again), so it never throws.
   */
  async refreshIfDue(): Promise<void> {
    if (this.#o.refreshSeconds <= 0) return;
    if (this.#o.now() - this.#checkedAt < this.#o.refreshSeconds) return;
    await this.refresh().catch(() => undefined);
  }

  /**
   * A region's key for a role by `kid`: from the held directory, or else from a refreshed one
   * (fetched from that region, which uses the key); undefined when neither lists it.
   */
  async keyFor(
    region: string,
    role: KeyRole,
    kid: string | undefined,
  ): Promise<PublicJwk | undefined> {
    const now = this.#o.now();
    const held = this.#directory.keyById(region, role, kid, now);
    if (held !== undefined || kid === undefined) return held;
    const fresh = await this.refreshFrom(region);
    return fresh.keyById(region, role, kid, now);
  }

  /**
   * {@link refresh} from the region whose keys moved on; when it cannot serve one that verifies,
   * from the home region (that region may be the one behind). A rollback is final.
   */
  refreshFrom(region: string): Promise<Directory> {
    return this.refresh(region).catch(async (error: unknown) => {
      if (region === this.#o.defaultRegion || isDomicileError(error, 'DIRECTORY_ROLLBACK'))
        throw error;
      return this.refresh();
    });
  }

  async #refresh(region: string): Promise<Directory> {
    const jws = await this.#o.fetch(region);
    const held = this.#directory;
    const next = await verifyDirectory(jws, held.authorityKey, {
      minSerial: held.serial,
      now: this.#o.now(),
    });
    this.#checkedAt = this.#o.now();
    this.#directory = next;
    await this.#o.adopt(
      { jws: next.jws, authorityKey: next.authorityKey, checkedAt: this.#checkedAt },
      next,
    );
    return next;
  }
}

/** Seconds since the epoch by the wallet's clock, or the system's. */
export function walletClock(now: (() => number) | undefined): () => number {
  return now ?? (() => epochSeconds());
}
