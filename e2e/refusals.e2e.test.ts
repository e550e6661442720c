import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateKeyPairJwk,
  signJson,
  TYP,
  encryptJson,
  type PrivateJwk,
  type PublicJwk,
  definedProps,
} from '@domicile/protocol';
import { readRegionKeys, type LocalDeployment } from '@domicile/cli';
import type { TestCard } from '@domicile/region';
import { startE2eDeployment, testCard } from './testing/e2e-deployment.js';
import { createRawDevice, errorCode, type RawDevice } from './testing/raw-device.js';

let deployment: LocalDeployment & { cleanup(): Promise<void> };
let url: (region: string) => string;

beforeAll(async () => {
  deployment = await startE2eDeployment();
  url = (region) => deployment.baseUrl(region);
});
afterAll(async () => {
  await deployment.cleanup();
});

async function registered(region = 'us'): Promise<RawDevice> {
  const device = await createRawDevice();
  const res = await device.call(url(region), 'POST', '/v1/accounts', {
    name: 'Refusal Tester',
    email: 'refusals@example.com',
    device: { encryptionKey: device.encryption.publicJwk },
  });
  expect(res.status).toBe(201);
  return device;
}

function messageFor(
  device: RawDevice,
  card: TestCard,
  redirectAssertion?: string,
): Record<string, unknown> {
  return {
    routingPrefix: card.pan.slice(0, 8),
    last4: card.pan.slice(-4),
    network: card.network,
    device: { encryptionKey: device.encryption.publicJwk },
    ...definedProps({ redirectAssertion }),
  };
}

async function redirectFor(device: RawDevice, card: TestCard): Promise<string> {
  const res = await device.call(url('us'), 'POST', '/v1/provisioning', messageFor(device, card));
  expect(res.body).toMatchObject({
    outcome: 'redirect',
    redirect: { region: card.region, baseUrl: url(card.region) },
  });
  return (res.body.redirect as { assertion: string }).assertion;
}

/** Opens a session at the card's region through the redirect and accepts the terms. */
async function sessionAtTarget(device: RawDevice, card: TestCard): Promise<string> {
  const opened = await device.call(
    url(card.region),
    'POST',
    '/v1/provisioning',
    messageFor(device, card, await redirectFor(device, card)),
  );
  expect(opened.status).toBe(201);
  const sessionId = (opened.body.session as { id: string }).id;
  const elig = await device.call(
    url(card.region),
    'POST',
    `/v1/provisioning/${sessionId}/eligibility`,
    {},
  );
  const terms = elig.body.terms as { id: string; hash: string };
  expect(
    (
      await device.call(url(card.region), 'POST', `/v1/provisioning/${sessionId}/terms`, {
        termsId: terms.id,
        hash: terms.hash,
        accepted: true,
      })
    ).status,
  ).toBe(200);
  return sessionId;
}

const cnYellow = testCard('cn', 'yellow');
const cnGreen = testCard('cn', 'green');

describe('redirect assertions (real regions)', () => {
  it('refuses a forged assertion', async () => {
    const device = await registered();
    const real = await redirectFor(device, cnGreen);
    const rogue = await generateKeyPairJwk('sig');
    const usKid = (await readRegionKeys(deployment.dir, 'us')).signing.kid;
    const forged = await signJson(
      decodeJwt(real),
      { ...rogue.privateJwk, kid: usKid },
      TYP.redirectAssertion,
    );
    const res = await device.call(
      url('cn'),
      'POST',
      '/v1/provisioning',
      messageFor(device, cnGreen, forged),
    );
    expect([res.status, errorCode(res)]).toEqual([401, 'ASSERTION_INVALID']);
  });

  it('refuses an assertion presented to a region other than its audience', async () => {
    const device = await registered();
    const assertion = await redirectFor(device, cnGreen);
    const res = await device.call(
      url('eu'),
      'POST',
      '/v1/provisioning',
      messageFor(device, cnGreen, assertion),
    );
    expect([res.status, errorCode(res)]).toEqual([401, 'ASSERTION_AUDIENCE']);
  });

  it('refuses an expired assertion, even one signed by the real home region key', async () => {
    const device = await registered();
    const claims = decodeJwt(await redirectFor(device, cnGreen));
    const usKey = (await readRegionKeys(deployment.dir, 'us')).signing as PrivateJwk;
    const now = Math.floor(Date.now() / 1000);
    const expired = await signJson(
      { ...claims, iat: now - 600, exp: now - 300 },
      usKey,
      TYP.redirectAssertion,
    );
    const res = await device.call(
      url('cn'),
      'POST',
      '/v1/provisioning',
      messageFor(device, cnGreen, expired),
    );
    expect([res.status, errorCode(res)]).toEqual([401, 'ASSERTION_EXPIRED']);
  });

  it('refuses a replayed assertion', async () => {
    const device = await registered();
    const assertion = await redirectFor(device, cnGreen);
    expect(
      (
        await device.call(
          url('cn'),
          'POST',
          '/v1/provisioning',
          messageFor(device, cnGreen, assertion),
        )
      ).status,
    ).toBe(201);
    const again = await device.call(
      url('cn'),
      'POST',
      '/v1/provisioning',
      messageFor(device, cnGreen, assertion),
    );
    expect([again.status, errorCode(again)]).toEqual([401, 'ASSERTION_REPLAYED']);
  });

  it('refuses an assertion presented by another device', async () => {
    const owner = await registered();
    const thief = await createRawDevice();
    const assertion = await redirectFor(owner, cnGreen);
    const res = await thief.call(
      url('cn'),
      'POST',
      '/v1/provisioning',
      messageFor(thief, cnGreen, assertion),
    );
    expect([res.status, errorCode(res)]).toEqual([401, 'ASSERTION_KEY_MISMATCH']);
  });
});

