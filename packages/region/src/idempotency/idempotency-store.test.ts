import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomicileError, isDomicileError } from '@domicile/protocol';
import { openDatabase, type Database } from '../storage/index.js';
import { ABANDONED_AFTER_MS, requestHash, runIdempotent } from './idempotency-store.js';

let db: Kysely<Database>;
beforeEach(async () => {
  db = await openDatabase('sqlite::memory:');
});
afterEach(async () => {
  await db.destroy();
});

const req = {
  scope: 'device-1',
  key: 'key-0123456789abcdef',
  method: 'POST',
  path: '/v1/x',
  body: { a: 1 },
};

describe('idempotency keys', () => {
  it('runs an operation once and replays its answer', async () => {
    let runs = 0;
    const op = (): Promise<{ status: number; body: unknown }> => {
      runs++;
      return Promise.resolve({ status: 201, body: { n: runs } });
    };
    expect(await runIdempotent(db, req, op)).toEqual({
      status: 201,
      body: { n: 1 },
      replayed: false,
    });
    expect(await runIdempotent(db, req, op)).toEqual({
      status: 201,
      body: { n: 1 },
      replayed: true,
    });
    expect(runs).toBe(1);
  });

  it('refuses the same key with another body', async () => {
    await runIdempotent(db, req, () => Promise.resolve({ status: 200, body: {} }));
    await expect(
      runIdempotent(db, { ...req, body: { a: 2 } }, () =>
        Promise.resolve({ status: 200, body: {} }),
      ),
    ).rejects.toSatisfy((e) => isDomicileError(e, 'IDEMPOTENCY_KEY_REUSED'));
  });

  it('keeps keys of different devices apart', async () => {
    await runIdempotent(db, req, () => Promise.resolve({ status: 200, body: { who: 1 } }));
    expect(
      (
        await runIdempotent(db, { ...req, scope: 'device-2' }, () =>
          Promise.resolve({ status: 200, body: { who: 2 } }),
        )
      ).body,
    ).toEqual({ who: 2 });
  });

  it('replays a domain refusal, but lets a retry run again after an internal failure', async () => {
    await expect(
      runIdempotent(db, req, () =>
        Promise.reject(new DomicileError('IDV_CODE_INVALID', { details: { triesLeft: 2 } })),
      ),
    ).rejects.toSatisfy((e) => isDomicileError(e, 'IDV_CODE_INVALID'));
    expect(
      await runIdempotent(db, req, () => Promise.resolve({ status: 200, body: {} })),
    ).toMatchObject({ status: 422, replayed: true });

    const other = { ...req, key: 'key-fedcba9876543210' };
    await expect(
      runIdempotent(db, other, () => Promise.reject(new Error('disk full'))),
    ).rejects.toThrow('disk full');
    expect(
      await runIdempotent(db, other, () => Promise.resolve({ status: 200, body: { ok: true } })),
    ).toMatchObject({ status: 200, replayed: false });
  });

  it('answers IN_PROGRESS while the first attempt runs, and lets a retry take over an abandoned one', async () => {
    let release: () => void = () => undefined;
    const slow = runIdempotent(
      db,
      req,
      () =>
        new Promise((resolve) => {
          release = () => resolve({ status: 200, body: { first: true } });
        }),
    );
    await vi.waitFor(async () => {
      expect(
        await db
          .selectFrom('idempotency_keys')
          .select('state')
          .where('key', '=', req.key)
          .executeTakeFirst(),
      ).toEqual({ state: 'in_flight' });
    });
    await expect(
      runIdempotent(db, req, () => Promise.resolve({ status: 200, body: {} })),
    ).rejects.toSatisfy((e) => isDomicileError(e, 'IDEMPOTENCY_IN_PROGRESS'));
    release();
    await slow;

    const stale = { ...req, key: 'key-abandoned-000000' };
    const t0 = new Date();
    await db
      .insertInto('idempotency_keys')
      .values({
        scope: stale.scope,
        key: stale.key,
        request_hash: requestHash(stale),
        state: 'in_flight',
        status_code: null,
        response_body: null,
        created_at: t0.toISOString(),
        updated_at: t0.toISOString(),
      })
      .execute();
    const later = () => new Date(t0.getTime() + ABANDONED_AFTER_MS + 1);
    expect(
      await runIdempotent(
        db,
        stale,
        () => Promise.resolve({ status: 200, body: { retried: true } }),
        later,
      ),
    ).toEqual({ status: 200, body: { retried: true }, replayed: false });
  });
});
