import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  TYP,
  api,
  decryptText,
  epochSeconds,
  isCardNumber,
  isExpired,
  peekHeader,
  type CardNetwork,
} from '@domicile/protocol';
import type { AuthenticatedDevice } from '../accounts/index.js';
import { deviceHoldsCard } from '../credentials/index.js';
import { acceptedRegionKey, privateJwkOf } from '../keys/index.js';
import { appendAudit } from '../audit/index.js';
import type { InCommit } from '../idempotency/index.js';
import { recordSingleUseId, type SingleUseId } from '../request-auth/index.js';
import type { Database, SessionRow } from '../storage/index.js';
import type { RegionContext } from '../region-context.js';
import {
  advanceSession,
  idvMethodsColumn,
  loadSession,
  loadSessionWithLiveCredentials,
  requireState,
  sessionProduct,
  sessionProductColumn,
  sessionView,
} from '../sessions/index.js';
import { cardNetworkOf } from './card-network.js';

export function termsHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/** A provisioning session of the calling device, as it stands. */
export async function getSession(
  ctx: RegionContext,
  deviceId: string,
  sessionId: string,
): Promise<api.SessionResponse> {
  const row = await loadSession(ctx.db, sessionId, deviceId, ctx.now());
  return { session: sessionView(row, ctx.self.id) };
}

/** Step 1: eligibility and the issuer's provisioning decision (green, yellow or red). */
export async function checkEligibility(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  inCommit?: InCommit<api.EligibilityResponse>,
): Promise<api.EligibilityResponse> {
  const { session: row, liveCredentials } = await loadSessionWithLiveCredentials(
    ctx.db,
    sessionId,
    { deviceId: who.device.id, accountId: who.account.id },
    ctx.now(),
  );
  requireState(row, 'created');
  const result = await ctx.issuer.checkEligibility({
    routingPrefix: row.routing_prefix,
    last4: row.last4,
    network: row.network as CardNetwork,
    standing: {
      activeCredentials: liveCredentials,
      canTransact: who.account.can_transact === 1,
      guest: who.account.kind === 'guest',
    },
  });
  const terms = result.product.terms;
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const advanced = await advanceSession(
      trx,
      row,
      {
        state: result.decision === 'red' ? 'declined' : 'eligible',
        decision: result.decision,
        reason: result.reason ?? null,
        product: sessionProductColumn.encode(result.product),
        terms_id: terms.id,
        terms_hash: termsHash(terms.text),
      },
      now,
    );
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `device:${who.device.id}`,
      action: 'eligibility.decided',
      subject: row.id,
      detail: {
        decision: result.decision,
        reason: result.reason ?? null,
        product: result.product.id,
        last4: row.last4,
      },
    });
    const session = sessionView(advanced, ctx.self.id);
    const answer: api.EligibilityResponse =
      result.decision === 'red'
        ? { session }
        : { session, terms: { id: terms.id, text: terms.text, hash: termsHash(terms.text) } };
    await inCommit?.(trx, answer);
    return answer;
  });
}

/** Step 2: the user accepted exactly the terms offered (by id and hash). */
export async function acceptTerms(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  req: api.AcceptTermsRequest,
  inCommit?: InCommit<api.SessionResponse>,
): Promise<api.SessionResponse> {
  const row = await loadSession(ctx.db, sessionId, who.device.id, ctx.now());
  requireState(row, 'eligible');
  if (req.termsId !== row.terms_id || req.hash !== row.terms_hash)
    throw new DomicileError('TERMS_MISMATCH');
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const advanced = await advanceSession(
      trx,
      row,
      {
        state: 'terms_accepted',
        terms_accepted_at: now.toISOString(),
      },
      now,
    );
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `device:${who.device.id}`,
      action: 'terms.accepted',
      subject: row.id,
      detail: { termsId: req.termsId, hash: req.hash },
    });
    return answerWith(trx, { session: sessionView(advanced, ctx.self.id) }, inCommit);
  });
}

async function answerWith<T>(
  trx: Kysely<Database>,
  answer: T,
  inCommit: InCommit<T> | undefined,
): Promise<T> {
  await inCommit?.(trx, answer);
  return answer;
}

/**
 * Step 3: the card details, a JWE to this region's encryption key. A JWE addressed to any other
 * key is refused before any decryption is tried (DESIGN: Residency). The card goes into the vault
 * at once; the session keeps only the vault record's id.
 */
