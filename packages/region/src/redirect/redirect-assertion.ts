import { createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { TYP, type api } from '@domicile/protocol';
import type { JwsSigner } from '../keys/index.js';

/** How long an assertion we issue lives: well under the 5-minute ceiling. */
export const ASSERTION_LIFETIME_SECONDS = 120;

/**
 * The pseudonym of an account towards one target region: HMAC of the account id and the target
 * under a home-region secret. Stable (the same user gets the same guest account each time), and
 * unlinkable across target regions. The key is a KeyObject (`pseudonymKeysOf(secrets).pseudonym`),
 * made once: a raw key would be checked and imported again on every call.
 */
export function pairwisePseudonym(
  pseudonymKey: KeyObject,
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
  /** The home region's signing key (`RegionKeyring.signing`). */
  readonly signer: JwsSigner;
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
    assertion: await input.signer.sign(claims, TYP.redirectAssertion),
    expiresAt: new Date(claims.exp * 1000),
  };
}
