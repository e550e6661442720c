import { beforeAll, describe, expect, it } from 'vitest';
import { TYP, generateKeyPairJwk, signJson, type PrivateJwk, type api } from '@domicile/protocol';
import {
  checkRedirect,
  owningRegion,
  type RedirectCheck,
  type RedirectRefusal,
} from './redirect-policy.js';
import { makeTestDirectory, regionKeys, type TestDirectory } from './testing/test-directory.js';
import { thrown } from './testing/thrown.js';

const NOW = 1_900_000_000;
const DEVICE_JKT = 'A'.repeat(43);
const MESSAGE = { routingPrefix: '62123456', last4: '0005' };

let dir: TestDirectory;

beforeAll(async () => {
  dir = await makeTestDirectory();
});

function claims(overrides: Partial<api.RedirectAssertionClaims> = {}): api.RedirectAssertionClaims {
  return {
    iss: 'us',
    aud: 'cn',
    sub: 'pseudonym-0123456789',
    jti: 'assertion-0123456789',
    iat: NOW - 10,
    exp: NOW + 290,
    cnf: { jkt: DEVICE_JKT },
    msg: MESSAGE,
    standing: { registeredSince: NOW - 86_400, activeCredentials: 1, canTransact: true },
    ...overrides,
  };
}

async function check(
  options: {
    claims?: api.RedirectAssertionClaims;
    key?: PrivateJwk;
    typ?: string;
    region?: string;
    baseUrl?: string;
    message?: RedirectCheck['message'];
  } = {},
): Promise<unknown> {
  const assertion = await signJson(
    options.claims ?? claims(),
    options.key ?? regionKeys(dir, 'us').signing.privateJwk,
    options.typ ?? TYP.redirectAssertion,
  );
  return checkRedirect({
    directory: dir.directory,
    homeRegion: 'us',
    deviceJkt: DEVICE_JKT,
    now: NOW,
    message: options.message ?? MESSAGE,
    redirect: {
      region: options.region ?? 'cn',
      baseUrl: options.baseUrl ?? 'http://cn.test',
      assertion,
    },
  });
}

async function refusal(run: Promise<unknown>): Promise<RedirectRefusal | undefined> {
  const error: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'REDIRECT_UNTRUSTED' });
  return (error as { details?: { check?: RedirectRefusal } }).details?.check;
}

describe('checkRedirect', () => {
  it('follows a redirect the directory and the home region both vouch for', async () => {
    const target = await check();
    expect(target).toMatchObject({ id: 'cn', baseUrl: 'http://cn.test' });
  });

  it('accepts a trailing slash on the base URL', async () => {
    await expect(check({ baseUrl: 'http://cn.test/' })).resolves.toMatchObject({ id: 'cn' });
  });

  it.each<[string, () => Promise<unknown>, RedirectRefusal]>([
    [
      'a region the directory does not list',
      () => check({ region: 'mars', claims: claims({ aud: 'mars' }) }),
      'region-not-listed',
    ],
    [
      'a base URL other than the listed one',
      () => check({ baseUrl: 'http://evil.test' }),
      'base-url-mismatch',
    ],
    [
      "another listed region's base URL",
      () => check({ baseUrl: 'http://eu.test' }),
      'base-url-mismatch',
    ],
    [
      'a listed region that does not own the card',
      () => check({ region: 'eu', baseUrl: 'http://eu.test', claims: claims({ aud: 'eu' }) }),
      'route-mismatch',
    ],
    [
      'the home region itself',
      () => check({ region: 'us', baseUrl: 'http://us.test', claims: claims({ aud: 'us' }) }),
      'redirect-to-home',
    ],
    [
      'an assertion signed by the target region',
      () => check({ key: regionKeys(dir, 'cn').signing.privateJwk }),
      'signature',
    ],
    [
      'an assertion signed by the home TSM key',
      () => check({ key: regionKeys(dir, 'us').tsm.privateJwk }),
      'signature',
    ],
    ['an assertion of the wrong typ', () => check({ typ: TYP.provisioningPayload }), 'signature'],
    ['a wrong audience', () => check({ claims: claims({ aud: 'eu' }) }), 'audience'],
    ['a wrong issuer', () => check({ claims: claims({ iss: 'eu' }) }), 'issuer'],
    [
      'another device key',
      () => check({ claims: claims({ cnf: { jkt: 'B'.repeat(43) } }) }),
      'device-key',
    ],
    [
      'another provisioning message',
      () => check({ claims: claims({ msg: { routingPrefix: '62123456', last4: '9999' } }) }),
      'message',
    ],
    [
      'an expired assertion',
      () => check({ claims: claims({ iat: NOW - 400, exp: NOW - 100 }) }),
      'expired',
    ],
    ['an assertion expiring exactly now', () => check({ claims: claims({ exp: NOW }) }), 'expired'],
    [
      'an assertion living longer than five minutes',
      () => check({ claims: claims({ iat: NOW - 10, exp: NOW + 3600 }) }),
      'lifetime',
    ],
    [
      'an assertion issued in the future',
      () => check({ claims: claims({ iat: NOW + 120, exp: NOW + 300 }) }),
      'not-yet-valid',
    ],
    [
      'claims that are not an assertion',
      () => check({ claims: { iss: 'us' } as api.RedirectAssertionClaims }),
      'claims-schema',
    ],
  ])('refuses %s', async (_name, run, expected) => {
    expect(await refusal(run())).toBe(expected);
  });

  it('refuses an assertion signed by a key nobody listed', async () => {
    const stranger = await generateKeyPairJwk('sig');
    expect(await refusal(check({ key: stranger.privateJwk }))).toBe('signature');
  });

  it('refuses a tampered assertion', async () => {
    const good = await signJson(
      claims(),
      regionKeys(dir, 'us').signing.privateJwk,
      TYP.redirectAssertion,
    );
    const [h, , s] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify(claims({ cnf: { jkt: 'C'.repeat(43) } }))).toString('base64url')}.${s}`;
    const run = checkRedirect({
      directory: dir.directory,
      homeRegion: 'us',
      deviceJkt: 'C'.repeat(43),
      now: NOW,
      message: MESSAGE,
      redirect: { region: 'cn', baseUrl: 'http://cn.test', assertion: forged },
    });
    expect(await refusal(run)).toBe('signature');
  });
});

describe('owningRegion', () => {
  it('routes a card by its prefix through the signed directory', () => {
    expect(owningRegion(dir.directory, '62123456').id).toBe('cn');
    expect(owningRegion(dir.directory, '41111111').id).toBe('us');
  });

  it('refuses a card no region serves', () => {
    expect(thrown(() => owningRegion(dir.directory, '90000000'))).toMatchObject({
      code: 'ROUTING_PREFIX_UNKNOWN',
    });
  });
});
