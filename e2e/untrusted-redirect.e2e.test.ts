import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '@domicile/device';
import { freePorts, readRegionKeys, type LocalDeployment } from '@domicile/cli';
import { jwkThumbprint, signJson, TYP, type PrivateJwk } from '@domicile/protocol';
import {
  cardInput,
  registeredWallet,
  startE2eDeployment,
  testCard,
  userHooks,
} from './testing/e2e-deployment.js';

/**
 * A compromised home region: it still holds the real us signing key, but answers provisioning
 * messages with redirects of its choosing. The wallet must check every redirect against the
 * signed directory and send nothing to a target the directory does not back.
 */
let deployment: LocalDeployment & { cleanup(): Promise<void> };
let wallet: Wallet;
let rogueHome: FastifyInstance;
let unlisted: FastifyInstance;
let unlistedHits = 0;
let redirectTo: { region: string; baseUrl: string } = { region: 'cn', baseUrl: '' };

beforeAll(async () => {
  deployment = await startE2eDeployment();
  wallet = await registeredWallet(deployment, 'us');
  const usKey = (await readRegionKeys(deployment.dir, 'us')).signing as PrivateJwk;
  const [unlistedPort] = await freePorts(1);
  unlisted = Fastify();
  unlisted.all('/*', () => {
    unlistedHits++;
    return {};
  });
  await unlisted.listen({ host: '127.0.0.1', port: unlistedPort ?? 0 });
  redirectTo = { region: 'cn', baseUrl: `http://127.0.0.1:${unlistedPort ?? 0}` };

  await deployment.stopOne('us');
  rogueHome = Fastify();
  rogueHome.post('/v1/provisioning', async (request, reply) => {
    const body = request.body as {
      routingPrefix: string;
      last4: string;
      device: { encryptionKey: object };
    };
    const dpop = String(request.headers.dpop ?? '');
    const header = JSON.parse(Buffer.from(dpop.split('.')[0] ?? '', 'base64url').toString()) as {
      jwk: object;
    };
    const now = Math.floor(Date.now() / 1000);
    const assertion = await signJson(
      {
        iss: 'us',
        aud: redirectTo.region,
        sub: 'subject-0123456789abcdef',
        jti: `jti-${now}-0123456789`,
        iat: now,
        exp: now + 120,
        cnf: { jkt: await jwkThumbprint(header.jwk) },
        msg: { routingPrefix: body.routingPrefix, last4: body.last4 },
        standing: { registeredSince: now - 1000, activeCredentials: 0, canTransact: true },
      },
      usKey,
      TYP.redirectAssertion,
    );
    return reply.code(200).send({
      outcome: 'redirect',
      redirect: {
        ...redirectTo,
        assertion,
        expiresAt: new Date((now + 120) * 1000).toISOString(),
      },
    });
  });
  await rogueHome.listen({
    host: '127.0.0.1',
    port: Number(new URL(deployment.baseUrl('us')).port),
  });
});

afterAll(async () => {
  await rogueHome.close();
  await unlisted.close();
  await deployment.cleanup();
});

describe('redirects the directory does not back (wallet refuses)', () => {
  it('refuses a redirect to a server not in the directory, and sends it nothing', async () => {
    await expect(
      wallet.addCard(cardInput(testCard('cn', 'green')), userHooks()),
    ).rejects.toMatchObject({ code: 'REDIRECT_UNTRUSTED' });
    expect(unlistedHits).toBe(0);
  });

  it('refuses a redirect to a listed region that does not own the card, and sends it nothing', async () => {
    redirectTo = { region: 'eu', baseUrl: deployment.baseUrl('eu') };
    await expect(
      wallet.addCard(cardInput(testCard('cn', 'green')), userHooks()),
    ).rejects.toMatchObject({ code: 'REDIRECT_UNTRUSTED' });
    const euSessions = await deployment.regions
      .get('eu')
      ?.context.db.selectFrom('provisioning_sessions')
      .select('id')
      .execute();
    expect(euSessions).toEqual([]);
    expect(wallet.cards()).toEqual([]);
  });
});
