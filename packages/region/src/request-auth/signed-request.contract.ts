import { CompactSign, base64url, importJWK, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIGNING_ALG, isDomicileError, type ErrorCode, type PrivateJwk } from '@domicile/protocol';
import type { FreshnessPolicy } from './freshness.js';

/** A signed request's claims, as a case shapes them before signing. */
export type Claims = Record<string, unknown>;
/** A JWS protected header, as a case shapes it. */
export type Header = Record<string, unknown>;

/** The codes a caller answers each case with (docs/errors.md). */
export interface ExpectedCodes {
  /** Forged signature, wrong `typ`, `alg: none`, HS256, not a JWS at all. */
  readonly invalid: ErrorCode;
  readonly unknownKey: ErrorCode;
  /** Meant for another recipient: another `aud` (a DPoP proof: another `htu`). */
  readonly audience: ErrorCode;
  readonly expired: ErrorCode;
  readonly future: ErrorCode;
  readonly replayed: ErrorCode;
}

/** One caller of `verifySignedRequest`, ready for one case (a fresh ledger of single-use ids). */
export interface CallerUnderTest {
  readonly policy: FreshnessPolicy;
  readonly codes: ExpectedCodes;
  /** The signing key the verifier trusts for this caller's signer. */
  readonly key: PrivateJwk;
  /** Valid claims issued at `iat` (seconds), each call with a new `jti`. */
  claims(iat: number): Claims;
  /** The protected header a genuine request carries, for a request signed by `key`. */
  header(key: PrivateJwk): Header;
  /** The same claims meant for someone else. */
  elsewhere(claims: Claims): Claims;
  /**
   * Claims and a key nobody listed for them, as a stranger would send them, with the header it
   * sends (default: `header(key)`). A DPoP proof embeds its own key: its stranger's is one a
   * device may not use.
   */
  stranger(claims: Claims): Promise<{ claims: Claims; key: PrivateJwk; header?: Header }>;
  /** Verifies at `now` and records the single-use id, as the region does; rejects when refused. */
  submit(token: string, now: Date): Promise<unknown>;
  close(): Promise<void>;
}

/** How to make one caller's world: keys, directory or trusted issuers, a database. */
export interface SignedRequestCaller {
  readonly name: string;
  setup(): Promise<CallerUnderTest>;
}

/** Signs any header and claims with ES256, as an attacker with that key could. */
export async function signCompact(
  claims: Claims,
  header: Header,
  key: PrivateJwk,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ ...header, alg: SIGNING_ALG })
    .sign(await importJWK(key, SIGNING_ALG));
}

const unsecured = (claims: Claims, header: Header): string =>
  `${base64url.encode(JSON.stringify({ ...header, alg: 'none' }))}.${base64url.encode(JSON.stringify(claims))}.`;

/** HS256 keyed with the verifier's public key: the algorithm-confusion attack (RFC 8725 §2.1). */
async function hs256WithPublicKey(
  claims: Claims,
  header: Header,
  key: PrivateJwk,
): Promise<string> {
  const { kty, crv, x, y, kid } = key;
  const secret = new TextEncoder().encode(JSON.stringify({ kty, crv, x, y, kid } satisfies JWK));
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ ...header, alg: 'HS256' })
    .sign(secret);
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * The cases every signed-request caller must pass, run by each caller's own test file with its
 * adapter (as hono runs one router suite against every router).
 */
export function describeSignedRequestContract(caller: SignedRequestCaller): void {
  describe(`signed request cases: ${caller.name}`, () => {
    const now = new Date('2030-01-01T00:00:00.000Z');
    let c: CallerUnderTest;
    beforeEach(async () => {
      c = await caller.setup();
    });
    afterEach(async () => {
      await c.close();
    });

    const sign = (claims: Claims, header: Header = c.header(c.key)): Promise<string> =>
      signCompact(claims, header, c.key);
    const outcome = (token: string, at = now): Promise<unknown> =>
      c.submit(token, at).then(
        () => 'accepted',
        (error: unknown) =>
          isDomicileError(error) ? error.code : `not a DomicileError: ${String(error)}`,
      );

    it('accepts a genuine request once, and refuses it replayed', async () => {
      const token = await sign(c.claims(seconds(now)));
      expect(await outcome(token)).toBe('accepted');
      expect(await outcome(token)).toBe(c.codes.replayed);
      expect(await outcome(token, new Date(now.getTime() + 1000))).toBe(c.codes.replayed);
    });

    it('refuses a forged signature: another key, presented as the trusted one', async () => {
      const { key: forger } = await c.stranger(c.claims(seconds(now)));
      expect(
        await outcome(await signCompact(c.claims(seconds(now)), c.header(c.key), forger)),
      ).toBe(c.codes.invalid);
    });

    it('refuses a wrong typ, and no typ at all', async () => {
      const untyped = { ...c.header(c.key), typ: undefined };
      expect(await outcome(await sign(c.claims(seconds(now)), { ...untyped, typ: 'JWT' }))).toBe(
        c.codes.invalid,
      );
      expect(await outcome(await sign(c.claims(seconds(now)), untyped))).toBe(c.codes.invalid);
    });

    it("refuses claims that break the kind's schema, request after request", async () => {
      for (let i = 0; i < 2; i++) {
        const claims = c.claims(seconds(now));
        expect(await outcome(await sign({ ...claims, jti: 42 }))).toBe(c.codes.invalid);
        expect(await outcome(await sign({ ...claims, iat: 'now' }))).toBe(c.codes.invalid);
      }
      expect(await outcome(await sign(c.claims(seconds(now))))).toBe('accepted');
    });

    it('refuses a request meant for someone else', async () => {
      expect(await outcome(await sign(c.elsewhere(c.claims(seconds(now)))))).toBe(c.codes.audience);
    });

    it('refuses an expired request', async () => {
      const iat = seconds(now) - c.policy.maxAgeSeconds - 1;
      expect(await outcome(await sign(c.claims(iat)))).toBe(c.codes.expired);
    });

    it('refuses a request from the future, and accepts one at the edge of the clock skew', async () => {
      const edge = seconds(now) + c.policy.clockSkewSeconds;
      expect(await outcome(await sign(c.claims(edge + 1)))).toBe(c.codes.future);
      expect(await outcome(await sign(c.claims(edge)))).toBe('accepted');
    });

    it('refuses a request by a key nobody listed', async () => {
      const { claims, key, header = c.header(key) } = await c.stranger(c.claims(seconds(now)));
      expect(await outcome(await signCompact(claims, header, key))).toBe(c.codes.unknownKey);
    });

    it('refuses alg none, HS256 keyed with the public key, and what is no JWS at all', async () => {
      const claims = c.claims(seconds(now));
      expect(await outcome(unsecured(claims, c.header(c.key)))).toBe(c.codes.invalid);
      expect(await outcome(await hs256WithPublicKey(claims, c.header(c.key), c.key))).toBe(
        c.codes.invalid,
      );
      expect(await outcome('not-a-jws-at-all')).toBe(c.codes.invalid);
    });
  });
}
