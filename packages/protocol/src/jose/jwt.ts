import type { JWK } from 'jose';
import { verifyJws } from './compact.js';
import type { JoseHeader } from './fast-jose.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A JWT past its `exp`: callers may give it a code of its own. */
export class JwtExpired extends Error {}

export interface JwtCheck {
  /** The `typ` it must carry, compared as a media type (RFC 7515 §4.1.9), as jose compares it. */
  readonly typ: string;
  readonly now: Date;
  /** Picks the verification key from the header and the claims, not yet verified. */
  readonly key: (header: JoseHeader, claims: Readonly<Record<string, unknown>>) => JWK;
}

/**
 * Verifies a JWT the way jose's `jwtVerify` does for our profile (ES256, `typ`, `nbf` and `exp`
 * against `now`, a claims set that is a JSON object) on the fast path where there is one.
 * Throws {@link JwtExpired}, a plain error, or what `check.key` threw.
 */
export async function verifyJwt(
  jwt: string,
  check: JwtCheck,
): Promise<{ header: JoseHeader; claims: Record<string, unknown> }> {
  let claims: Record<string, unknown> = {};
  const { header } = await verifyJws(jwt, (protectedHeader, payload) => {
    claims = claimsSet(payload);
    return check.key(protectedHeader, claims);
  });
  if (typeof header.typ !== 'string' || mediaType(header.typ) !== mediaType(check.typ))
    throw new Error('unexpected "typ"');
  const now = Math.floor(check.now.getTime() / 1000);
  numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now) throw new Error('"nbf" is in the future');
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now) throw new JwtExpired('"exp" has passed');
  return { header, claims };
}

function claimsSet(payload: Uint8Array): Record<string, unknown> {
  const claims: unknown = JSON.parse(strictUtf8.decode(payload));
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw new Error('claims set is not a JSON object');
  return claims as Record<string, unknown>;
}

/** `dpop+jwt` and `application/DPoP+JWT` are one media type. */
function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return typ.includes('/') ? lower : `application/${lower}`;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new Error(`"${name}" is not a number`);
  return value;
}
