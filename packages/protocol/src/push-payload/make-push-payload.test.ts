import { compactDecrypt, compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { PUSH_PAYLOAD_MAX_LIFETIME_SECONDS, PUSH_PAYLOAD_TYP } from '../api/push-payload.js';
import { buildDirectoryDocument, parseRegionsConfig } from '../directory/directory-config.js';
import type { Directory } from '../directory/directory.js';
import { signDirectory, verifyDirectory } from '../directory/directory-signature.js';
import { TYP, generateKeyPairJwk, type KeyPairJwk } from '../jose/index.js';
import { makePushPayload, readPushPayload, type PushPayloadInput } from './make-push-payload.js';

const YAML = `
regions:
  - { id: us, name: US, baseUrl: "http://127.0.0.1:7101", routing: [{ from: "400000", to: "449999" }], tokenRanges: [{ from: "489000", to: "489099" }] }
  - { id: cn, name: CN, baseUrl: "http://127.0.0.1:7103", routing: [{ from: "620000", to: "629999" }], tokenRanges: [{ from: "489200", to: "489299" }] }
`;
const CARD = {
  pan: '6200123456782015',
  expiry: { month: 12, year: 2030 },
  cvv: '321',
  name: 'Zhang San',
};
const JKT = 'A'.repeat(43);
const NOW = new Date('2030-01-01T00:00:00Z');
let directory: Directory;
let cnEncryption: KeyPairJwk;
let issuer: KeyPairJwk;

const input = (o: Partial<PushPayloadInput> = {}): PushPayloadInput => ({
  issuerId: 'bank-of-cn',
  issuerKey: issuer.privateJwk,
  directory,
  card: CARD,
  network: 'unionpay',
  deviceJkt: JKT,
  now: NOW,
  ...o,
});
const codeOf = (work: () => unknown): Promise<unknown> =>
  Promise.resolve()
    .then(work)
    .then(
      () => 'made',
      (e: unknown) => (e as { code?: unknown }).code,
    );

beforeAll(async () => {
  const keys = async (encryption?: KeyPairJwk) => ({
    signing: (await generateKeyPairJwk('sig')).publicJwk,
    encryption: (encryption ?? (await generateKeyPairJwk('enc'))).publicJwk,
    tsm: (await generateKeyPairJwk('sig')).publicJwk,
  });
  cnEncryption = await generateKeyPairJwk('enc');
  issuer = await generateKeyPairJwk('sig');
  const authority = await generateKeyPairJwk('sig');
  const doc = buildDirectoryDocument(
    parseRegionsConfig(YAML),
    new Map([
      ['us', await keys()],
      ['cn', await keys(cnEncryption)],
    ]),
    { serial: 1, issuedAt: Math.floor(NOW.getTime() / 1000) - 60 },
  );
  directory = await verifyDirectory(
    await signDirectory(doc, authority.privateJwk),
    authority.publicJwk,
  );
});

describe('makePushPayload', () => {
  it("signs, for the card's region, the card sealed to that region's directory key", async () => {
    const made = await makePushPayload(input());
    expect(made).toMatchObject({
      region: 'cn',
      last4: '2015',
      encryptedTo: cnEncryption.publicJwk.kid,
    });
    expect(made.expiresAt.getTime() - NOW.getTime()).toBe(300_000);
    const { payload, protectedHeader } = await compactVerify(
      made.payload,
      await importJWK(issuer.publicJwk, 'ES256'),
    );
    expect(protectedHeader).toMatchObject({
      alg: 'ES256',
      typ: PUSH_PAYLOAD_TYP,
      kid: issuer.publicJwk.kid,
    });
    const claims = readPushPayload(made.payload);
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(claims);
    expect(claims).toMatchObject({
      iss: 'bank-of-cn',
      aud: 'cn',
      cnf: { jkt: JKT },
      card: { routingPrefix: '62001234', last4: '2015', network: 'unionpay' },
    });
    // In clear: the routing facts only. The card itself opens with cn's key alone.
    expect(made.payload).not.toContain(CARD.pan);
    expect(decodeProtectedHeader(claims.cardDetails)).toMatchObject({ typ: TYP.cardDetails });
    const opened = await compactDecrypt(
      claims.cardDetails,
      await importJWK(cnEncryption.privateJwk, 'ECDH-ES+A256KW'),
    );
    expect(JSON.parse(new TextDecoder().decode(opened.plaintext))).toEqual(CARD);
  });

  it('makes a new single-use id each time', async () => {
    const [a, b] = await Promise.all([makePushPayload(input()), makePushPayload(input())]);
    expect(a.jti).not.toBe(b.jti);
  });

  it('refuses a card no region routes, a bad account reference and a long life', async () => {
    expect(
      await codeOf(() => makePushPayload(input({ card: { ...CARD, pan: '9999990000000006' } }))),
    ).toBe('ROUTING_PREFIX_UNKNOWN');
    expect(
      await codeOf(() => makePushPayload(input({ card: { ...CARD, pan: '6200123456782016' } }))),
    ).toBe('VALIDATION_FAILED');
    expect(await codeOf(() => makePushPayload(input({ deviceJkt: 'jane@example.com' })))).toBe(
      'VALIDATION_FAILED',
    );
    expect(
      await codeOf(() =>
        makePushPayload(input({ lifetimeSeconds: PUSH_PAYLOAD_MAX_LIFETIME_SECONDS + 1 })),
      ),
    ).toBe('VALIDATION_FAILED');
  });
});

describe('readPushPayload', () => {
  it('refuses what is not a push payload, before anything is sent', async () => {
    expect(await codeOf(() => readPushPayload('not a jwt'))).toBe('PUSH_PAYLOAD_INVALID');
    const made = await makePushPayload(input());
    const [h, p, s] = made.payload.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const noCard = { ...claims, card: undefined };
    const bad = `${h}.${Buffer.from(JSON.stringify(noCard)).toString('base64url')}.${s}`;
    expect(await codeOf(() => readPushPayload(bad))).toBe('PUSH_PAYLOAD_INVALID');
  });
});
