import {
  DomicileError,
  TYP,
  api,
  decryptText,
  epochSeconds,
  isCardNumber,
  isExpired,
  peekHeader,
} from '@domicile/protocol';
import { appendAudit } from '../audit/index.js';
import { findCredentialByTokenRef } from '../credentials/index.js';
import { acceptedRegionKey, privateJwkOf } from '../keys/index.js';
import { loadLifecycle } from '../lifecycle/index.js';
import { insertNotification } from '../notifications/index.js';
import { cardNetworkOf, parseCardJson } from '../provisioning/index.js';
import type { TrustedIssuer } from '../request-auth/index.js';
import type { RegionContext } from '../region-context.js';
import { isUniqueViolation } from '../storage/index.js';
import { issuerTokenView, tokenRows } from '../token-lookup/index.js';
import type { VaultCard } from '../vault/index.js';
import { enqueueTokenEvent } from '../webhooks/index.js';

/** Why a reissue is made, when the issuer gives none. */
export const REISSUE_REASON = 'card_replaced';

/**
 * Decrypts the new card of a reissue: a JWE (`typ` domicile-reissued-card+jwe) to one of this
 * region's encryption keys, as a device sends card details. A JWE to any other key is refused
 * before any decryption (`CARD_DETAILS_WRONG_REGION`); one that does not open is
 * `CARD_DETAILS_UNREADABLE`; contents that are no card `CARD_DETAILS_INVALID` (`details.field`).
 */
export async function openReissuedCard(ctx: RegionContext, jwe: string): Promise<api.ReissuedCard> {
  const key = acceptedRegionKey(
    ctx.keys,
    'encryption',
    peekHeader(jwe)?.kid,
    epochSeconds(ctx.now()),
  );
  if (key === undefined) throw new DomicileError('CARD_DETAILS_WRONG_REGION');
  const plaintext = await decryptText(
    jwe,
    privateJwkOf(key),
    TYP.reissuedCard,
    'CARD_DETAILS_UNREADABLE',
  );
  return parseCardJson(api.ReissuedCard, plaintext);
}

/**
 * What makes two reissue requests the same, for their Idempotency-Key: the card by its keyed hash
 * (the vault's HMAC, never the number or an unkeyed hash of it) and expiry, the name by the same
 * keyed hash, and the reason. An issuer retrying encrypts the card anew, so the JWE cannot be it.
 */
export function reissueFingerprint(
  ctx: RegionContext,
  card: api.ReissuedCard,
  reason: string,
): unknown {
  return {
    pan: ctx.vault.panHash(card.pan),
    expiry: [card.expiry.month, card.expiry.year],
    name: ctx.vault.panHash(`name:${card.name}`),
    reason,
  };
}

/**
 * The issuer replaces the card behind one of its tokens (DESIGN: reissue): a new card number
 * and/or expiry after a renewal, a lost card or a fraud. The token, its keys, its applet and its
 * device stay. In one transaction: a new vault record for the new card, the credential pointed at
 * it (card hash and last 4 with it), the old record's data key erased (crypto-shredding: the old
 * number can never be recovered), a `credential.updated` push notification to the device, a
 * `token.reissued` webhook to the issuer and the audit row; the device and the webhook worker are
 * woken once it commits. From then on every authorization de-tokenizes to the new card, and the
 * issuer checks its expiry. The same card and expiry again changes nothing (`changed: false`).
 *
 * @throws DomicileError `CREDENTIAL_NOT_FOUND`, `ISSUER_FORBIDDEN` (another issuer's product),
 *   `CREDENTIAL_STATE` (a deleted token), `CARD_DETAILS_INVALID` (not a card number, expired),
 *   `CARD_NETWORK_MISMATCH` (the token's network differs), `REGION_NOT_OWNER` (the new card
 *   belongs to another region: its data may not be stored here), `CARD_ALREADY_PROVISIONED` (the
 *   device holds another live token of the new card).
 */
