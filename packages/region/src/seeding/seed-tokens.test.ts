import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIssuerApplicationData,
  cardArqc,
  cvn18DataOf,
  iccMasterKey,
  isLuhnValid,
  jwkThumbprint,
  terminalElements,
  type JWK,
} from '@domicile/protocol';
import { TEST_CARDS } from '../issuer/index.js';
import { authorizeTransaction } from '../payments/index.js';
import type { Region } from '../region-server.js';
import { isUniqueViolation } from '../storage/index.js';
import { createRegionFixture } from '../testing/region-fixture.js';
import { seedTokenNumber, seedTokens, type SeedResult } from './index.js';

let region: Region;
let seeded: SeedResult;
const TOKENS = 40;

beforeAll(async () => {
  region = await (await createRegionFixture()).region('us');
  const { db, keys, self } = region.context;
  seeded = await seedTokens({ db, keys, region: self, tokens: TOKENS, tokensPerTransaction: 16 });
});
afterAll(async () => {
  await region.close();
});

describe('seedTokens', () => {
  it('writes one device and account per pair of green cards, and every row of each token', async () => {
    const { db } = region.context;
    const count = async (
      table:
        | 'accounts'
        | 'devices'
        | 'vault_records'
        | 'provisioning_sessions'
        | 'credentials'
        | 'credential_lifecycle',
    ) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const greens = TEST_CARDS.filter(
      (c) =>
        c.region === 'us' &&
        c.outcome === 'green' &&
        c.closedAccount !== true &&
        c.replaces === undefined,
    ).length;
    expect(await count('credentials')).toBe(TOKENS);
    expect(await count('vault_records')).toBe(TOKENS);
    expect(await count('provisioning_sessions')).toBe(TOKENS);
    expect(await count('credential_lifecycle')).toBe(TOKENS);
    expect(await count('devices')).toBe(Math.ceil(TOKENS / greens));
    expect(await count('accounts')).toBe(Math.ceil(TOKENS / greens));
    const perDevice = await db
      .selectFrom('credentials')
      .select(['device_id', 'pan_hash'])
      .execute();
    expect(new Set(perDevice.map((c) => `${c.device_id}:${c.pan_hash}`)).size).toBe(TOKENS);
  });

  it("gives each token its deterministic, Luhn-valid number in the region's token range, active at ATC 0", async () => {
    const { db, self } = region.context;
    const rows = await db
      .selectFrom('credentials')
      .select(['token_number', 'state', 'atc_last', 'psn', 'token_expiry'])
      .execute();
    const expected = Array.from({ length: TOKENS }, (_, i) => seedTokenNumber(self.tokenRanges, i));
    expect(rows.map((r) => r.token_number).sort()).toEqual([...expected].sort());
    expect(expected.every((n) => isLuhnValid(n) && n.startsWith('48900'))).toBe(true);
    expect(new Set(rows.map((r) => `${r.state}/${r.atc_last}/${r.psn}/${r.token_expiry}`))).toEqual(
      new Set([
        `active/0/${seeded.panSequenceNumber}/${String(seeded.tokenExpiry.month).padStart(2, '0')}/${seeded.tokenExpiry.year}`,
      ]),
    );
  });

  it("seals real vault records of the test cards, and devices whose jkt is their signing key's thumbprint", async () => {
    const { db, vault } = region.context;
    const credential = await db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    const card = await vault.open(db, credential.vault_record_id);
    expect(
      TEST_CARDS.some((c) => c.pan === card.pan && c.region === 'us' && c.outcome === 'green'),
    ).toBe(true);
    expect(card.pan.endsWith(credential.last4)).toBe(true);
    const device = await db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', credential.device_id)
      .executeTakeFirstOrThrow();
    expect(device.jkt).toBe(await jwkThumbprint(JSON.parse(device.signing_jwk) as JWK));
  });

  it('makes tokens the region authorizes: a genuine ARQC for a seeded token is approved', async () => {
    const ctx = region.context;
    const tokenNumber = seedTokenNumber(ctx.self.tokenRanges, 7);
    const emv = {
      ...terminalElements({
        amountMinor: 1_000,
        currency: '840',
        country: '840',
        date: new Date().toISOString().slice(0, 10),
        unpredictableNumber: randomBytes(4).toString('hex'),
      }),
      '82': '1800',
      '9F36': '0001',
      '9F10': buildIssuerApplicationData('in_store'),
    };
    const key = iccMasterKey({
      imk: Buffer.from(ctx.keys.secrets.issuerMasterKey, 'hex'),
      pan: tokenNumber,
      psn: seeded.panSequenceNumber,
    });
    const answer = await authorizeTransaction(ctx, {
      network: 'test-net',
      singleUse: {
        kind: 'network',
        scope: 'test-net',
        jti: randomBytes(16).toString('hex'),
        expiresAt: new Date(Date.now() + 60_000),
        replayed: 'AUTHORIZATION_REPLAYED',
      },
      request: {
        tokenNumber,
        tokenExpiry: seeded.tokenExpiry,
        panSequenceNumber: seeded.panSequenceNumber,
        cvn: 18,
        arqc: cardArqc({ iccMasterKey: key, atc: 1, data: cvn18DataOf(emv) })
          .toString('hex')
          .toUpperCase(),
        emv,
        channel: 'in_store',
        merchant: { id: 'seed-test', name: 'Seed Test' },
      },
    });
    expect(answer).toMatchObject({
      approved: true,
      reason: 'approved',
      tokenLast4: tokenNumber.slice(-4),
    });
  });

  it('seeds on from where the last run ended, and never twice the same token', async () => {
    const { db, keys, self } = region.context;
    await seedTokens({ db, keys, region: self, tokens: 4, first: TOKENS });
    expect(
      await db
        .selectFrom('credentials')
        .select('id')
        .where('token_number', '=', seedTokenNumber(self.tokenRanges, TOKENS + 3))
        .executeTakeFirst(),
    ).toBeDefined();
    await expect(seedTokens({ db, keys, region: self, tokens: 2, first: 0 })).rejects.toSatisfy(
      isUniqueViolation,
    );
  });
});

describe('seedTokenNumber', () => {
  it("counts up from the range's low bound and refuses what does not fit", () => {
    const ranges = [{ from: '489000', to: '489000' }];
    expect(seedTokenNumber(ranges, 0).slice(0, 15)).toBe('489000000000000');
    expect(seedTokenNumber(ranges, 10_000_123).slice(0, 15)).toBe('489000010000123');
    expect(() => seedTokenNumber(ranges, 100 * 10_000_000)).toThrow(RangeError);
    expect(() => seedTokenNumber([], 0)).toThrow(RangeError);
  });
});
