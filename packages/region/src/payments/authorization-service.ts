import {
  DomicileError,
  definedProps,
  isDomicileError,
  transactionFacts,
  type TransactionFacts,
  type api,
} from '@domicile/protocol';
import { claimAtc, findCredentialByTokenNumber } from '../credentials/index.js';
import { newId } from '../ids/index.js';
import { noteOutcome } from '../logging/index.js';
import { recordSingleUseId, type VerifiedNetworkAuthorization } from '../request-auth/index.js';
import { claimAtcWithSingleUseId } from './atc-claim.js';
import type { AuthorizationDecision } from '../issuer/index.js';
import type { RegionContext } from '../region-context.js';
import { productFromSession } from '../sessions/index.js';
import type { CredentialRow, TransactionRow, VaultRecordRow } from '../storage/index.js';
import {
  RESPONSE_CODES,
  checkAuthorization,
  issuerResponse,
  type CheckedAuthorization,
  type TokenKey,
} from './authorization-checks.js';
import {
  recordTransmission,
  transmissionOf,
  type FirstTransmission,
  type Transmission,
} from './authorization-requests.js';
import { findTransaction, recordTransaction } from './transaction-store.js';

/** An authorization request whose network signature the edge has verified, its jti not yet recorded. */
export type NetworkAuthorization = VerifiedNetworkAuthorization;

/**
 * DESIGN step 7, in the region that issued the token: finds the token, checks it and its
 * cryptogram, records the request's jti and claims the ATC in one commit, de-tokenizes inside the
 * region only to ask the issuer, records the decision, and answers with the ARPC. The answer names
 * the token by its last 4 digits and never carries the card number. A decline is an answer; only
 * an unknown token is an error. A resend of a request the acquirer named by its `requestId`
 * (duplicate transmission) gets the decision and ARPC recorded for the first transmission.
 * @throws DomicileError `TOKEN_NOT_FOUND`, `AUTHORIZATION_REPLAYED`,
 *   `AUTHORIZATION_REQUEST_MISMATCH`, or `VALIDATION_FAILED` for data elements that are not BCD.
 */
export async function authorizeTransaction(
  ctx: RegionContext,
  input: NetworkAuthorization,
): Promise<api.AuthorizationResponse> {
  const { request } = input;
  const found = await findCredentialByTokenNumber(ctx.db, request.tokenNumber);
  if (found === undefined) throw new DomicileError('TOKEN_NOT_FOUND');
  const { credential, vaultRecord } = found;
  const facts = transactionFacts(request.emv);
  const key: TokenKey = {
    imk: Buffer.from(ctx.keys.secrets.issuerMasterKey, 'hex'),
    pan: credential.token_number,
    psn: credential.psn,
  };
  const checked = checkAuthorization({ credential, request, facts, key });
  const {
    authorizationId: id,
    decline,
    resent,
  } = await claim(ctx, {
    jti: input.singleUse,
    transmission: transmissionOf(input.network, request),
    credential,
    facts,
    checked,
  });
  // A resend whose first transmission was decided answers from its record; one whose first died
  // (or is still at the issuer) decides under the first one's id, and the first record wins.
  const recorded = resent ? await findTransaction(ctx.db, id) : undefined;
  const stored =
    recorded ??
    (await recordTransaction(
      ctx.db,
      transactionRow(ctx, {
        id,
        network: input.network,
        credential,
        request,
        facts,
        checked,
        reason: decline ?? (await askIssuer(ctx, { id, credential, vaultRecord, request, facts })),
      }),
    ));
  const decided = {
    authorizationId: id,
    tokenRef: credential.token_ref,
    network: input.network,
    approved: stored.approved === 1,
    reason: stored.reason,
    resent,
  };
  if (!noteOutcome(decided)) ctx.logger.info(decided, 'authorization decided');
  return {
    authorizationId: stored.id,
    region: ctx.self.id,
    approved: stored.approved === 1,
    reason: stored.reason as api.AuthorizationReason,
    responseCode: stored.response_code,
    tokenLast4: credential.token_number.slice(-4),
    atc: stored.atc,
    amount: { minor: Number(stored.amount_minor), currency: stored.currency },
    ...definedProps({ arpc: stored.arpc ?? undefined, csu: stored.csu ?? undefined }),
    createdAt: stored.created_at,
  };
}