export async function reissueCredential(
  ctx: RegionContext,
  input: {
    readonly issuer: TrustedIssuer;
    readonly tokenRef: string;
    readonly card: api.ReissuedCard;
    readonly reason: string;
  },
): Promise<api.IssuerReissueResponse> {
  const { issuer, card } = input;
  const credential = await findCredentialByTokenRef(ctx.db, input.tokenRef);
  if (credential === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  const lifecycle = await ctx.db.transaction().execute((trx) => loadLifecycle(trx, credential));
  if (!issuer.productIds.has(lifecycle.product_id)) throw new DomicileError('ISSUER_FORBIDDEN');
  if (credential.state === 'deleted')
    throw new DomicileError('CREDENTIAL_STATE', { details: { state: credential.state } });
  checkNewCard(ctx, card, credential.network);

  const current = await ctx.vault.open(ctx.db, credential.vault_record_id);
  if (sameCard(current, card))
    return { credential: await viewOf(ctx, input.tokenRef), changed: false };

  const sealed = await ctx.vault.seal({ pan: card.pan, expiry: card.expiry, name: card.name });
  const now = ctx.now();
  const stamp = now.toISOString();
  const last4 = card.pan.slice(-4);
  const webhook = await ctx.db.transaction().execute(async (trx) => {
    await ctx.vault.insert(trx, sealed);
    // Conditional on the record and state read: a reissue or delete committed meanwhile wins.
    const moved = await trx
      .updateTable('credentials')
      .set({ vault_record_id: sealed.id, pan_hash: sealed.pan_hash, last4, updated_at: stamp })
      .where('id', '=', credential.id)
      .where('vault_record_id', '=', credential.vault_record_id)
      .where('state', '!=', 'deleted')
      .executeTakeFirst()
      .catch((error: unknown) => {
        // One live token per card per device (the database's rule): the device already holds
        // another token of the new card.
        if (isUniqueViolation(error)) throw new DomicileError('CARD_ALREADY_PROVISIONED');
        throw error;
      });
    if (moved.numUpdatedRows === 0n)
      throw new DomicileError('SERVICE_UNAVAILABLE', { details: { reason: 'concurrent changes' } });
    await ctx.vault.erase(trx, credential.vault_record_id);
    await insertNotification(
      trx,
      credential.device_id,
      { type: 'credential.updated', tokenRef: credential.token_ref, last4, expiry: card.expiry },
      now,
    );
    const queued = await enqueueTokenEvent(
      trx,
      { region: ctx.self.id, issuers: ctx.trustedIssuers },
      {
        type: 'token.reissued',
        credential: { ...credential, last4, updated_at: stamp },
        productId: lifecycle.product_id,
        actor: 'issuer',
        reason: input.reason,
        now,
      },
    );
    // Last 4 digits only: the numbers, the expiry and the name never reach the audit log.
    await appendAudit(trx, {
      at: stamp,
      actor: `issuer:${issuer.id}`,
      action: 'credential.reissued',
      subject: credential.token_ref,
      detail: {
        reason: input.reason,
        previousLast4: credential.last4,
        last4,
        numberChanged: current.pan !== card.pan,
        vaultRecord: sealed.id,
        erasedRecord: credential.vault_record_id,
      },
    });
    return queued;
  });
  ctx.hub.publish(credential.device_id);
  if (webhook !== undefined) ctx.webhookWorker.kick();
  return { credential: await viewOf(ctx, input.tokenRef), changed: true };
}

/** A reissued card must be a card this region owns, of the token's network, not expired. */
function checkNewCard(ctx: RegionContext, card: api.ReissuedCard, network: string): void {
  if (!isCardNumber(card.pan))
    throw new DomicileError('CARD_DETAILS_INVALID', { details: { field: 'pan' } });
  // The token's number range is the network's: a card of another network cannot stand behind it.
  if (cardNetworkOf(card.pan) !== network) throw new DomicileError('CARD_NETWORK_MISMATCH');
  const route = ctx.directory.routeCard(card.pan.slice(0, 8));
  if (route.kind !== 'region' || route.region.id !== ctx.self.id)
    throw new DomicileError('REGION_NOT_OWNER');
  if (isExpired(card.expiry, ctx.now()))
    throw new DomicileError('CARD_DETAILS_INVALID', { details: { field: 'expiry' } });
}

function sameCard(current: VaultCard, card: api.ReissuedCard): boolean {
  return (
    current.pan === card.pan &&
    current.expiry.month === card.expiry.month &&
    current.expiry.year === card.expiry.year &&
    current.name === card.name
  );
}

async function viewOf(ctx: RegionContext, tokenRef: string): Promise<api.IssuerTokenView> {
  const row = await tokenRows(ctx.db).where('c.token_ref', '=', tokenRef).executeTakeFirstOrThrow();
  return issuerTokenView(ctx.self.id, row);
}
