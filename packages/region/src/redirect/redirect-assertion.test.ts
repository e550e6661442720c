import { createHmac, createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildDirectoryDocument,
  generateKeyPairJwk,
  isDomicileError,
  jwkThumbprint,
  parseRegionsConfig,
  signDirectory,
  signJson,
  verifyDirectory,
  TYP,
  type Directory,
  type ErrorCode,
  type PrivateJwk,
} from '@domicile/protocol';
import { verifyRedirectAssertion } from '../request-auth/index.js';
import { issueRedirectAssertion, pairwisePseudonym } from './redirect-assertion.js';
import { FileJwsSigner } from '../keys/index.js';

const YAML = `
regions:
  - { id: us, name: US, baseUrl: "http://127.0.0.1:7101", routing: [{ from: "400000", to: "449999" }], tokenRanges: [{ from: "489000", to: "489099" }] }
  - { id: eu, name: EU, baseUrl: "http://127.0.0.1:7102", routing: [{ from: "450000", to: "479999" }], tokenRanges: [{ from: "489100", to: "489199" }] }
  - { id: cn, name: CN, baseUrl: "http://127.0.0.1:7103", routing: [{ from: "620000", to: "629999" }], tokenRanges: [{ from: "489200", to: "489299" }] }
`;

async function setup(): Promise<{
  directory: Directory;
  signing: Map<string, PrivateJwk>;
  jkt: string;
}> {
  const authority = await generateKeyPairJwk('sig');
  const signing = new Map<string, PrivateJwk>();
  const keys = new Map();
  for (const id of ['us', 'eu', 'cn']) {
    const [s, e, t] = await Promise.all([
      generateKeyPairJwk('sig'),
      generateKeyPairJwk('enc'),
      generateKeyPairJwk('sig'),
    ]);
    signing.set(id, s.privateJwk);
    keys.set(id, { signing: s.publicJwk, encryption: e.publicJwk, tsm: t.publicJwk });
  }
  const doc = buildDirectoryDocument(parseRegionsConfig(YAML), keys, { serial: 1 });
  const directory = await verifyDirectory(
    await signDirectory(doc, authority.privateJwk),
    authority.publicJwk,
  );
  const device = await generateKeyPairJwk('sig');
  return { directory, signing, jkt: await jwkThumbprint(device.publicJwk) };
}

const message = { routingPrefix: '62123456', last4: '0005' };
const standing = { registeredSince: 1_700_000_000, activeCredentials: 1, canTransact: true };

