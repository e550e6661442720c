import { jwtVerify, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import { DomicileError, SIGNING_ALG, TYP, isPublicP256Jwk } from '@domicile/protocol';
import { isUniqueViolation, type Database } from '../storage/index.js';
import { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';

/** How far a proof's `iat` may stray from our clock (RFC 9449 §11.1: a short window). */
export const DPOP_MAX_SKEW_SECONDS = 60;

export interface DpopProofInput {
  readonly proof: string | undefined;
  readonly method: string;
  /** The URL the device addressed: the region's base URL from the directory plus the path (§4.3 check 9). */
  readonly url: string;
  readonly now: Date;
}

export interface VerifiedDpop {
  readonly jkt: string;
  readonly jwk: JWK;
}

/**
 * Verifies a DPoP proof (RFC 9449 §4.3) and records its `jti` so it can never be used again,
 * across every node of the region (the jti table is shared). Every failure reads DPOP_INVALID
 * with the reason only in `cause`.
 */
export async function verifyDpopProof(
  db: Kysely<Database>,
  input: DpopProofInput,
): Promise<VerifiedDpop> {
  if (input.proof === undefined || input.proof === '') throw new DomicileError('DPOP_REQUIRED');
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(input.proof, embeddedDeviceKey, {
      typ: TYP.dpop,
      algorithms: [SIGNING_ALG],
    });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk ?? {};
  } catch (cause) {
    throw new DomicileError('DPOP_INVALID', { cause });
  }
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  const fail = (why: string): never => {
    throw new DomicileError('DPOP_INVALID', { cause: why });
  };
  if (!isPublicP256Jwk(jwk)) fail('jwk is not a public P-256 key');
  if (typeof payload.jti !== 'string' || payload.jti.length < 16 || payload.jti.length > 128)
    fail('jti');
  if (payload.htm !== input.method) fail('htm');
  if (typeof payload.htu !== 'string' || stripQuery(payload.htu) !== stripQuery(input.url))
    fail('htu');
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - nowSeconds) > DPOP_MAX_SKEW_SECONDS)
    fail('iat');
  const jkt = await deviceKeyThumbprint(jwk);
  // Kept one second past the last instant the proof could still pass the iat check (iat is whole seconds).
  const expires = new Date(
    (Math.max(nowSeconds, Number(payload.iat)) + DPOP_MAX_SKEW_SECONDS + 1) * 1000,
  ).toISOString();
  try {
    await db
      .insertInto('dpop_jtis')
      .values({ jkt, jti: payload.jti as string, expires_at: expires })
      .execute();
  } catch (cause) {
    if (isUniqueViolation(cause)) throw new DomicileError('DPOP_REPLAYED');
    throw cause;
  }
  return { jkt, jwk };
}

function stripQuery(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}