describe('device proofs (real regions)', () => {
  it('refuses a replayed DPoP proof', async () => {
    const device = await registered();
    const proof = await device.proof('GET', `${url('us')}/v1/credentials`);
    expect(
      (await device.call(url('us'), 'GET', '/v1/credentials', undefined, { proof })).status,
    ).toBe(200);
    const again = await device.call(url('us'), 'GET', '/v1/credentials', undefined, { proof });
    expect([again.status, errorCode(again)]).toEqual([401, 'DPOP_REPLAYED']);
  });

  it('refuses a proof by a key the region does not know, and one made for another region', async () => {
    const stranger = await createRawDevice();
    const unknown = await stranger.call(url('us'), 'GET', '/v1/credentials');
    expect([unknown.status, errorCode(unknown)]).toEqual([401, 'DEVICE_UNKNOWN']);
    const device = await registered();
    const proofForEu = await device.proof('GET', `${url('eu')}/v1/credentials`);
    const res = await device.call(url('us'), 'GET', '/v1/credentials', undefined, {
      proof: proofForEu,
    });
    expect([res.status, errorCode(res)]).toEqual([401, 'DPOP_INVALID']);
  });
});

describe('provisioning session refusals (real regions)', () => {
  it("refuses card details encrypted to another region's key, without decrypting them", async () => {
    const device = await registered();
    const sessionId = await sessionAtTarget(device, cnGreen);
    const usEncryption = deployment.regions.get('us')?.context.self.keys.encryption as PublicJwk;
    const cardDetails = await encryptJson(
      { pan: cnGreen.pan, expiry: cnGreen.expiry, cvv: cnGreen.cvv, name: cnGreen.name },
      usEncryption,
      TYP.cardDetails,
    );
    const res = await device.call(url('cn'), 'POST', `/v1/provisioning/${sessionId}/card`, {
      cardDetails,
    });
    expect([res.status, errorCode(res)]).toEqual([422, 'CARD_DETAILS_WRONG_REGION']);
    expect(JSON.stringify(res.body)).not.toContain(cnGreen.pan);
  });

  it('locks ID&V after three wrong codes, and the right code no longer helps', async () => {
    const device = await registered();
    const sessionId = await sessionAtTarget(device, cnYellow);
    const cnEncryption = deployment.regions.get('cn')?.context.self.keys.encryption as PublicJwk;
    const cardDetails = await encryptJson(
      { pan: cnYellow.pan, expiry: cnYellow.expiry, cvv: cnYellow.cvv, name: cnYellow.name },
      cnEncryption,
      TYP.cardDetails,
    );
    const card = await device.call(url('cn'), 'POST', `/v1/provisioning/${sessionId}/card`, {
      cardDetails,
    });
    const methods = (card.body.session as { idvMethods: { id: string }[] }).idvMethods;
    const method = methods[0]?.id ?? '';
    expect(
      (await device.call(url('cn'), 'POST', `/v1/provisioning/${sessionId}/idv`, { method }))
        .status,
    ).toBe(200);
    const outbox = await fetch(
      `${url('cn')}/v1/sandbox/outbox?last4=${cnYellow.pan.slice(-4)}`,
    ).then((r) => r.json() as Promise<{ messages: { code: string }[] }>);
    const code = outbox.messages[0]?.code ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(
        await device.call(url('cn'), 'POST', `/v1/provisioning/${sessionId}/idv/verify`, {
          code: wrong,
        }),
      );
    expect(
      answers.map((a) => [
        a.status,
        errorCode(a),
        (a.body.error as { details?: { triesLeft?: number } }).details?.triesLeft,
      ]),
    ).toEqual([
      [422, 'IDV_CODE_INVALID', 2],
      [422, 'IDV_CODE_INVALID', 1],
      [423, 'IDV_LOCKED', undefined],
    ]);
    const right = await device.call(url('cn'), 'POST', `/v1/provisioning/${sessionId}/idv/verify`, {
      code,
    });
    expect([right.status, errorCode(right)]).toEqual([423, 'IDV_LOCKED']);
    const tokenize = await device.call(
      url('cn'),
      'POST',
      `/v1/provisioning/${sessionId}/tokenize`,
      {},
    );
    expect(errorCode(tokenize)).toBe('SESSION_STATE');
  });

  it('refuses a card no region serves', async () => {
    const device = await registered();
    const res = await device.call(url('us'), 'POST', '/v1/provisioning', {
      routingPrefix: '99999999',
      last4: '0000',
      network: 'visa',
      device: { encryptionKey: device.encryption.publicJwk },
    });
    expect([res.status, errorCode(res)]).toEqual([404, 'ROUTING_PREFIX_UNKNOWN']);
  });
});

describe('malformed requests (real regions)', () => {
  it('refuses malformed JSON', async () => {
    const device = await registered();
    const res = await device.call(url('us'), 'POST', '/v1/provisioning', undefined, {
      rawBody: '{"routingPrefix": "4111',
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'MALFORMED_JSON']);
  });

  it('refuses an oversized body', async () => {
    const device = await registered();
    const res = await device.call(url('us'), 'POST', '/v1/provisioning', {
      padding: 'x'.repeat(100_000),
    });
    expect([res.status, errorCode(res)]).toEqual([413, 'BODY_TOO_LARGE']);
  });

  it('refuses unknown fields instead of ignoring them, naming the field and not echoing values', async () => {
    const device = await registered();
    const res = await device.call(url('us'), 'POST', '/v1/provisioning', {
      ...messageFor(device, cnGreen),
      pan: cnGreen.pan,
    });
    expect([res.status, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body).toMatchObject({ error: { details: { field: 'body/pan' } } });
    expect(JSON.stringify(res.body)).not.toContain(cnGreen.pan);
  });
});
