import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Region } from '../region-server.js';
import { createPostgresDatabase } from '../storage/index.js';
import { createTestPostgresDatabase, type TestPostgresDatabase } from '../testing/index.js';
import { authorizeTransaction } from './authorization-service.js';
import {
  NETWORK,
  createPaymentsFixture,
  paymentRequest,
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

  it('sends an authorization as 3 statements, each prepared once per connection', async () => {
    const token = await seedToken(us, '4111111111111111');
    let statements = 0;
    // One connection: the server's prepared statements are that session's.
    const db = createPostgresDatabase({
      connectionString: database.connectionString,
      max: 1,
      onStatement: () => (statements += 1),
    });
    try {
      const authorize = async (atc: number) => {
        const before = statements;
        const answer = await authorizeTransaction(
          { ...us.context, db },
          {
            network: NETWORK,
            request: paymentRequest(token, { atc }),
            singleUse: {
              kind: 'network',
              scope: NETWORK,
              jti: randomBytes(18).toString('base64url'),
              expiresAt: new Date(Date.now() + 60_000),
              replayed: 'AUTHORIZATION_REPLAYED',
            },
          },
        );
        expect(answer.approved).toBe(true);
        return statements - before;
      };
      await authorize(1); // the card's product is read once, then kept
      expect(await authorize(2)).toBe(3);
      const { rows } = await sql<{ statement: string }>`select statement
        from pg_prepared_statements`.execute(db);
      const prepared = rows.map((r) => r.statement);
      for (const sent of [
        /left join "vault_records"/,
        /^with recorded/,
        /^insert into "transactions"/,
      ])
        expect(prepared.filter((text) => sent.test(text.trim()))).toHaveLength(1);
    } finally {
      await db.destroy();
    }
  });
});
