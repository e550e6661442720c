import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import {
  CompactEncrypt,
  CompactSign,
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  type JWK,
} from 'jose';
import { describe, expect, it } from 'vitest';
import {
  TYP,
  decryptText,
  encryptJson,
  generateKeyPairJwk,
  signJson,
  verifyJson,
} from './index.js';
import {
  KEY_CACHE_SIZE,
  concatKdf,
  fastJose,
  keyWrap,
  nodeJose,
  publicKeyObject,
} from './node-jose.js';

const fast = nodeJose;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** RFC 7515 Appendix A.3: an ES256 JWS and its key (the header is {"alg":"ES256"}). */
const RFC7515_A3 = {
  jwk: {
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
  },
  jws:
    'eyJhbGciOiJFUzI1NiJ9' +
    '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
    '.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
};

/** RFC 7518 Appendix C: Alice's ephemeral key, Bob's key, Z, and the derived A128GCM key. */
const RFC7518_C = {
  alice: {
    kty: 'EC',
    crv: 'P-256',
    x: 'gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0',
    y: 'SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps',
    d: '0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo',
  },
  bob: {
    kty: 'EC',
    crv: 'P-256',
    x: 'weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ',
    y: 'e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck',
    d: 'VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw',
  },
  z: [
    158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163,
    218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196,
  ],
  derived: 'VqqN6vgjbSBcIijNcacQGg',
};

/** RFC 3394 §4.6: 256 bits of key data wrapped with a 256-bit KEK. */
const RFC3394_4_6 = {
  kek: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
  data: '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F',
  wrapped: '28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21',
};

const joseKey = (jwk: JWK, alg: string) => importJWK(jwk, alg);

