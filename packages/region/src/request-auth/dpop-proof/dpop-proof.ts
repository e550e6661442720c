import { Type } from '@sinclair/typebox';
import type { JWK } from 'jose';
import type { Kysely } from 'kysely';
import { DomicileError, TYP } from '@domicile/protocol';
import type { Database } from '../../storage/index.js';
import { FRESHNESS } from '../freshness.js';
import { verifySignedRequest, type SignedRequestKind } from '../signed-request.js';
import { recordSingleUseId, type SingleUseId } from '../single-use-ids.js';
import { deviceKeyThumbprint, embeddedDeviceKey } from './device-key-cache.js';
import { htuMatches } from './htu.js';

/** The claims of a DPoP proof (RFC 9449 §4.2) the region reads; `iat` is a NumericDate. */
const DpopClaims = Type.Object({
  jti: Type.String({ minLength: 16, maxLength: 128 }),
  htm: Type.String(),
  htu: Type.String(),
  iat: Type.Number(),
});

/** A DPoP proof, as {@link verifySignedRequest} checks it: no audience, its key in its own header. */
const DPOP_PROOF: SignedRequestKind<typeof DpopClaims> = {
  typ: TYP.dpop,
  claims: DpopClaims,
  freshness: FRESHNESS.dpopProof,
  codes: { missing: 'DPOP_REQUIRED', invalid: 'DPOP_INVALID', replayed: 'DPOP_REPLAYED' },
  singleUse: { kind: 'dpop', scope: (_claims, header) => deviceKeyThumbprint(header.jwk ?? {}) },
};

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

/** A proof whose checks passed, its `jti` not yet recorded. */
export interface CheckedDpop extends VerifiedDpop {
  /** To be recorded (`recordSingleUseId`) before the request has any effect. */
  readonly singleUse: SingleUseId;
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3): checks 2–7 and 11 are {@link verifySignedRequest}'s
 * (the signature by the public P-256 key of its own `jwk` header, checked by
 * `embeddedDeviceKey`), 8 and 9 (`htm`, `htu`) are here. Its `jti` is the caller's to record:
 * a state-changing request records it in the commit that reserves its Idempotency-Key. Every
 * failure reads DPOP_INVALID with the reason only in `cause`.
 */
export async function checkDpopProof(input: DpopProofInput): Promise<CheckedDpop> {
  const { claims, header, singleUse } = await verifySignedRequest(DPOP_PROOF, {
    token: input.proof,
    key: (protectedHeader) => embeddedDeviceKey(protectedHeader),
    now: input.now,
  });
  if (claims.htm !== input.method) throw new DomicileError('DPOP_INVALID', { cause: 'htm' });
  if (!htuMatches(claims.htu, input.url)) throw new DomicileError('DPOP_INVALID', { cause: 'htu' });
  return { jkt: singleUse.scope, jwk: header.jwk ?? {}, singleUse };
}

/**
 * Verifies a DPoP proof ({@link checkDpopProof}), then records its `jti` so it can never be
 * used again, across every node of the region.
 */
export async function verifyDpopProof(
  db: Kysely<Database>,
  input: DpopProofInput,
): Promise<VerifiedDpop> {
  const { jkt, jwk, singleUse } = await checkDpopProof(input);
  await recordSingleUseId(db, singleUse);
  return { jkt, jwk };
}
