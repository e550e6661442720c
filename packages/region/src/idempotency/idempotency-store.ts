import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import { DomicileError, isDomicileError } from '@domicile/protocol';
import { isIncarnationAlive } from '../nodes/index.js';
import { recordSingleUseId, type SingleUseId } from '../request-auth/index.js';
import {
  jsonColumn,
  precompiled,
  sqlDialectOf,
  type Database,
  type SqlDialectName,
} from '../storage/index.js';
import { takeKey, type KeyRow } from './single-use-reservation.js';

/** The first answer's body, replayed as it was sent: any JSON. */
const responseBodyColumn = jsonColumn('idempotency_keys.response_body', Type.Unknown());

/**
 * A reservation made before reservations recorded their incarnation (migration 0008) is taken
 * for abandoned once it is this old.
 */
export const ABANDONED_AFTER_MS = 30_000;

/**
 * What a refusal for a key still in progress suggests as `Retry-After`: the first attempt, on a
 * live node, usually ends within milliseconds; a dead node's lease ends within its TTL, and the
 * device backs off further on its own.
 */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

export interface IdempotencyStoreOptions {
  readonly db: Kysely<Database>;
  /** The incarnation of this process (`NodeLease`): its reservations are its own while it lives. */
  readonly incarnation: string;
  readonly now?: () => Date;
}

export interface IdempotentRequest {
  /** Whose key it is (the device key thumbprint): keys of different devices never collide. */
  readonly scope: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /**
   * The request's single-use id (its DPoP proof's `jti`), still unrecorded: recorded in the
   * reservation's own commit, and refused as a replay there. It is recorded even when the key
   * was taken before (a retry), so a proof is never good twice.
   */
  readonly singleUse?: SingleUseId | undefined;
}

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  /** True when this is the stored answer of an earlier attempt. */
  readonly replayed: boolean;
}

/** What an idempotent operation answers: recorded for every retry of its key. */
export interface IdempotentAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The attempt an operation runs for. An operation whose answer is known inside its last
 * transaction hands it to `record` there: the answer is then stored in the commit that makes the
 * change (one commit, not two), so a crash before that commit leaves the key re-takeable and a
 * crash after it replays the answer. It must then return that same answer object.
 */
export interface IdempotentAttempt {
  record(trx: Kysely<Database>, answer: IdempotentAnswer): Promise<void>;
}

export type IdempotentOperation = (attempt: IdempotentAttempt) => Promise<IdempotentAnswer>;

export interface RunOptions {
  /**
   * The operation's whole effect is the transaction in which it calls `record`: before it, it
   * changes nothing and calls nothing outside the region (no issuer, no other region, no vault
   * seal), and an answer it gives without `record` changed nothing. The key is then taken in that
   * transaction, with the answer and the request's single-use id (one commit), instead of being
   * reserved in a commit of its own first.
   */
  readonly oneCommit?: boolean;
}

/**
 * How a domain step that makes its change in one transaction hands its answer over, in that
 * transaction (`IdempotentAttempt.record`): left out, the step answers as before.
 */
export type InCommit<T> = (trx: Kysely<Database>, answer: T) => Promise<void>;

/** Stores an attempt's answer, if the key is still this attempt's: every device write makes one. */
const completeKey = precompiled(
  6,
  (
    db,
    status_code: number,
    response_body: string,
    updated_at: string,
    scope: string,
    key: string,
    incarnation: string,
  ) =>
    db
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code, response_body, updated_at })
      .where((eb) => eb.and({ scope, key, incarnation })),
);

export function requestHash(req: Pick<IdempotentRequest, 'method' | 'path' | 'body'>): string {
  return createHash('sha256')
    .update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest('base64url');
}

