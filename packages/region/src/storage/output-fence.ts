import type { DialectAdapter, Kysely } from 'kysely';
import type { Database } from './database.js';

/**
 * Waits until every commit made so far is durable; `undefined` when there is nothing to wait for
 * (no promise on the hot path).
 */
export type OutputFence = () => Promise<void> | undefined;

const fences = new WeakMap<DialectAdapter, OutputFence>();

/** Gives the database whose dialect made `adapter` its fence (SQLite's group commit does). */
export function setOutputFence(adapter: DialectAdapter, fence: OutputFence): void {
  fences.set(adapter, fence);
}

/**
 * What must be awaited before anything read from `db` leaves the region (an HTTP answer, a call to
 * the issuer, another region or a webhook, a notification on a stream): every commit written so
 * far durable. With SQLite's group commit a read does not wait for the commits of other requests
 * that it may see; their data must not reach anyone before a power failure can no longer take them
 * back. `undefined` when nothing is pending, and always on PostgreSQL, whose commits are durable
 * before any other session sees them.
 * @throws DomicileError `DATABASE_NOT_DURABLE` (the promise rejects) once a flush has failed.
 */
export function outputFence(db: Kysely<Database>): Promise<void> | undefined {
  // The adapter, not the instance: a transaction or a `withPlugin` copy shares its adapter.
  return fences.get(db.getExecutor().adapter)?.();
}
