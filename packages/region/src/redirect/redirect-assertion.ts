import { createHmac, randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { decodeJwt } from 'jose';
import {
  DomicileError,
  TYP,
  api,
  signJson,
  verifyJson,
  type Directory,
  type PrivateJwk,
} from '@domicile/protocol';

/** How long an assertion we issue lives: well under the 5-minute ceiling. */
export const ASSERTION_LIFETIME_SECONDS = 120;

/**
 * The pseudonym of an account towards one target region: HMAC of the account id and the target
 * under a home-region secret. Stable (the same user gets the same guest account each time), and
 * unlinkable across target regions.
 */
export function pairwisePseudonym(
  pseudonymKey: Buffer,
  accountId: string,
  targetRegion: string,
): string {
  return createHmac('sha256', pseudonymKey)
    .update(`redirect-subject\0${accountId}\0${targetRegion}`)
    .digest('base64url');
}

export interface IssueAssertionInput {
  readonly homeRegion: string;
  readonly targetRegion: string;
  readonly signingKey: PrivateJwk;
  readonly subject: string;
  readonly deviceJkt: string;
  readonly message: { routingPrefix: string; last4: string };
  readonly standing: api.RedirectAssertionClaims['standing'];
  readonly now: Date;
}

export async function issueRedirectAssertion(
  input: IssueAssertionInput,
): Promise<{ assertion: string; expiresAt: Date }> {
  const iat = Math.floor(input.now.getTime() / 1000);
  const claims: api.RedirectAssertionClaims = {
    iss: input.homeRegion,
    aud: input.targetRegion,
    sub: input.subject,
    jti: randomBytes(18).toString('base64url'),
    iat,
    exp: iat + ASSERTION_LIFETIME_SECONDS,
    cnf: { jkt: input.deviceJkt },
    msg: { routingPrefix: input.message.routingPrefix, last4: input.message.last4 },
    standing: input.standing,
  };
  return {
    assertion: await signJson(claims, input.signingKey, TYP.redirectAssertion),
    expiresAt: new Date(claims.exp * 1000),
  };
}

/**
 * Verifies an assertion presented to this region (the target). Order matters: nothing in the
 * token is believed until the issuer's signature, found through the signed directory, verifies.
 * The single-use check (jti) is the caller's, inside the transaction that opens the session.
 */
export async function verifyRedirectAssertion(input: {
  readonly assertion: string;
  readonly directory: Directory;
  readonly self: string;
  readonly deviceJkt: string;
  readonly message: { routingPrefix: string; last4: string };
  readonly now: Date;
}): Promise<api.RedirectAssertionClaims> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(input.assertion).iss;
  } catch (cause) {
    throw new DomicileError('ASSERTION_INVALID', { cause });
  }
  const key =
    typeof issuer === 'string' && issuer !== input.self
      ? input.directory.key(issuer, 'signing')
      : undefined;
  if (key === undefined)
    throw new DomicileError('ASSERTION_INVALID', { cause: 'issuer not in directory' });
  const claims = await verifyJson(input.assertion, key, TYP.redirectAssertion, 'ASSERTION_INVALID');
  if (!Value.Check(api.RedirectAssertionClaims, claims))
    throw new DomicileError('ASSERTION_INVALID', { cause: 'claims' });
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  if (claims.aud !== input.self) throw new DomicileError('ASSERTION_AUDIENCE');
  if (claims.exp <= nowSeconds) throw new DomicileError('ASSERTION_EXPIRED');
  if (
    claims.exp - claims.iat > api.REDIRECT_ASSERTION_MAX_AGE_SECONDS ||
    claims.iat > nowSeconds + 60
  ) {
    throw new DomicileError('ASSERTION_INVALID', { cause: 'lifetime' });
  }
  if (claims.cnf.jkt !== input.deviceJkt) throw new DomicileError('ASSERTION_KEY_MISMATCH');
  if (
    claims.msg.routingPrefix !== input.message.routingPrefix ||
    claims.msg.last4 !== input.message.last4
  ) {
    throw new DomicileError('ASSERTION_MESSAGE_MISMATCH');
  }
  if (!claims.standing.canTransact) throw new DomicileError('ACCOUNT_CANNOT_TRANSACT');
  return claims;
}
