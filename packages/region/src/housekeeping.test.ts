import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Housekeeping } from './housekeeping.js';
import {
  openDatabase,
  PURGE_BATCH_ROWS,
  type Database,
  type SingleUseKind,
} from './storage/index.js';
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
    await vi.waitFor(async () => expect(await count('dpop')).toBe(1));
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
    await vi.waitFor(async () => expect(await count('network')).toBe(0));
    await worker.stop();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        task: 'abandoned sessions',
        msg: 'housekeeping task failed',
      }),
    );
  });
});
