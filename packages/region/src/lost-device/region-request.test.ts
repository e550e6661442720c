import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  generateKeyPairJwk,
  isDomicileError,
  signJson,
  verifyDirectory,
  type Directory,
  type PrivateJwk,
} from '@domicile/protocol';
import { activePrivateJwk, type RegionKeySet } from '../keys/index.js';
import { createRegionFixture } from '../testing/region-fixture.js';
import { verifyLostDeviceRequest } from '../request-auth/index.js';
import {
  signLostDeviceConfirmation,
  signLostDeviceRequest,
  verifyLostDeviceConfirmation,
} from './region-request.js';
import { FileJwsSigner } from '../keys/index.js';

let directory: Directory;
let keys: (region: string) => PrivateJwk;
const now = new Date('2030-01-01T00:00:00Z');
const ask = { reportId: 'report-0123456789', pseudonym: 'p'.repeat(43), deviceJkt: 'j'.repeat(43) };

beforeAll(async () => {
  const fixture = await createRegionFixture();
  directory = await verifyDirectory(fixture.directoryJws, fixture.authorityKey);
  keys = (region) => activePrivateJwk(fixture.keys.get(region) as RegionKeySet, 'signing');
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isDomicileError(error) ? error.code : `not a DomicileError: ${String(error)}`;
}

describe('region-to-region requests', () => {
  it("verify with the issuer's directory key, and the confirmation binds to the request", async () => {
    const { jws, claims } = await signLostDeviceRequest({
      ...ask,
      home: 'us',
      target: 'cn',
      signer: new FileJwsSigner(keys('us')),
      now,
    });
    const { claims: received } = await verifyLostDeviceRequest({
      jws,
      directory,
      self: 'cn',
      now,
    });
    expect(received).toEqual(claims);
    expect(received).toMatchObject({ iss: 'us', aud: 'cn', ...ask });

    const confirmation = await signLostDeviceConfirmation({
      request: received,
      suspended: 2,
      signer: new FileJwsSigner(keys('cn')),
      now,
    });
    expect(
      await verifyLostDeviceConfirmation({ jws: confirmation, directory, request: claims }),
    ).toMatchObject({
      iss: 'cn',
      aud: 'us',
      reportId: ask.reportId,
      requestJti: claims.jti,
      suspended: 2,
    });
  });

  it('refuse a request signed by a key the directory does not list for its issuer', async () => {
    const stranger = await generateKeyPairJwk('sig');
    const forged = await signLostDeviceRequest({
      ...ask,
      home: 'us',
      target: 'cn',
      signer: new FileJwsSigner({ ...stranger.privateJwk, kid: keys('us').kid }),
      now,
    });
    expect(
      await refusal(verifyLostDeviceRequest({ jws: forged.jws, directory, self: 'cn', now })),
    ).toBe('REGION_REQUEST_INVALID');
    // Signed by eu's real key while claiming to be us.
    const impostor = await signLostDeviceRequest({
      ...ask,
      home: 'us',
      target: 'cn',
      signer: new FileJwsSigner(keys('eu')),
      now,
    });
    expect(
      await refusal(verifyLostDeviceRequest({ jws: impostor.jws, directory, self: 'cn', now })),
    ).toBe('REGION_REQUEST_INVALID');
  });

  it("refuse another region's audience, its own name as issuer, an expired request and a wrong typ", async () => {
    const forEu = await signLostDeviceRequest({
      ...ask,
      home: 'us',
      target: 'eu',
      signer: new FileJwsSigner(keys('us')),
      now,
    });
    expect(
      await refusal(verifyLostDeviceRequest({ jws: forEu.jws, directory, self: 'cn', now })),
    ).toBe('REGION_REQUEST_AUDIENCE');
    const fromSelf = await signLostDeviceRequest({
      ...ask,
      home: 'cn',
      target: 'cn',
      signer: new FileJwsSigner(keys('cn')),
      now,
    });
    expect(
      await refusal(verifyLostDeviceRequest({ jws: fromSelf.jws, directory, self: 'cn', now })),
    ).toBe('REGION_REQUEST_INVALID');
    const old = await signLostDeviceRequest({
      ...ask,
      home: 'us',
      target: 'cn',
      signer: new FileJwsSigner(keys('us')),
      now: new Date(now.getTime() - 600_000),
    });
    expect(
      await refusal(verifyLostDeviceRequest({ jws: old.jws, directory, self: 'cn', now })),
    ).toBe('REGION_REQUEST_EXPIRED');
    const asAssertion = await signJson(forEu.claims, keys('us'), 'domicile-redirect+jwt');
    expect(
      await refusal(verifyLostDeviceRequest({ jws: asAssertion, directory, self: 'eu', now })),
    ).toBe('REGION_REQUEST_INVALID');
  });

  it('refuse a request that lives longer than the protocol allows', async () => {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: api.LostDeviceRequestClaims = {
      iss: 'us',
      aud: 'cn',
      iat,
      exp: iat + 3600,
      jti: 'j'.repeat(24),
      ...ask,
    };
    const jws = await signJson(claims, keys('us'), api.REGION_REQUEST_TYP);
    expect(await refusal(verifyLostDeviceRequest({ jws, directory, self: 'cn', now }))).toBe(
      'REGION_REQUEST_INVALID',
    );
  });

  it('refuse a confirmation for another request, or signed by a region that was not asked', async () => {
    const first = await signLostDeviceRequest({
      ...ask,
      home: 'us',
      target: 'cn',
      signer: new FileJwsSigner(keys('us')),
      now,
    });
    const second = await signLostDeviceRequest({
      ...ask,
      home: 'us',
      target: 'cn',
      signer: new FileJwsSigner(keys('us')),
      now,
    });
    const forFirst = await signLostDeviceConfirmation({
      request: first.claims,
      suspended: 1,
      signer: new FileJwsSigner(keys('cn')),
      now,
    });
    expect(
      await refusal(
        verifyLostDeviceConfirmation({ jws: forFirst, directory, request: second.claims }),
      ),
    ).toBe('REGION_CONFIRMATION_INVALID');
    const byEu = await signLostDeviceConfirmation({
      request: { ...first.claims, aud: 'eu' },
      suspended: 1,
      signer: new FileJwsSigner(keys('eu')),
      now,
    });
    expect(
      await refusal(verifyLostDeviceConfirmation({ jws: byEu, directory, request: first.claims })),
    ).toBe('REGION_CONFIRMATION_INVALID');
  });
});