describe('redirect assertion', () => {
  it('is issued by the home region and accepted by its audience for the bound device and message', async () => {
    const { directory, signing, jkt } = await setup();
    const now = new Date();
    const { assertion, expiresAt } = await issueRedirectAssertion({
      homeRegion: 'us',
      targetRegion: 'cn',
      signer: new FileJwsSigner(signing.get('us') as PrivateJwk),
      subject: pairwisePseudonym(createSecretKey(Buffer.alloc(32, 1)), 'acct', 'cn'),
      deviceJkt: jkt,
      message,
      standing,
      now,
    });
    expect(expiresAt.getTime() - now.getTime()).toBeLessThanOrEqual(300_000);
    const { claims } = await verifyRedirectAssertion({
      assertion,
      directory,
      self: 'cn',
      deviceJkt: jkt,
      message,
      now,
    });
    expect(claims).toMatchObject({ iss: 'us', aud: 'cn', cnf: { jkt } });
  });

  it('gives one user different pseudonyms towards different regions', () => {
    const key = createSecretKey(Buffer.alloc(32, 7));
    expect(pairwisePseudonym(key, 'a', 'cn')).toBe(pairwisePseudonym(key, 'a', 'cn'));
    expect(pairwisePseudonym(key, 'a', 'cn')).not.toBe(pairwisePseudonym(key, 'a', 'eu'));
  });

  // Guest accounts in other regions are found by pseudonym: the KeyObject must give the bytes
  // the raw key gave.
  it('gives, under a KeyObject, the pseudonym the raw key gave', () => {
    const raw = Buffer.alloc(32, 7);
    const pseudonym = pairwisePseudonym(createSecretKey(raw), 'acct-1', 'cn');
    expect(pseudonym).toBe(
      createHmac('sha256', raw).update('redirect-subject\u0000acct-1\u0000cn').digest('base64url'),
    );
    expect(pseudonym).toBe('r8TPJ_cgwjxxxOtNiwcsUCk8urSSyfwbjpIwmoD07gA');
  });

  const cases: [
    string,
    ErrorCode,
    (s: Awaited<ReturnType<typeof setup>>) => Promise<{
      assertion: string;
      self?: string;
      jkt?: string;
      msg?: typeof message;
      now?: Date;
    }>,
  ][] = [
    [
      'forged by a key the directory does not list',
      'ASSERTION_INVALID',
      async (s) => {
        const rogue = await generateKeyPairJwk('sig');
        return {
          assertion: (
            await issue(s, {
              signer: new FileJwsSigner({
                ...rogue.privateJwk,
                kid: (s.signing.get('us') as PrivateJwk).kid,
              }),
            })
          ).assertion,
        };
      },
    ],
    [
      'signed by another region than its iss',
      'ASSERTION_INVALID',
      async (s) => ({
        assertion: (
          await issue(s, { signer: new FileJwsSigner(s.signing.get('eu') as PrivateJwk) })
        ).assertion,
      }),
    ],
    [
      'for another audience',
      'ASSERTION_AUDIENCE',
      async (s) => ({ assertion: (await issue(s, { targetRegion: 'eu' })).assertion }),
    ],
    [
      'expired',
      'ASSERTION_EXPIRED',
      async (s) => ({
        assertion: (await issue(s, {})).assertion,
        now: new Date(Date.now() + 10 * 60_000),
      }),
    ],
    [
      'bound to another device key',
      'ASSERTION_KEY_MISMATCH',
      async (s) => ({ assertion: (await issue(s, {})).assertion, jkt: 'x'.repeat(43) }),
    ],
    [
      'for another message',
      'ASSERTION_MESSAGE_MISMATCH',
      async (s) => ({
        assertion: (await issue(s, {})).assertion,
        msg: { routingPrefix: '62123456', last4: '9999' },
      }),
    ],
    [
      'with a wrong typ',
      'ASSERTION_INVALID',
      async (s) => ({
        assertion: await signJson(
          { iss: 'us', aud: 'cn' },
          s.signing.get('us') as PrivateJwk,
          TYP.directory,
        ),
      }),
    ],
    [
      'for a user who cannot transact',
      'ACCOUNT_CANNOT_TRANSACT',
      async (s) => ({
        assertion: (await issue(s, { standing: { ...standing, canTransact: false } })).assertion,
      }),
    ],
    [
      'that is not a JWT at all',
      'ASSERTION_INVALID',
      () => Promise.resolve({ assertion: 'not-a-jwt-at-all-really' }),
    ],
  ];

  for (const [name, code, make] of cases) {
    it(`refuses one ${name}`, async () => {
      const s = await setup();
      const c = await make(s);
      await expect(
        verifyRedirectAssertion({
          assertion: c.assertion,
          directory: s.directory,
          self: c.self ?? 'cn',
          deviceJkt: c.jkt ?? s.jkt,
          message: c.msg ?? message,
          now: c.now ?? new Date(),
        }),
      ).rejects.toSatisfy((e) => isDomicileError(e, code));
    });
  }
});

function issue(
  s: Awaited<ReturnType<typeof setup>>,
  over: Partial<Parameters<typeof issueRedirectAssertion>[0]>,
): ReturnType<typeof issueRedirectAssertion> {
  return issueRedirectAssertion({
    homeRegion: 'us',
    targetRegion: 'cn',
    signer: new FileJwsSigner(s.signing.get('us') as PrivateJwk),
    subject: 'subject-0123456789abcdef',
    deviceJkt: s.jkt,
    message,
    standing,
    now: new Date(),
    ...over,
  });
}