/**
 * Runs operations at most once per (scope, key) to completion and answers every retry with the
 * first result (DESIGN: Exactly once). The reservation is taken before the operation runs, so two
 * concurrent attempts cannot both proceed; a domain error (4xx) is a result too and is replayed.
 * An operation that is one transaction (`RunOptions.oneCommit`) takes the key in that commit
 * instead: of two concurrent attempts, only one commits.
 * A reservation belongs to the process incarnation that made it: a retry takes it over as soon as
 * that incarnation's lease has ended (a crash, `nodes/node-lease.ts`), never while it lives. The
 * operations themselves are written so that re-running after a crash between their commit and
 * the result's record returns the same outcome (a tokenized session returns its token).
 */
export class IdempotencyStore {
  readonly #db: Kysely<Database>;
  readonly #incarnation: string;
  readonly #now: () => Date;
  readonly #dialect: SqlDialectName;
  readonly #inFlight = new Set<Promise<StoredResponse>>();
  #admitted: Promise<unknown> = Promise.resolve();

  constructor(options: IdempotencyStoreOptions) {
    this.#db = options.db;
    this.#incarnation = options.incarnation;
    this.#now = options.now ?? (() => new Date());
    this.#dialect = sqlDialectOf(options.db);
  }

  /** Runs `operation` for this request, or answers with the first attempt's stored result. */
  run(
    req: IdempotentRequest,
    operation: IdempotentOperation,
    options: RunOptions = {},
  ): Promise<StoredResponse> {
    const attempt = this.#attempt(req, operation, options);
    this.#inFlight.add(attempt);
    const settled = (): void => {
      this.#inFlight.delete(attempt);
    };
    attempt.then(settled, settled);
    return attempt;
  }

  /**
   * Holds every new attempt until `ready` settles. A node restarted after a crash calls it while
   * it claims its address (`NodeLease.claimAddress`): until then its predecessor's reservations
   * still look alive, and a retry would be refused as in progress for nothing.
   */
  holdUntil(ready: Promise<unknown>): void {
    this.#admitted = ready.catch(() => undefined);
  }

