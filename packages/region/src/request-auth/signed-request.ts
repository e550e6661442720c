import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import {
  DomicileError,
  JwtExpired,
  verifyJwt,
  type ErrorCode,
  type JWK,
  type JoseHeader,
} from '@domicile/protocol';
import type { SingleUseKind } from '../storage/index.js';
import {
  singleUseRetention,
  staleness,
  type FreshnessPolicy,
  type StaleReason,
} from './freshness.js';
import type { SingleUseId } from './single-use-ids.js';

/** The claims every signed request carries, whatever else its schema adds. */
export interface RequestClaims {
  readonly iat: number;
  readonly jti: string;
  readonly exp?: number;
  readonly aud?: string;
}

/**
 * Finds the key a request must verify with, from its protected header and its claims — not yet
 * verified: they only choose the key, and nothing else in them is believed until it verifies.
 * Undefined when no key is known for them.
 */
export type RequestKeyResolver = (
  header: JoseHeader,
  unverifiedClaims: Readonly<Record<string, unknown>>,
) => JWK | undefined;

/** The error code of each way a request can fail; those left out read as `invalid`. */
export interface RefusalCodes {
  /** A bad signature, `alg` or `typ`, claims that break the schema, a lifetime over the policy. */
  readonly invalid: ErrorCode;
  /** No request at all. */
  readonly missing?: ErrorCode;
  /** Signed by a key nobody listed. */
  readonly unknownKey?: ErrorCode;
  /** For someone else. */
  readonly audience?: ErrorCode;
  /** Past its `exp` or older than the policy's max age. */
  readonly expired?: ErrorCode;
  /** Issued further ahead of our clock than the policy's clock skew. */
  readonly future?: ErrorCode;
  /** Its single-use id was recorded before. */
  readonly replayed: ErrorCode;
}

/** What one kind of signed request is: everything a caller of {@link verifySignedRequest} owns. */
export interface SignedRequestKind<S extends TSchema> {
  /** The `typ` header it must carry, so that no other signed object passes for it. */
  readonly typ: string;
  /** Its claims (TypeBox): checked after the signature, before anything else is read. */
  readonly claims: S;
  readonly freshness: FreshnessPolicy;
  readonly codes: RefusalCodes;
  readonly singleUse: {
    readonly kind: SingleUseKind;
    /** Who picked the `jti`: ids are unique per signer. */
    scope(claims: Static<S>, header: JoseHeader): string | Promise<string>;
  };
}

/** One request to verify. */
export interface SignedRequestInput {
  /** The compact JWS as received; undefined or empty when there was none. */
  readonly token: string | undefined;
  readonly key: RequestKeyResolver;
  /** The only `aud` accepted (this region's id); omitted for a request without an audience. */
  readonly audience?: string;
  readonly now: Date;
}

export interface VerifiedSignedRequest<C> {
  readonly claims: C;
  readonly header: JoseHeader;
  /** Still to be recorded, with `recordSingleUseId`, before the request has any effect. */
  readonly singleUse: SingleUseId;
}

/**
 * Each kind's claims schema compiled on its first request: `Value.Check` walks the schema anew
 * per call (about 3 µs for the DPoP claims, against 10 ns compiled).
 */
const claimsChecks = new WeakMap<TSchema, TypeCheck<TSchema>>();

function claimsCheck(schema: TSchema): TypeCheck<TSchema> {
  let check = claimsChecks.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    claimsChecks.set(schema, check);
  }
  return check;
}

/** Thrown from inside the key lookup, so that an unknown signer keeps its own code. */
class UnknownSigner extends Error {}

/**
 * Verifies a signed request: `verifyJwt` (ES256 only, the kind's `typ`, the key found by
 * `input.key`, `exp` against `input.now`), then one claims check — the kind's schema, the
 * audience, the freshness policy — and the request's single-use id with how long to keep it.
 * Every failure is a DomicileError of the kind's codes, which check failed only in `cause`.
 */
export async function verifySignedRequest<S extends TSchema & { static: RequestClaims }>(
  kind: SignedRequestKind<S>,
  input: SignedRequestInput,
): Promise<VerifiedSignedRequest<Static<S>>> {
  const { codes } = kind;
  if (input.token === undefined || input.token === '')
    throw new DomicileError(codes.missing ?? codes.invalid);
  const token = input.token;
  let header: JoseHeader;
  let payload: unknown;
  try {
    ({ header, claims: payload } = await verifyJwt(token, {
      typ: kind.typ,
      now: input.now,
      key: (protectedHeader, unverifiedClaims) => {
        const key = input.key(protectedHeader, unverifiedClaims);
        if (key === undefined) throw new UnknownSigner('no key is known for this signer');
        return key;
      },
    }));
  } catch (cause) {
    const code =
      cause instanceof UnknownSigner
        ? codes.unknownKey
        : cause instanceof JwtExpired
          ? codes.expired
          : undefined;
    throw new DomicileError(code ?? codes.invalid, { cause });
  }
  if (!claimsCheck(kind.claims).Check(payload))
    throw new DomicileError(codes.invalid, { cause: 'claims schema' });
  const claims = payload as Static<S> & RequestClaims;
  if (input.audience !== undefined && claims.aud !== input.audience)
    throw new DomicileError(codes.audience ?? codes.invalid, { cause: 'audience' });
  const stale = staleness(kind.freshness, claims, Math.floor(input.now.getTime() / 1000));
  if (stale !== undefined) throw new DomicileError(staleCode(codes, stale), { cause: stale });
  return {
    claims,
    header,
    singleUse: {
      kind: kind.singleUse.kind,
      scope: await kind.singleUse.scope(claims, header),
      jti: claims.jti,
      expiresAt: singleUseRetention(kind.freshness, claims),
      replayed: codes.replayed,
    },
  };
}

function staleCode(codes: RefusalCodes, reason: StaleReason): ErrorCode {
  if (reason === 'expired') return codes.expired ?? codes.invalid;
  if (reason === 'future') return codes.future ?? codes.invalid;
  return codes.invalid;
}
