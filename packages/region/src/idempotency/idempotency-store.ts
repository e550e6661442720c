import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { DomicileError, isDomicileError } from '@domicile/protocol';
import { isUniqueViolation, jsonColumn, type Database } from '../storage/index.js';

/** The first answer's body, replayed as it was sent: any JSON. */
const responseBodyColumn = jsonColumn('idempotency_keys.response_body', Type.Unknown());

/** A reservation older than this belongs to a request that died; a retry may take it over. */
export const ABANDONED_AFTER_MS = 30_000;

export interface IdempotentRequest {
  /** Whose key it is (the device key thumbprint): keys of different devices never collide. */
  readonly scope: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  /** True when this is the stored answer of an earlier attempt. */
  readonly replayed: boolean;
}

export function requestHash(req: Pick<IdempotentRequest, 'method' | 'path' | 'body'>): string {
  return createHash('sha256')
    .update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest('base64url');
}

/**
 * Runs `operation` at most once per (scope, key) to completion and answers every retry with the
 * first result (DESIGN: Exactly once). The reservation is taken before the operation runs, so two
 * concurrent attempts cannot both proceed; a domain error (4xx) is a result too and is replayed.
 * The operations themselves are written so that re-running after a crash between their commit
 * and the result's record returns the same outcome (a tokenized session returns its token).
 */
export async function runIdempotent(
  db: Kysely<Database>,
  req: IdempotentRequest,
  operation: () => Promise<{ status: number; body: unknown }>,
  now: () => Date = () => new Date(),
): Promise<StoredResponse> {
  const hash = requestHash(req);
  const earlier = await reserve(db, req, hash, now());
  if (earlier !== undefined) return earlier;
  let result: { status: number; body: unknown };
  try {
    result = await operation();
  } catch (error) {
    if (isDomicileError(error) && error.status < 500) {
      await complete(db, req, error.status, error.toBody(), now());
    } else {
      await db
        .deleteFrom('idempotency_keys')
        .where('scope', '=', req.scope)
        .where('key', '=', req.key)
        .execute();
    }
    throw error;
  }
  await complete(db, req, result.status, result.body, now());
  return { ...result, replayed: false };
}

/** Takes the key for this attempt, or returns the stored answer of an earlier one. */
async function reserve(
  db: Kysely<Database>,
  req: IdempotentRequest,
  hash: string,
  now: Date,
): Promise<StoredResponse | undefined> {
  const stamp = now.toISOString();
  try {
    await db
      .insertInto('idempotency_keys')
      .values({
        scope: req.scope,
        key: req.key,
        request_hash: hash,
        state: 'in_flight',
        status_code: null,
        response_body: null,
        created_at: stamp,
        updated_at: stamp,
      })
      .execute();
    return undefined;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('scope', '=', req.scope)
    .where('key', '=', req.key)
    .executeTakeFirst();
  if (row === undefined) return reserve(db, req, hash, now);
  if (row.request_hash !== hash) throw new DomicileError('IDEMPOTENCY_KEY_REUSED');
  if (row.state === 'done' && row.status_code !== null && row.response_body !== null) {
    return {
      status: row.status_code,
      body: responseBodyColumn.decode(row.response_body),
      replayed: true,
    };
  }
  const abandoned = now.getTime() - Date.parse(row.updated_at) > ABANDONED_AFTER_MS;
  if (!abandoned) throw new DomicileError('IDEMPOTENCY_IN_PROGRESS');
  // Take the stale reservation over; only one taker wins the conditional update.
  const taken = await db
    .updateTable('idempotency_keys')
    .set({ updated_at: now.toISOString() })
    .where('scope', '=', req.scope)
    .where('key', '=', req.key)
    .where('updated_at', '=', row.updated_at)
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) !== 1) throw new DomicileError('IDEMPOTENCY_IN_PROGRESS');
  return undefined;
}

async function complete(
  db: Kysely<Database>,
  req: IdempotentRequest,
  status: number,
  body: unknown,
  now: Date,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({
      state: 'done',
      status_code: status,
      response_body: responseBodyColumn.encode(body),
      updated_at: now.toISOString(),
    })
    .where('scope', '=', req.scope)
    .where('key', '=', req.key)
    .execute();
}
