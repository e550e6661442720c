import { describe, expect, it } from 'vitest';
import { api, generateKeyPairJwk, isDomicileError, signJson } from '@domicile/protocol';
import { openDatabase } from '../../storage/index.js';
import { FRESHNESS } from '../freshness.js';
import { describeSignedRequestContract } from '../signed-request.contract.js';
import {
  AUTHORIZATION_REQUEST,
  TEST_NETWORK,
  newJti,
  signerDirectory,
} from '../signed-request.fixtures.js';
import { recordSingleUseId } from '../single-use-ids.js';
import { verifyNetworkAuthorization } from './network-authorization.js';

const NOW = new Date('2030-01-01T00:00:00.000Z');

describe('verifyNetworkAuthorization', () => {
  it('names the network, and a field of the signed request that breaks its schema', async () => {
    const { directory, network } = await signerDirectory();
    const claims = {
      iss: TEST_NETWORK,
      aud: 'us',
      iat: Math.floor(NOW.getTime() / 1000),
      jti: newJti(),
      request: AUTHORIZATION_REQUEST,
    };
    const verify = async (request: unknown) =>
      verifyNetworkAuthorization({
        jws: await signJson({ ...claims, request }, network.privateJwk, api.AUTHORIZATION_TYP),
        directory,
        self: 'us',
        now: NOW,
      });
    expect(await verify(AUTHORIZATION_REQUEST)).toMatchObject({
      network: TEST_NETWORK,
      request: AUTHORIZATION_REQUEST,
      singleUse: { kind: 'network', scope: TEST_NETWORK, jti: claims.jti },
    });
    await expect(verify({ ...AUTHORIZATION_REQUEST, cvn: 10 })).rejects.toSatisfy(
      (e) => isDomicileError(e, 'VALIDATION_FAILED') && e.details?.field === 'request/cvn',
    );
  });
});

describeSignedRequestContract({
  name: 'network authorization',
  setup: async () => {
    const { directory, network } = await signerDirectory();
    const db = await openDatabase('sqlite::memory:');
    const invalid = 'AUTHORIZATION_SIGNATURE_INVALID';
    return {
      policy: FRESHNESS.networkAuthorization,
      codes: {
        invalid,
        unknownKey: 'NETWORK_CLIENT_UNKNOWN',
        audience: invalid,
        expired: invalid,
        future: invalid,
        replayed: 'AUTHORIZATION_REPLAYED',
      },
      key: network.privateJwk,
      claims: (iat) => ({
        iss: TEST_NETWORK,
        aud: 'us',
        iat,
        jti: newJti(),
        request: AUTHORIZATION_REQUEST,
      }),
      header: (key) => ({ typ: api.AUTHORIZATION_TYP, kid: key.kid }),
      elsewhere: (claims) => ({ ...claims, aud: 'cn' }),
      stranger: async (claims) => ({
        claims: { ...claims, iss: 'other-net' },
        key: (await generateKeyPairJwk('sig')).privateJwk,
      }),
      submit: async (jws, now) => {
        const verified = await verifyNetworkAuthorization({ jws, directory, self: 'us', now });
        await recordSingleUseId(db, verified.singleUse);
      },
      close: () => db.destroy(),
    };
  },
});
