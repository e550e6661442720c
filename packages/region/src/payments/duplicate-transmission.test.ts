import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { api } from '@domicile/protocol';
import { SANDBOX_SPEND_LIMIT_MINOR } from '../issuer/index.js';
import type { Region } from '../region-server.js';
import { createTestPostgresDatabase } from '../testing/index.js';
import {
  createPaymentsFixture,
  paymentRequest,
  seedToken,
  signAuthorization,
  type PaymentsFixture,
  type SeededToken,
} from './payments.fixtures.js';

const GREEN = '4111111111111111';

// Never skipped silently: without a server the PostgreSQL tests fail, unless the skip is asked for.
const skipPostgres = process.env.DOMICILE_SKIP_PG === '1';

/** A database that outlives the region on it, so a test can restart the region as after a crash. */
interface Storage {
  readonly url: string;
  dispose(): Promise<void>;
}

async function sqliteFile(): Promise<Storage> {
  const dir = await mkdtemp(join(tmpdir(), 'domicile-resend-'));
  return { url: `sqlite:${join(dir, 'us.db')}`, dispose: () => rm(dir, { recursive: true }) };
}

async function postgres(): Promise<Storage> {
  const database = await createTestPostgresDatabase('domicile_resend');
  return { url: database.connectionString, dispose: () => database.drop() };
}

function describeDuplicateTransmission(name: string, open: () => Promise<Storage>, skip = false) {
  describe.skipIf(skip)(`duplicate transmission on ${name}`, () => {
    let fixture: PaymentsFixture;
    let storage: Storage;
    let us: Region;
    let token: SeededToken;
    let atc = 0;
    let sequence = 0;
    const nextRequest = (
      options: { amountMinor?: number } = {},
    ): api.AuthorizationRequest & { requestId: string } => ({
      ...paymentRequest(token, { atc: ++atc, ...options }),
      requestId: `ACQ1:20261201:${String(++sequence).padStart(6, '0')}`,
    });

    beforeAll(async () => {
      fixture = await createPaymentsFixture();
      storage = await open();
      us = await fixture.region('us', { databaseUrl: storage.url });
      token = await seedToken(us, GREEN);
    });
    afterAll(async () => {
      await us.close();
      await storage.dispose();
    });

    /** One transmission, as the router sends it: signed anew, with a fresh jti each time. */
    async function send(request: api.AuthorizationRequest) {
      const res = await us.app.inject({
        method: 'POST',
        url: '/v1/authorizations',
        payload: { authorization: await signAuthorization(fixture.network, request) },
      });
      return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
    }

    const rowsFor = (atcOf: number) =>
      us.context.db
        .selectFrom('transactions')
        .select(['id', 'approved', 'reason'])
        .where('credential_id', '=', token.credential.id)
        .where('atc', '=', atcOf)
        .execute();

    it('answers a resend of an approved request with the recorded decision and ARPC, asking no one again', async () => {
      const request = nextRequest();
      const first = await send(request);
      expect(first.body).toMatchObject({ approved: true, reason: 'approved', responseCode: '00' });
      // The acquirer never saw that answer: it resends the same request.
      const authorize = vi.spyOn(us.context.issuer, 'authorize');
      try {
        const resent = await send(request);
        expect(resent).toEqual(first);
        expect(authorize).not.toHaveBeenCalled();
      } finally {
        authorize.mockRestore();
      }
      expect(await rowsFor(atc)).toEqual([
        { id: first.body.authorizationId, approved: 1, reason: 'approved' },
      ]);
    });

    it('answers a resend of a declined request with the recorded decline', async () => {
      const request = nextRequest({ amountMinor: SANDBOX_SPEND_LIMIT_MINOR + 1 });
      const first = await send(request);
      expect(first.body).toMatchObject({ approved: false, reason: 'insufficient_funds' });
      expect(first.body.csu).toBe('00000000');
      expect(await send(request)).toEqual(first);
      expect(await rowsFor(atc)).toHaveLength(1);
    });

    it('refuses a resend whose content differs from the first transmission, and still answers the true resend', async () => {
      const request = nextRequest();
      const first = await send(request);
      const changed = {
        ...paymentRequest(token, { atc, amountMinor: 99_00 }),
        requestId: request.requestId,
      };
      const refused = await send(changed);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ error: { code: 'AUTHORIZATION_REQUEST_MISMATCH' } });
      // A new ATC under a reused request id: refused, and the ATC stays unclaimed.
      const later = { ...paymentRequest(token, { atc: atc + 1 }), requestId: request.requestId };
      expect((await send(later)).body).toMatchObject({
        error: { code: 'AUTHORIZATION_REQUEST_MISMATCH' },
      });
      expect(await send({ ...later, requestId: `${later.requestId}-new` })).toMatchObject({
        body: { approved: true, atc: atc + 1 },
      });
      atc += 1;
      expect(await send(request)).toEqual(first);
    });

    it('declines a new request that reuses an ATC as atc_replayed, with or without a request id', async () => {
      const request = nextRequest();
      expect((await send(request)).body.approved).toBe(true);
      const again = paymentRequest(token, { atc });
      expect((await send({ ...again, requestId: 'ACQ2:20261201:000001' })).body).toMatchObject({
        approved: false,
        reason: 'atc_replayed',
      });
      expect(again.requestId).toBeUndefined();
      expect((await send(again)).body.reason).toBe('atc_replayed');
      expect((await rowsFor(atc)).filter((r) => r.approved === 1)).toHaveLength(1);
    });

    it('decides a resend whose first transmission died after claiming the ATC, once, under its id', async () => {
      const request = nextRequest();
      // The region dies while the issuer decides: the ATC and the request are committed, no decision.
      const dying = vi
        .spyOn(us.context.issuer, 'authorize')
        .mockRejectedValueOnce(new Error('process killed'));
      expect((await send(request)).status).toBe(500);
      dying.mockRestore();
      expect(await rowsFor(atc)).toEqual([]);
      await us.close();
      us = await fixture.region('us', { databaseUrl: storage.url });
      const resent = await send(request);
      expect(resent.body).toMatchObject({ approved: true, reason: 'approved', atc });
      expect(await send(request)).toEqual(resent);
      expect(await rowsFor(atc)).toEqual([
        { id: resent.body.authorizationId, approved: 1, reason: 'approved' },
      ]);
    });

    it('gives a resend that arrives while the first is at the issuer the same answer, recorded once', async () => {
      const request = nextRequest();
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const realAuthorize = us.context.issuer.authorize.bind(us.context.issuer);
      const slow = vi
        .spyOn(us.context.issuer, 'authorize')
        .mockImplementationOnce(async (check) => {
          await gate;
          return realAuthorize(check);
        });
      try {
        const first = send(request);
        await vi.waitFor(() => expect(slow).toHaveBeenCalledOnce(), { timeout: 30_000 });
        const resent = await send(request);
        release();
        expect(await first).toEqual(resent);
        expect(resent.body.approved).toBe(true);
      } finally {
        slow.mockRestore();
      }
      expect(await rowsFor(atc)).toHaveLength(1);
    });
  });
}

describeDuplicateTransmission('a SQLite file', sqliteFile);
describeDuplicateTransmission('PostgreSQL', postgres, skipPostgres);