/**
 * A genuine cryptogram first claims its ATC, so that of requests racing with one ATC only one goes
 * on to the issuer; the claim stays even when the token's state or the issuer declines after it.
 * The request's jti, and its transmission when the acquirer named it, are recorded in the claim's
 * transaction: one commit on the hot path, a replayed request still changes nothing, and a region
 * that dies after this commit still knows, at the acquirer's resend, that the ATC was this
 * request's.
 */
async function claim(
  ctx: RegionContext,
  input: {
    jti: NetworkAuthorization['singleUse'];
    transmission: Transmission | undefined;
    credential: CredentialRow;
    facts: TransactionFacts;
    checked: CheckedAuthorization;
  },
): Promise<FirstTransmission & { resent: boolean }> {
  const { credential, facts, checked, transmission } = input;
  const atc = { credentialId: credential.id, atc: facts.atc, at: ctx.now().toISOString() };
  const declineOf = (claimed: boolean): api.AuthorizationReason | undefined =>
    !checked.arqcVerified || claimed ? checked.decline : 'atc_replayed';
  const authorizationId = newId();
  // Nothing to record but the jti and the claim: one commit without a transaction around it.
  if (transmission === undefined) {
    if (!checked.arqcVerified) await recordSingleUseId(ctx.db, input.jti);
    const claimed = checked.arqcVerified && (await claimAtcWithSingleUseId(ctx.db, input.jti, atc));
    return { authorizationId, decline: declineOf(claimed), resent: false };
  }
  return ctx.db.transaction().execute(async (trx) => {
    await recordSingleUseId(trx, input.jti);
    const decline = declineOf(checked.arqcVerified && (await claimAtc(trx, atc)));
    const first = await recordTransmission(trx, transmission, {
      authorizationId,
      decline,
      at: atc.at,
    });
    return first === undefined
      ? { authorizationId, decline, resent: false }
      : { ...first, resent: true };
  });
}

/** De-tokenizes in the region and hands the card to the issuer; an issuer that does not answer declines. */
async function askIssuer(
  ctx: RegionContext,
  input: {
    id: string;
    credential: CredentialRow;
    /** Read with the credential, before the claim: its card is only decrypted here. */
    vaultRecord: VaultRecordRow | undefined;
    request: api.AuthorizationRequest;
    facts: TransactionFacts;
  },
): Promise<api.AuthorizationReason> {
  const { credential, request, facts } = input;
  const product = await productFromSession(ctx.db)(credential);
  const card = await ctx.vault.openRecord(input.vaultRecord);
  let decision: AuthorizationDecision;
  try {
    decision = await ctx.issuer.authorize({
      authorizationId: input.id,
      pan: card.pan,
      expiry: card.expiry,
      productId: product.id,
      amount: { minor: facts.amountMinor, currency: facts.currency },
      merchant: { id: request.merchant.id, name: request.merchant.name },
      country: facts.country,
      channel: request.channel,
    });
  } catch (error) {
    if (!isDomicileError(error, 'ISSUER_UNAVAILABLE')) throw error;
    ctx.logger.warn(
      { authorizationId: input.id, code: error.code },
      'issuer unavailable: declined',
    );
    return 'issuer_unavailable';
  }
  return decision.reason;
}

function transactionRow(
  ctx: RegionContext,
  input: {
    id: string;
    network: string;
    credential: CredentialRow;
    request: api.AuthorizationRequest;
    facts: TransactionFacts;
    checked: CheckedAuthorization;
    reason: api.AuthorizationReason;
  },
): TransactionRow {
  const { credential, request, facts, checked, reason } = input;
  const response = checked.arqcVerified
    ? issuerResponse(checked.sessionKey, { arqc: request.arqc, approved: reason === 'approved' })
    : undefined;
  return {
    id: input.id,
    credential_id: credential.id,
    token_ref: credential.token_ref,
    device_id: credential.device_id,
    account_id: credential.account_id,
    network: input.network,
    atc: facts.atc,
    amount_minor: facts.amountMinor,
    currency: facts.currency,
    country: facts.country,
    transaction_date: facts.date,
    transaction_type: facts.type,
    channel: request.channel,
    merchant_id: request.merchant.id,
    merchant_name: request.merchant.name,
    approved: reason === 'approved' ? 1 : 0,
    reason,
    response_code: RESPONSE_CODES[reason],
    arpc: response?.arpc ?? null,
    csu: response?.csu ?? null,
    created_at: ctx.now().toISOString(),
  };
}
