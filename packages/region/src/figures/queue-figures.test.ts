import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../storage/index.js';
import * as f from '../storage/storage.fixtures.js';
import { createTestPostgresDatabase } from '../testing/test-database.js';
import { readQueueFigures } from './queue-figures.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

describe.each(['sqlite', 'postgres'] as const)('queue figures on %s', (kind) => {
  let db: Kysely<Database>;
  let statements = 0;
  let cleanUp: () => Promise<void>;
  const onStatement = (): void => {
    statements++;
  };
  beforeAll(async () => {
    if (kind === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'domicile-queue-figures-'));
      db = await openDatabase(`sqlite:${join(dir, 'region.db')}`, { onStatement });
      cleanUp = () => rm(dir, { recursive: true, force: true });
    } else {
      const pg = await createTestPostgresDatabase('queue_figures');
      db = await openDatabase(pg.connectionString, { onStatement });
      cleanUp = () => pg.drop();
    }
  });
  afterAll(async () => {
    await db.destroy();
    await cleanUp();
  });

  const read = async () => {
    const before = statements;
    const figures = await readQueueFigures(db, () => NOW);
    return { figures, statements: statements - before };
  };

  it('reads empty queues as zeros, in one statement', async () => {
    expect(await read()).toEqual({
      figures: [
        { queue: 'tsm', depth: 0, oldestAgeSeconds: 0, failing: 0 },
        { queue: 'webhooks', depth: 0, oldestAgeSeconds: 0, failing: 0 },
        { queue: 'region_outbox', depth: 0, oldestAgeSeconds: 0, failing: 0 },
      ],
      statements: 1,
    });
  });

  it('counts only waiting jobs of each queue, its oldest and its failing ones, in one statement', async () => {
    await db
      .insertInto('tsm_scripts')
      .values([
        f.tsmScript({ state: 'pending', attempts: 0, created_at: ago(30) }),
        f.tsmScript({ state: 'pending', attempts: 2, created_at: ago(90) }),
        // Done: not waiting, however old.
        f.tsmScript({ state: 'ready', attempts: 1, created_at: ago(900) }),
      ])
      .execute();
    await db
      .insertInto('webhook_deliveries')
      .values([
        f.webhookDelivery({
          delivered_at: null,
          last_error: null,
          attempts: 0,
          created_at: ago(5),
        }),
        f.webhookDelivery({ attempts: 4, created_at: ago(600) }),
      ])
      .execute();
    await db
      .insertInto('region_outbox')
      .values([
        f.regionOutboxRow({ confirmed_at: null, attempts: 1, created_at: ago(45) }),
        f.regionOutboxRow({ confirmed_at: null, attempts: 3, created_at: ago(15) }),
        f.regionOutboxRow({ confirmed_at: null, attempts: 0, created_at: ago(20) }),
        f.regionOutboxRow({ attempts: 1, created_at: ago(700) }),
      ])
      .execute();
    expect(await read()).toEqual({
      figures: [
        { queue: 'tsm', depth: 2, oldestAgeSeconds: 90, failing: 1 },
        { queue: 'webhooks', depth: 1, oldestAgeSeconds: 5, failing: 0 },
        { queue: 'region_outbox', depth: 3, oldestAgeSeconds: 45, failing: 2 },
      ],
      statements: 1,
    });
  });
});