describe('JOSE on node:crypto, against jose', () => {
  it('is the path signJson, verifyJson, encryptJson and decryptText take in Node', () => {
    expect(fastJose).toBe(nodeJose);
  });

  it('verifies the ES256 JWS of RFC 7515 Appendix A.3 with its key, as jose does', async () => {
    const { kty, crv, x, y } = RFC7515_A3.jwk;
    const { header, payload } = fast.verifyCompact(RFC7515_A3.jws, () => ({ kty, crv, x, y }));
    expect(header).toEqual({ alg: 'ES256' });
    expect(JSON.parse(decoder.decode(payload))).toEqual({
      iss: 'joe',
      exp: 1300819380,
      'http://example.com/is_root': true,
    });
    const reference = await compactVerify(
      RFC7515_A3.jws,
      await joseKey({ kty, crv, x, y }, 'ES256'),
    );
    expect(Buffer.from(reference.payload)).toEqual(Buffer.from(payload));
  });

  it('signs what jose verifies, with the RFC 7515 A.3 key and a fresh one', async () => {
    const fresh = await generateKeyPairJwk('sig');
    for (const key of [RFC7515_A3.jwk, fresh.privateJwk]) {
      const jws = fast.signCompact({ alg: 'ES256', typ: TYP.dpop }, encoder.encode('{"n":1}'), key);
      const { kty, crv, x, y } = key;
      const verified = await compactVerify(jws, await joseKey({ kty, crv, x, y }, 'ES256'));
      expect(verified.protectedHeader).toEqual({ alg: 'ES256', typ: TYP.dpop });
      expect(decoder.decode(verified.payload)).toBe('{"n":1}');
    }
  });

  it('verifies what jose signs, and signJson writes the header jose writes', async () => {
    const { privateJwk, publicJwk } = await generateKeyPairJwk('sig');
    const header = { alg: 'ES256', typ: TYP.personalizationScript, kid: privateJwk.kid };
    const byJose = await new CompactSign(encoder.encode(JSON.stringify({ n: 2 })))
      .setProtectedHeader(header)
      .sign(await joseKey(privateJwk, 'ES256'));
    expect(await verifyJson(byJose, publicJwk, TYP.personalizationScript)).toEqual({ n: 2 });
    const byFast = await signJson({ n: 2 }, privateJwk, TYP.personalizationScript);
    expect(byFast.split('.').slice(0, 2)).toEqual(byJose.split('.').slice(0, 2));
  });

  it('derives the key of RFC 7518 Appendix C (ECDH-ES Concat KDF), from both sides', () => {
    const { alice, bob } = RFC7518_C;
    // The fast path's own import (from SPKI), which must be the key node:crypto reads from the JWK.
    const pub = ({ kty, crv, x, y }: typeof alice) => {
      const key = publicKeyObject({ kty, crv, x, y });
      expect(key.equals(createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' }))).toBe(true);
      return key;
    };
    const priv = (jwk: typeof alice) => createPrivateKey({ key: jwk, format: 'jwk' });
    const z1 = diffieHellman({ privateKey: priv(alice), publicKey: pub(bob) });
    const z2 = diffieHellman({ privateKey: priv(bob), publicKey: pub(alice) });
    expect([...z1]).toEqual(RFC7518_C.z);
    expect(z2).toEqual(z1);
    const derived = concatKdf(z1, 'A128GCM', 128, encoder.encode('Alice'), encoder.encode('Bob'));
    expect(derived.toString('base64url')).toBe(RFC7518_C.derived);
  });

  it('wraps and unwraps the key of RFC 3394 §4.6 (A256KW)', () => {
    const kek = Buffer.from(RFC3394_4_6.kek, 'hex');
    const wrapped = keyWrap('wrap', kek, Buffer.from(RFC3394_4_6.data, 'hex'));
    expect(wrapped.toString('hex').toUpperCase()).toBe(RFC3394_4_6.wrapped);
    expect(keyWrap('unwrap', kek, wrapped).toString('hex').toUpperCase()).toBe(RFC3394_4_6.data);
  });

  it('decrypts what jose encrypts, apu and apv included, and jose decrypts what it encrypts', async () => {
    const { privateJwk, publicJwk } = await generateKeyPairJwk('enc');
    const header = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', typ: TYP.cardDetails } as const;
    const byJose = await new CompactEncrypt(encoder.encode('{"pan":"x"}'))
      .setProtectedHeader(header)
      .setKeyManagementParameters({ apu: encoder.encode('Alice'), apv: encoder.encode('Bob') })
      .encrypt(await joseKey(publicJwk, 'ECDH-ES+A256KW'));
    expect(decodeProtectedHeader(byJose)).toMatchObject({ apu: 'QWxpY2U', apv: 'Qm9i' });
    expect(decoder.decode(fast.decryptCompact(byJose, privateJwk).plaintext)).toBe('{"pan":"x"}');

    const byFast = await encryptJson({ pan: 'y' }, publicJwk, TYP.cardDetails);
    const opened = await compactDecrypt(byFast, await joseKey(privateJwk, 'ECDH-ES+A256KW'), {
      keyManagementAlgorithms: ['ECDH-ES+A256KW'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    expect(opened.protectedHeader).toMatchObject({ ...header, kid: publicJwk.kid });
    expect(JSON.parse(decoder.decode(opened.plaintext))).toEqual({ pan: 'y' });
    expect(await decryptText(byFast, privateJwk, TYP.cardDetails, 'CARD_DETAILS_UNREADABLE')).toBe(
      '{"pan":"y"}',
    );
  });

  it('imports each key once, and keeps at most KEY_CACHE_SIZE, the least recently used out first', async () => {
    const { publicJwk } = await generateKeyPairJwk('sig');
    const first = publicKeyObject(publicJwk);
    expect(publicKeyObject({ ...publicJwk })).toBe(first);
    const { privateJwk: otherJwk } = await generateKeyPairJwk('sig');
    const other = publicKeyObject(otherJwk);
    for (let i = 0; i < KEY_CACHE_SIZE - 1; i++) {
      const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
        format: 'jwk',
      });
      publicKeyObject(jwk);
      // One key in constant use stays, whatever comes in meanwhile.
      if (i % 1000 === 0) expect(publicKeyObject(otherJwk)).toBe(other);
    }
    expect(publicKeyObject(otherJwk)).toBe(other);
    expect(publicKeyObject(publicJwk)).not.toBe(first);
  });
});
