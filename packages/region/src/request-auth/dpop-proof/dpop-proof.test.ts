import { generateProof } from 'dpop';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TYP,
  generateKeyPairJwk,
  isDomicileError,
  jwkThumbprint,
  toPublicJwk,
} from '@domicile/protocol';
import { openDatabase, type Database } from '../../storage/index.js';
import { FRESHNESS } from '../freshness.js';
import { describeSignedRequestContract } from '../signed-request.contract.js';
import { newJti } from '../signed-request.fixtures.js';
import { verifyDpopProof } from './dpop-proof.js';

const URL_ = 'http://127.0.0.1:7101/v1/provisioning';
let db: Kysely<Database>;

beforeEach(async () => {
  db = await openDatabase('sqlite::memory:');
});
afterEach(async () => {
  await db.destroy();
});

async function keypair(): Promise<Awaited<ReturnType<typeof generateKeyPair>>> {
  return generateKeyPair('ES256', { extractable: true });
}

const now = (): Date => new Date();
const rejectsWith = async (
  p: Promise<unknown>,
  code: Parameters<typeof isDomicileError>[1],
): Promise<void> => {
  await expect(p).rejects.toSatisfy((e) => isDomicileError(e, code));
};

describe('DPoP proof verification (RFC 9449 §4.3)', () => {
  it('accepts a fresh proof and returns the key thumbprint', async () => {
    const kp = await keypair();
    const proof = await generateProof(kp, URL_, 'POST');
    const result = await verifyDpopProof(db, { proof, method: 'POST', url: URL_, now: now() });
    expect(result.jkt).toBe(await jwkThumbprint(await exportJWK(kp.publicKey)));
  });

  it('refuses a replayed jti', async () => {
    const proof = await generateProof(await keypair(), URL_, 'POST');
    await verifyDpopProof(db, { proof, method: 'POST', url: URL_, now: now() });
    await rejectsWith(
      verifyDpopProof(db, { proof, method: 'POST', url: URL_, now: now() }),
      'DPOP_REPLAYED',
    );
  });

  it('refuses a proof for another method or URL', async () => {
    const kp = await keypair();
    await rejectsWith(
      verifyDpopProof(db, {
        proof: await generateProof(kp, URL_, 'GET'),
        method: 'POST',
        url: URL_,
        now: now(),
      }),
      'DPOP_INVALID',
    );
    await rejectsWith(
      verifyDpopProof(db, {
        proof: await generateProof(kp, 'http://127.0.0.1:7102/v1/provisioning', 'POST'),
        method: 'POST',
        url: URL_,
        now: now(),
      }),
      'DPOP_INVALID',
    );
  });

  it('accepts an htu that names the same URI in another form (RFC 9449 §4.3 check 9)', async () => {
    const kp = await keypair();
    for (const htu of [
      'HTTP://127.0.0.1:7101/v1/provisioning?step=1#top',
      'http://127.0.0.1:7101/v1/credentials/../provisioning',
    ]) {
      const proof = await generateProof(kp, htu, 'POST');
      await expect(
        verifyDpopProof(db, { proof, method: 'POST', url: URL_, now: now() }),
      ).resolves.toMatchObject({ jkt: await jwkThumbprint(await exportJWK(kp.publicKey)) });
    }
  });

  it('refuses a stale or future iat', async () => {
    const proof = await generateProof(await keypair(), URL_, 'POST');
    await rejectsWith(
      verifyDpopProof(db, {
        proof,
        method: 'POST',
        url: URL_,
        now: new Date(Date.now() + 120_000),
      }),
      'DPOP_INVALID',
    );
    await rejectsWith(
      verifyDpopProof(db, {
        proof,
        method: 'POST',
        url: URL_,
        now: new Date(Date.now() - 120_000),
      }),
      'DPOP_INVALID',
    );
  });

  it('refuses a proof signed by a key other than the one in its header', async () => {
    const shown = await keypair();
    const signer = await keypair();
    const forged = await new SignJWT({
      jti: 'abcdefghijklmnopqrstuvwxyz',
      htm: 'POST',
      htu: URL_,
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(shown.publicKey) })
      .sign(signer.privateKey);
    await rejectsWith(
      verifyDpopProof(db, { proof: forged, method: 'POST', url: URL_, now: now() }),
      'DPOP_INVALID',
    );
  });

  it('refuses a missing proof and one with a wrong typ', async () => {
    await rejectsWith(
      verifyDpopProof(db, { proof: undefined, method: 'POST', url: URL_, now: now() }),
      'DPOP_REQUIRED',
    );
    const kp = await keypair();
    const wrongTyp = await new SignJWT({
      jti: 'abcdefghijklmnopqrstuvwxyz',
      htm: 'POST',
      htu: URL_,
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: await exportJWK(kp.publicKey) })
      .sign(kp.privateKey);
    await rejectsWith(
      verifyDpopProof(db, { proof: wrongTyp, method: 'POST', url: URL_, now: now() }),
      'DPOP_INVALID',
    );
  });
});

describeSignedRequestContract({
  name: 'DPoP proof',
  setup: async () => {
    const database = await openDatabase('sqlite::memory:');
    const { privateJwk: key } = await generateKeyPairJwk('sig');
    const invalid = 'DPOP_INVALID';
    return {
      policy: FRESHNESS.dpopProof,
      codes: {
        invalid,
        unknownKey: invalid,
        audience: invalid,
        expired: invalid,
        future: invalid,
        replayed: 'DPOP_REPLAYED',
      },
      key,
      claims: (iat) => ({ jti: newJti(), htm: 'POST', htu: URL_, iat }),
      header: (signer) => ({ typ: TYP.dpop, jwk: toPublicJwk(signer) }),
      elsewhere: (claims) => ({ ...claims, htu: 'http://127.0.0.1:7102/v1/provisioning' }),
      // RFC 9449 §4.3 check 7: a proof whose header holds a private key is refused.
      stranger: async (claims) => {
        const { privateJwk } = await generateKeyPairJwk('sig');
        return { claims, key: privateJwk, header: { typ: TYP.dpop, jwk: privateJwk } };
      },
      submit: (proof, at) =>
        verifyDpopProof(database, { proof, method: 'POST', url: URL_, now: at }),
      close: () => database.destroy(),
    };
  },
});
