import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region } from '../region-server.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../storage/postgres/test-database.js';
import { createPaymentsFixture, paymentRequest, seedToken, signAuthorization, type PaymentsFixture } from './payments.fixtures.js';

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

  it('lets exactly one of several racing requests with the same ATC through, across pool connections', async () => {
    const token = await seedToken(us, '4111111111111111');
    const requests = [100, 200, 300, 400, 500].map((amountMinor) => paymentRequest(token, { atc: 7, amountMinor }));
    const answers = await Promise.all(requests.map(async (request) => {
      const authorization = await signAuthorization(fixture.network, request);
      return (await us.app.inject({ method: 'POST', url: '/v1/authorizations', payload: { authorization } })).json<{ reason: string }>();
    }));
    expect(answers.map((a) => a.reason).sort()).toEqual(['approved', 'atc_replayed', 'atc_replayed', 'atc_replayed', 'atc_replayed']);
    const rows = await us.context.db.selectFrom('transactions').select(['approved', 'amount_minor']).where('credential_id', '=', token.credential.id).execute();
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.approved === 1)).toHaveLength(1);
    expect(typeof rows[0]?.amount_minor).toBe('number');
    const { atc_last } = await us.context.db.selectFrom('credentials').select('atc_last').where('id', '=', token.credential.id).executeTakeFirstOrThrow();
    expect(atc_last).toBe(7);
  });
});
