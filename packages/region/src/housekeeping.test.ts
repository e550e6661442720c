import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isDomicileError } from '@domicile/protocol';
import { Housekeeping } from './housekeeping.js';
import type { RegionKeySet } from './keys/index.js';
import { createRegion } from './region-server.js';
import {
  openDatabase,
  PURGE_BATCH_ROWS,
  retentionPolicy,
  type Database,
  type SingleUseKind,
} from './storage/index.js';
import { createRegionFixture } from './testing/region-fixture.js';
import * as f from './storage/storage.fixtures.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const past = (ms: number): string => new Date(NOW.getTime() - ms).toISOString();
const FUTURE = '2999-01-01T00:00:00.000Z';

let dir: string;
let db: Kysely<Database>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'domicile-housekeeping-'));
  db = await openDatabase(`sqlite:${join(dir, 'region.db')}`);
});
afterEach(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

const count = async (kind: SingleUseKind): Promise<number> =>
  Number(
    (
      await db
        .selectFrom('single_use_ids')
        .where('kind', '=', kind)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('Housekeeping', () => {
  it('purges a backlog of several batches at start, one batch of each task a run, and keeps live rows', async () => {
    // Two and a half batches of expired DPoP jtis, each at an instant of its own.
    const backlog = Math.floor(PURGE_BATCH_ROWS * 2.5);
    const expired = Array.from({ length: backlog }, (_, i) =>
      f.singleUseId({ kind: 'dpop', expires_at: past(60_000 + i) }),
    );
    for (let i = 0; i < expired.length; i += 100)
      await db
        .insertInto('single_use_ids')
        .values(expired.slice(i, i + 100))
        .execute();
    await db
      .insertInto('single_use_ids')
      .values(f.singleUseId({ kind: 'dpop', expires_at: FUTURE }))
      .execute();
    await db
      .insertInto('single_use_ids')
      .values([
        f.singleUseId({ kind: 'network', expires_at: past(1) }),
        f.singleUseId({ kind: 'network', expires_at: FUTURE }),
        f.singleUseId({ kind: 'region', expires_at: past(1) }),
        f.singleUseId({ kind: 'region', expires_at: FUTURE }),
      ])
      .execute();

    const { logger, lines } = capturingLogger();
    const worker = new Housekeeping({ db, logger, now: () => NOW, intervalMs: 3_600_000 });
    worker.start();
    // The loop's own interval is an hour: only the full batches' rests bring the next runs.
    await vi.waitFor(async () => expect(await count('dpop')).toBe(1), { timeout: 30_000 });
    await worker.stop();
    expect(await count('network')).toBe(1);
    expect(await count('region')).toBe(1);
    expect(lines.filter((l) => Number(l.level) >= 40)).toEqual([]);
  });

  it('logs a failing task and still runs the others', async () => {
    await sql`drop table provisioning_sessions`.execute(db);
    await db
      .insertInto('single_use_ids')
      .values(f.singleUseId({ kind: 'network', expires_at: past(1) }))
      .execute();
    const { logger, lines } = capturingLogger();
    const worker = new Housekeeping({ db, logger, now: () => NOW, intervalMs: 3_600_000 });
    worker.start();
    await vi.waitFor(async () => expect(await count('network')).toBe(0), { timeout: 30_000 });
    await worker.stop();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        task: 'abandoned sessions',
        msg: 'housekeeping task failed',
      }),
    );
  });

  it('keeps idempotency keys and resend records as long as its retention says', async () => {
    const hour = 3_600_000;
    const retention = retentionPolicy({
      idempotencyKeysMs: 2 * hour,
      authorizationRequestsMs: 2 * 24 * hour,
    });
    await db
      .insertInto('idempotency_keys')
      .values([
        f.idempotencyKey({ key: 'kept', updated_at: past(hour) }),
        f.idempotencyKey({ key: 'gone', updated_at: past(3 * hour) }),
      ])
      .execute();
    await db
      .insertInto('authorization_requests')
      .values([
        f.authorizationRequest({ request_id: 'kept', created_at: past(24 * hour) }),
        f.authorizationRequest({ request_id: 'gone', created_at: past(3 * 24 * hour) }),
      ])
      .execute();
    const { logger } = capturingLogger();
    const worker = new Housekeeping({
      db,
      logger,
      now: () => NOW,
      retention,
      intervalMs: 3_600_000,
    });
    worker.start();
    const left = async () => [
      (await db.selectFrom('idempotency_keys').select('key').execute()).map((r) => r.key),
      (await db.selectFrom('authorization_requests').select('request_id').execute()).map(
        (r) => r.request_id,
      ),
    ];
    await vi.waitFor(async () => expect(await left()).toEqual([['kept'], ['kept']]), {
      timeout: 30_000,
    });
    await worker.stop();
  });
});

describe('a region started with a retention out of range', () => {
  it('is refused with CONFIG_INVALID naming the field, before its database is made', async () => {
    const fixture = await createRegionFixture();
    const path = join(dir, 'never.db');
    const started = createRegion({
      region: 'us',
      directoryJws: fixture.directoryJws,
      authorityKey: fixture.authorityKey,
      keys: fixture.keys.get('us') as RegionKeySet,
      databaseUrl: `sqlite:${path}`,
      issuer: { kind: 'sandbox' },
      logLevel: 'silent',
      retention: { idempotencyKeysMs: 60_000 },
    });
    const error: unknown = await started.then(
      async (region) => {
        await region.close();
        return 'started';
      },
      (e: unknown) => e,
    );
    expect(isDomicileError(error) && [error.code, error.details?.field]).toEqual([
      'CONFIG_INVALID',
      'retention.idempotencyKeysMs',
    ]);
    expect(existsSync(path)).toBe(false);
  });
});
