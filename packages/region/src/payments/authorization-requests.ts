import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomicileError, type api } from '@domicile/protocol';
import type { AuthorizationRequestRow, Database } from '../storage/index.js';

/** What identifies one transmission of an authorization: the acquirer's id and the request's content. */
export interface Transmission {
  /** The network whose router forwarded it: request ids are unique per network. */
  readonly network: string;
  readonly requestId: string;
  readonly digest: string;
}

/** How the first transmission of an authorization went before the issuer was asked. */
export interface FirstTransmission {
  /** The id its transaction is (or will be) recorded with. */
  readonly authorizationId: string;
  /** Declined by the region's own checks (a spent ATC among them); undefined: the issuer decides. */
  readonly decline: api.AuthorizationReason | undefined;
}

/**
 * The transmission of a request the acquirer named with `requestId`; undefined without one.
 * The digest covers the whole request in a canonical form (keys sorted), so a resend whose JSON
 * differs only in member order is the same request, and one with another amount, ATC or ARQC is
 * not.
 */
export function transmissionOf(
  network: string,
  request: api.AuthorizationRequest,
): Transmission | undefined {
  if (request.requestId === undefined) return undefined;
  const digest = createHash('sha256').update(canonicalJson(request)).digest('base64url');
  return { network, requestId: request.requestId, digest };
}

function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Records the first transmission of a request, in the commit that claims its ATC, or finds the
 * one recorded before: then this is a resend (ISO 8583 duplicate transmission), answered with the
 * first one's authorization, never decided again. Inserts without failing on a duplicate, since a
 * unique violation would abort the whole transaction on PostgreSQL.
 * @returns undefined when this is the first transmission, else the first one.
 * @throws DomicileError `AUTHORIZATION_REQUEST_MISMATCH` when the request id was used with other
 *   content: the caller's transaction must roll back (an ATC it claimed stays unclaimed).
 */
export async function recordTransmission(
  trx: Kysely<Database>,
  transmission: Transmission,
  first: FirstTransmission & { readonly at: string },
): Promise<FirstTransmission | undefined> {
  const inserted = await trx
    .insertInto('authorization_requests')
    .values({
      network: transmission.network,
      request_id: transmission.requestId,
      request_digest: transmission.digest,
      authorization_id: first.authorizationId,
      early_decline: first.decline ?? null,
      created_at: first.at,
    })
    .onConflict((oc) => oc.columns(['network', 'request_id']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return undefined;
  const row = await trx
    .selectFrom('authorization_requests')
    .selectAll()
    .where('network', '=', transmission.network)
    .where('request_id', '=', transmission.requestId)
    .executeTakeFirstOrThrow();
  if (row.request_digest !== transmission.digest)
    throw new DomicileError('AUTHORIZATION_REQUEST_MISMATCH');
  return firstTransmission(row);
}

function firstTransmission(row: AuthorizationRequestRow): FirstTransmission {
  return {
    authorizationId: row.authorization_id,
    decline: (row.early_decline ?? undefined) as api.AuthorizationReason | undefined,
  };
}