export async function receiveCardDetails(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  req: api.CardDetailsRequest,
  inCommit?: InCommit<api.SessionResponse>,
): Promise<api.SessionResponse> {
  const row = await loadSession(ctx.db, sessionId, who.device.id, ctx.now());
  requireState(row, 'terms_accepted');
  // Any of this region's encryption keys not yet expired, by kid: a device holding the directory
  // from before a rotation encrypts to the previous key.
  const key = acceptedRegionKey(
    ctx.keys,
    'encryption',
    peekHeader(req.cardDetails)?.kid,
    epochSeconds(ctx.now()),
  );
  if (key === undefined) throw new DomicileError('CARD_DETAILS_WRONG_REGION');
  const plaintext = await decryptText(
    req.cardDetails,
    privateJwkOf(key),
    TYP.cardDetails,
    'CARD_DETAILS_UNREADABLE',
  );
  return acceptCard(ctx, who, row, parseCardDetails(plaintext), undefined, inCommit);
}

/** How the card details came when an issuer pushed them: ID&V is then the issuer's signature. */
export interface PushedBy {
  readonly issuer: string;
  readonly singleUse: SingleUseId;
}

/**
 * Checks decrypted card details against the session, has the issuer check them, seals them in
 * the vault and moves the session on: to ID&V when the decision was yellow, unless the card was
 * pushed by its issuer, whose signature is the identity check (the audit row says so).
 */
export async function acceptCard(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  row: SessionRow,
  card: api.CardDetails,
  pushedBy?: PushedBy,
  inCommit?: InCommit<api.SessionResponse>,
): Promise<api.SessionResponse> {
  const matches =
    isCardNumber(card.pan) &&
    card.pan.startsWith(row.routing_prefix) &&
    card.pan.endsWith(row.last4);
  if (!matches) throw new DomicileError('CARD_DETAILS_INVALID', { details: { field: 'pan' } });
  // Only here, with the whole number, can the network the message named be checked.
  if (cardNetworkOf(card.pan) !== row.network) throw new DomicileError('CARD_NETWORK_MISMATCH');
  if (isExpired(card.expiry, ctx.now()))
    throw new DomicileError('CARD_DETAILS_INVALID', { details: { field: 'expiry' } });
  const product = sessionProduct(row);
  await ctx.issuer.verifyCardDetails({ ...card, productId: product.id });

  const panHash = ctx.vault.panHash(card.pan);
  if (await deviceHoldsCard(ctx.db, { deviceId: who.device.id, panHash }))
    throw new DomicileError('CARD_ALREADY_PROVISIONED');

  const sealed = await ctx.vault.seal({ pan: card.pan, expiry: card.expiry, name: card.name });
  const idvMethods =
    row.decision === 'yellow' && pushedBy === undefined
      ? await ctx.issuer.idvMethods({ productId: product.id, last4: row.last4 })
      : null;
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    // Spent with the card it carried: a payload refused by any check above can be sent again.
    if (pushedBy !== undefined) await recordSingleUseId(trx, pushedBy.singleUse);
    await ctx.vault.insert(trx, sealed);
    const advanced = await advanceSession(
      trx,
      row,
      {
        state: idvMethods === null ? 'ready' : 'idv_required',
        vault_record_id: sealed.id,
        idv_methods: idvMethods === null ? null : idvMethodsColumn.encode(idvMethods),
      },
      now,
    );
    // The last 4 digits only: the card number, expiry, CVV and name never reach the audit log.
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `device:${who.device.id}`,
      action: 'card.received',
      subject: row.id,
      detail: {
        last4: row.last4,
        vaultRecord: sealed.id,
        idvRequired: idvMethods !== null,
        ...(pushedBy === undefined ? {} : { pushedBy: pushedBy.issuer }),
      },
    });
    if (pushedBy !== undefined)
      await appendAudit(trx, {
        at: now.toISOString(),
        actor: `issuer:${pushedBy.issuer}`,
        action: 'card.pushed',
        subject: row.id,
        detail: { jti: pushedBy.singleUse.jti, device: who.device.id, last4: row.last4 },
      });
    if (pushedBy !== undefined && row.decision === 'yellow')
      await appendAudit(trx, {
        at: now.toISOString(),
        actor: `issuer:${pushedBy.issuer}`,
        action: 'idv.skipped',
        subject: row.id,
        detail: { reason: 'issuer-push-payload', issuer: pushedBy.issuer },
      });
    return answerWith(trx, { session: sessionView(advanced, ctx.self.id) }, inCommit);
  });
}

/**
 * The JSON inside a card JWE checked against `schema` (a device's card details, an issuer's
 * reissued card): `CARD_DETAILS_INVALID` naming the first field that is wrong, never its value.
 */
export function parseCardJson<S extends TSchema>(schema: S, plaintext: string): Static<S> {
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    throw new DomicileError('CARD_DETAILS_INVALID', { details: { field: 'json' } });
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw new DomicileError('CARD_DETAILS_INVALID', { details: { field: first?.path ?? '/' } });
  }
  return value;
}

export const parseCardDetails = (plaintext: string): api.CardDetails =>
  parseCardJson(api.CardDetails, plaintext);