  /**
   * Waits for every attempt of this store to end: a closing process calls it before it gives up
   * its lease, so that no other node takes over a reservation while its operation still runs.
   */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  async #attempt(
    req: IdempotentRequest,
    operation: IdempotentOperation,
    options: RunOptions,
  ): Promise<StoredResponse> {
    await this.#admitted;
    const hash = requestHash(req);
    if (options.oneCommit === true) {
      const answered = await this.#attemptInOneCommit(req, hash, operation);
      if (answered !== undefined) return answered;
    }
    // The reservation keeps a commit of its own: such an operation is no single transaction (it
    // calls the issuer, seals in the vault, commits in steps), and a concurrent retry, on any
    // node, must see the key taken for all of that time, not only once the work's commit is in.
    const earlier = await this.#reserve(req, hash);
    if (earlier !== undefined) return earlier;
    let recorded: IdempotentAnswer | undefined;
    const attempt: IdempotentAttempt = {
      record: async (trx, answer) => {
        await this.#complete(trx, req, answer.status, answer.body);
        recorded = answer;
      },
    };
    let result: IdempotentAnswer;
    try {
      result = await operation(attempt);
    } catch (error) {
      // Failed after the commit that recorded its answer (a step after the commit threw): the
      // change and its answer are in, and a retry must get that answer, not run it again. (An
      // answer recorded in a transaction that then rolled back is not there: the key is freed.)
      if (recorded !== undefined && (await this.#answered(req))) throw error;
      if (isDomicileError(error) && error.status < 500) {
        await this.#complete(this.#db, req, error.status, error.toBody());
      } else {
        await this.#db
          .deleteFrom('idempotency_keys')
          .where((eb) => eb.and(this.#mine(req)))
          .execute();
      }
      throw error;
    }
    // Recorded in the operation's own commit: a transaction that rolled back after `record` ends
    // in an error, never here with the recorded answer.
    if (recorded !== result) await this.#complete(this.#db, req, result.status, result.body);
    return { status: result.status, body: result.body, replayed: false };
  }

  /**
   * An attempt that takes no reservation first (`RunOptions.oneCommit`): the key, its answer and
   * the request's single-use id go into the operation's own transaction, at `record`. Two
   * attempts with one key may then both run; the unique key lets one commit, and the other's
   * whole transaction rolls back. A crash leaves that commit or nothing, never a held key.
   *
   * The key is not looked up first: that read would spare a retry its work, but every first
   * attempt would pay for it (a statement, a round trip on PostgreSQL, and on SQLite a wait for
   * the pending group-commit flush, as every read waits), while a retry's work is harmless by
   * this contract: its change rolls back with the taken key, and an answer without `record`
   * changed nothing (`#settle` then replays the stored answer).
   * @returns the answer, or undefined when the key turned out taken with the id still
   * unrecorded: the reservation path then replays its answer, refuses, or takes an abandoned key
   * over.
   */
  async #attemptInOneCommit(
    req: IdempotentRequest,
    hash: string,
    operation: IdempotentOperation,
  ): Promise<StoredResponse | undefined> {
    let refused: unknown;
    let recorded: IdempotentAnswer | undefined;
    const attempt: IdempotentAttempt = {
      record: async (trx, answer) => {
        recorded = undefined;
        let free: boolean;
        try {
          free = await takeKey(trx, this.#dialect, this.#row(req, hash, answer), req.singleUse);
        } catch (error) {
          // A replayed proof: its transaction rolls back, and its refusal is no answer to store.
          if (isDomicileError(error)) refused = error;
          throw error;
        }
        if (!free) throw new KeyTaken();
        recorded = answer;
      },
    };
    let result: IdempotentAnswer;
    try {
      result = await operation(attempt);
    } catch (error) {
      if (error instanceof KeyTaken) return undefined;
      if (error === refused) throw error;
      if (recorded !== undefined && (await this.#answered(req))) throw error;
      if (!isDomicileError(error) || error.status >= 500) {
        // Nothing of the attempt is in, and a retry runs it again; its proof is still spent
        // (a failure to spend it too is the same failure, and the caller gets the first).
        if (req.singleUse !== undefined)
          await recordSingleUseId(this.#db, req.singleUse).catch(() => undefined);
        throw error;
      }
      const stored = await this.#settle(req, hash, { status: error.status, body: error.toBody() });
      if (stored !== undefined) return stored;
      throw error;
    }
    if (recorded === result) return { status: result.status, body: result.body, replayed: false };
    return (
      (await this.#settle(req, hash, result)) ?? {
        status: result.status,
        body: result.body,
        replayed: false,
      }
    );
  }

  /**
   * Stores the answer of a one-commit attempt that changed nothing (a refusal, an answer read),
   * in one commit with the request's single-use id.
   * @returns the answer stored by an attempt that took the key meanwhile, or undefined when this
   * one's is stored.
   */
  async #settle(
    req: IdempotentRequest,
    hash: string,
    answer: IdempotentAnswer,
  ): Promise<StoredResponse | undefined> {
    const now = this.#now();
    const row = this.#row(req, hash, answer, now);
    if (await takeKey(this.#db, this.#dialect, row, req.singleUse)) return undefined;
    const earlier = await this.#taken({ ...req, singleUse: undefined }, hash, now);
    if (earlier !== undefined) return earlier;
    await this.#complete(this.#db, req, answer.status, answer.body);
    return undefined;
  }

  /** Takes the key for this attempt, or returns the stored answer of an earlier one. */
  async #reserve(req: IdempotentRequest, hash: string): Promise<StoredResponse | undefined> {
    const now = this.#now();
    // A taken key is no error: its stored answer or its holder decides below.
    const row = this.#row(req, hash, undefined, now);
    if (await takeKey(this.#db, this.#dialect, row, req.singleUse)) return undefined;
    return this.#taken({ ...req, singleUse: undefined }, hash, now);
  }

  /**
   * The key was taken (the request's id is recorded by now): the stored answer if there is one,
   * else the key if its holder is gone (then it is this attempt's), else a refusal.
   */
  async #taken(
    req: IdempotentRequest,
    hash: string,
    now: Date,
  ): Promise<StoredResponse | undefined> {
    const stamp = now.toISOString();
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', req.scope)
      .where('key', '=', req.key)
      .executeTakeFirst();
    // Deleted meanwhile (its attempt failed): try again.
    if (row === undefined) return this.#reserve(req, hash);
    if (row.request_hash !== hash) throw new DomicileError('IDEMPOTENCY_KEY_REUSED');
    if (row.state === 'done' && row.status_code !== null && row.response_body !== null) {
      return {
        status: row.status_code,
        body: responseBodyColumn.decode(row.response_body),
        replayed: true,
      };
    }
    if (!(await this.#abandoned(row, now))) throw inProgress();
    // Take the abandoned reservation over; only one taker wins the conditional update.
    const taken = await this.#db
      .updateTable('idempotency_keys')
      .set({ updated_at: stamp, incarnation: this.#incarnation })
      .where('scope', '=', req.scope)
      .where('key', '=', req.key)
      .where('state', '=', 'in_flight')
      .where('updated_at', '=', row.updated_at)
      .where('incarnation', row.incarnation === null ? 'is' : '=', row.incarnation)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) throw inProgress();
    return undefined;
  }

  /** This attempt's row of the key: its reservation, or with `answer` the key answered. */
  #row(
    req: IdempotentRequest,
    hash: string,
    answer: IdempotentAnswer | undefined,
    now: Date = this.#now(),
  ): KeyRow {
    const stamp = now.toISOString();
    return {
      scope: req.scope,
      key: req.key,
      request_hash: hash,
      state: answer === undefined ? 'in_flight' : 'done',
      status_code: answer?.status ?? null,
      response_body: answer === undefined ? null : responseBodyColumn.encode(answer.body),
      created_at: stamp,
      updated_at: stamp,
      incarnation: this.#incarnation,
    };
  }

  /** Whether the process that reserved `row` is gone (for a row without incarnation: by age). */
  async #abandoned(
    row: { incarnation: string | null; updated_at: string },
    now: Date,
  ): Promise<boolean> {
    if (row.incarnation === null)
      return now.getTime() - Date.parse(row.updated_at) > ABANDONED_AFTER_MS;
    if (row.incarnation === this.#incarnation) return false;
    return !(await isIncarnationAlive(this.#db, row.incarnation, now));
  }

  async #complete(
    db: Kysely<Database>,
    req: IdempotentRequest,
    status: number,
    body: unknown,
  ): Promise<void> {
    const { scope, key, incarnation } = this.#mine(req);
    const updatedAt = this.#now().toISOString();
    const encoded = responseBodyColumn.encode(body);
    await completeKey.execute(db, status, encoded, updatedAt, scope, key, incarnation);
  }

  /**
   * This attempt's reservation, as a filter: one taken over meanwhile (this process was taken for
   * dead) belongs to the taker, whose own attempt records the result.
   */
  async #answered(req: IdempotentRequest): Promise<boolean> {
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .select('state')
      .where((eb) => eb.and(this.#mine(req)))
      .executeTakeFirst();
    return row?.state === 'done';
  }

  #mine(req: IdempotentRequest): { scope: string; key: string; incarnation: string } {
    return { scope: req.scope, key: req.key, incarnation: this.#incarnation };
  }
}

/** Thrown through a one-commit operation to roll its transaction back: another attempt has the key. */
class KeyTaken extends Error {
  constructor() {
    super('Idempotency-Key taken by a concurrent attempt');
  }
}

function inProgress(): DomicileError {
  return new DomicileError('IDEMPOTENCY_IN_PROGRESS', {
    details: { retryAfterSeconds: IN_PROGRESS_RETRY_AFTER_SECONDS },
  });
}
