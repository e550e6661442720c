import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sqlDialectOf, type Database } from '../storage/index.js';
import { PolledWorker } from '../workers/index.js';

/** How often a live process renews its lease. */
export const LEASE_RENEW_INTERVAL_MS = 2_000;

/**
 * How long a lease outlives its last renewal: five missed renewals. A node whose event loop
 * stalls longer is taken for dead; its nodes' clocks must agree to well within this (NTP).
 */
export const LEASE_TTL_MS = 10_000;

/** Logs what the lease reports; a pino logger fits. */
export interface NodeLeaseLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface NodeLeaseOptions {
  readonly db: Kysely<Database>;
  readonly logger: NodeLeaseLogger;
  readonly now: () => Date;
  readonly renewIntervalMs?: number;
  readonly ttlMs?: number;
}

/**
 * The lease of one process incarnation (one start of a region process) in `node_leases`: the
 * process holds it while it renews it, and what it reserved (idempotency keys) is its own until
 * the lease ends. A process killed without a word stops renewing, so its lease expires within
 * {@link LEASE_TTL_MS}. Sooner where death is certain: on SQLite, where one file is served by one
 * process, the next process to start ends every other lease at once; on any database, a process
 * that listens where another listened ends that one's lease. A graceful stop releases the lease.
 */
export class NodeLease extends PolledWorker {
  /** Random per process start: what reservations record as their holder. */
  readonly incarnation: string;
  readonly #o: NodeLeaseOptions;
  readonly #ttlMs: number;
  #address: string | null = null;

  private constructor(options: NodeLeaseOptions) {
    super({
      intervalMs: options.renewIntervalMs ?? LEASE_RENEW_INTERVAL_MS,
      onError: (error) => options.logger.warn({ err: error }, 'node lease renewal failed'),
    });
    this.#o = options;
    this.#ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    this.incarnation = randomUUID();
  }

  /**
   * Writes the lease of a new incarnation and ends the leases known dead: the expired ones, and
   * on SQLite every other one (the process that held them is gone, since this one opened the
   * file). Call before serving a request; `start` then keeps the lease renewed.
   */
  static async acquire(options: NodeLeaseOptions): Promise<NodeLease> {
    const lease = new NodeLease(options);
    const now = options.now();
    await options.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('node_leases')
        .values({
          incarnation: lease.incarnation,
          started_at: now.toISOString(),
          expires_at: lease.#expiry(now),
          address: null,
        })
        .execute();
      const dead = trx.deleteFrom('node_leases').where('incarnation', '<>', lease.incarnation);
      await (
        sqlDialectOf(options.db) === 'sqlite'
          ? dead
          : dead.where('expires_at', '<=', now.toISOString())
      ).execute();
    });
    return lease;
  }

  /**
   * Records where this process listens (`address`: its host and listen address) and ends the
   * leases of the incarnations that listened there before: two live processes cannot listen on
   * one address of one host, so those are dead, and a node restarted after a crash frees its keys
   * at once, on PostgreSQL too. Call once listening; never where processes share a port
   * (node:cluster workers, SO_REUSEPORT).
   */
  async claimAddress(address: string): Promise<void> {
    this.#address = address;
    await this.#o.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('node_leases')
        .set({ address })
        .where('incarnation', '=', this.incarnation)
        .execute();
      await trx
        .deleteFrom('node_leases')
        .where('address', '=', address)
        .where('incarnation', '<>', this.incarnation)
        .execute();
    });
  }

  /**
   * Says that this process no longer listens at its address (it is closing, and may still be
   * finishing requests), so that the next process to listen there does not take it for dead.
   * A closing process must close: a failure is logged, not thrown.
   */
  async leaveAddress(): Promise<void> {
    this.#address = null;
    try {
      await this.#o.db
        .updateTable('node_leases')
        .set({ address: null })
        .where('incarnation', '=', this.incarnation)
        .execute();
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'node lease kept its address while closing');
    }
  }

  /**
   * Extends the lease by the TTL from now (the polling loop calls it). A lease found ended (this
   * process stalled past its TTL, or another process opened the SQLite file) is written anew, so
   * that this live process's reservations are its own again; what was taken meanwhile stays taken.
   */
  async renew(): Promise<void> {
    const now = this.#o.now();
    const expiresAt = this.#expiry(now);
    const renewed = await this.#o.db
      .updateTable('node_leases')
      .set({ expires_at: expiresAt })
      .where('incarnation', '=', this.incarnation)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    if (Number(renewed.numUpdatedRows) === 1) return;
    this.#o.logger.error(
      { incarnation: this.incarnation },
      'node lease had ended: in-flight idempotency keys of this process may have been taken over',
    );
    await this.#o.db
      .insertInto('node_leases')
      .values({
        incarnation: this.incarnation,
        started_at: now.toISOString(),
        expires_at: expiresAt,
        address: this.#address,
      })
      .onConflict((oc) => oc.column('incarnation').doUpdateSet({ expires_at: expiresAt }))
      .execute();
  }

  /** Stops renewing and releases the lease: call once no request of this process is in flight. */
  override async stop(): Promise<void> {
    await super.stop();
    await this.#o.db
      .deleteFrom('node_leases')
      .where('incarnation', '=', this.incarnation)
      .execute();
  }

  protected async runBatch(): Promise<boolean> {
    await this.renew();
    return false;
  }

  #expiry(now: Date): string {
    return new Date(now.getTime() + this.#ttlMs).toISOString();
  }
}

/** Whether `incarnation` holds a lease at `now`: a missing row is a dead process too. */
export async function isIncarnationAlive(
  db: Kysely<Database>,
  incarnation: string,
  now: Date,
): Promise<boolean> {
  const lease = await db
    .selectFrom('node_leases')
    .select('expires_at')
    .where('incarnation', '=', incarnation)
    .executeTakeFirst();
  return lease !== undefined && lease.expires_at > now.toISOString();
}
