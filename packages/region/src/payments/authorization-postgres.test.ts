import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region } from '../region-server.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/index.js';
import {
  createPaymentsFixture,
  raceSameAtc,
  seedToken,
  type PaymentsFixture,
} from './payments.fixtures.js';

// Never skipped silently: without a server these tests fail, unless the skip is asked for.
const skip = process.env.DOMICILE_SKIP_PG === '1';

describe.skipIf(skip)('authorizations on PostgreSQL', () => {
  let fixture: PaymentsFixture;
  let database: TestPostgresDatabase;
  let us: Region;

  beforeAll(async () => {
    fixture = await createPaymentsFixture();
    database = await createTestPostgresDatabase('domicile_payments');
    us = await fixture.region('us', { databaseUrl: database.connectionString });
  });
  afterAll(async () => {
    await us.close();
    await database.drop();
  });

  it('lets exactly one of several racing requests with the same ATC through to the issuer, across pool connections', async () => {
    const token = await seedToken(us, '4111111111111111');
    const race = await raceSameAtc(fixture, us, token, {
      atc: 7,
      amounts: [100, 200, 300, 400, 500],
    });
    expect(race.reasons).toEqual([
      'approved',
      'atc_replayed',
      'atc_replayed',
      'atc_replayed',
      'atc_replayed',
    ]);
    expect(race.issuerCalls).toBe(1);
    expect(race.vaultOpens).toBe(1);
    expect(race.rows).toHaveLength(5);
    expect(race.rows.filter((r) => r.approved === 1)).toHaveLength(1);
    expect(race.atcLast).toBe(7);
  });

  it('keeps a claimed ATC used after a decline: a new cryptogram with it is a replay, without the issuer', async () => {
    const token = await seedToken(us, '4111111111111111', { state: 'suspended' });
    const race = await raceSameAtc(fixture, us, token, { atc: 3, amounts: [100, 200, 300] });
    expect(race.reasons).toEqual(['atc_replayed', 'atc_replayed', 'token_suspended']);
    expect(race.issuerCalls).toBe(0);
    expect(race.atcLast).toBe(3);
  });
});
