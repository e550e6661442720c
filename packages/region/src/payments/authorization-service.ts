import {
  DomicileError,
  isDomicileError,
  transactionFacts,
  type TransactionFacts,
  type api,
} from '@domicile/protocol';
import { claimAtc, findCredentialByTokenNumber } from '../credentials/index.js';
import { newId } from '../ids/index.js';
import { recordSingleUseId, type VerifiedNetworkAuthorization } from '../request-auth/index.js';
import type { AuthorizationDecision } from '../issuer/index.js';
import type { RegionContext } from '../region-context.js';
import { productFromSession } from '../sessions/index.js';
import type { CredentialRow, TransactionRow } from '../storage/index.js';
import {
  RESPONSE_CODES,
  checkAuthorization,
  issuerResponse,
  type CheckedAuthorization,
  type TokenKey,
} from './authorization-checks.js';
import { recordTransaction } from './transaction-store.js';

/** An authorization request whose network signature the edge has verified, its jti not yet recorded. */
export type NetworkAuthorization = VerifiedNetworkAuthorization;

/**
 * DESIGN step 7, in the region that issued the token: finds the token, checks it and its
 * cryptogram, records the request's jti and claims the ATC in one commit, de-tokenizes inside the
 * region only to ask the issuer, records the decision, and answers with the ARPC. The answer names
 * the token by its last 4 digits and never carries the card number. A decline is an answer; only
 * an unknown token is an error.
 * @throws DomicileError `TOKEN_NOT_FOUND`, `AUTHORIZATION_REPLAYED`, or `VALIDATION_FAILED` for
 *   data elements that are not BCD.
 */
export async function authorizeTransaction(
  ctx: RegionContext,
  input: NetworkAuthorization,
): Promise<api.AuthorizationResponse> {
  const { request } = input;
  const credential = await findCredentialByTokenNumber(ctx.db, request.tokenNumber);
  if (credential === undefined) throw new DomicileError('TOKEN_NOT_FOUND');
  const facts = transactionFacts(request.emv);
  const key: TokenKey = {
    imk: Buffer.from(ctx.keys.secrets.issuerMasterKey, 'hex'),
    pan: credential.token_number,
    psn: credential.psn,
  };
  const id = newId();
  const checked = checkAuthorization({ credential, request, facts, key });
  const decision = await decide(ctx, {
    id,
    jti: input.singleUse,
    credential,
    request,
    facts,
    checked,
  });

  const stored = await recordTransaction(
    ctx.db,
    transactionRow(ctx, {
      id,
      network: input.network,
      credential,
      request,
      facts,
      reason: decision,
    }),
  );
  const approved = stored.approved === 1;
  ctx.logger.info(
    {
      authorizationId: id,
      tokenRef: credential.token_ref,
      network: input.network,
      approved,
      reason: stored.reason,
    },
    'authorization decided',
  );
  return {
    authorizationId: id,
    region: ctx.self.id,
    approved,
    reason: stored.reason as api.AuthorizationReason,
    responseCode: stored.response_code,
    tokenLast4: credential.token_number.slice(-4),
    atc: facts.atc,
    amount: { minor: facts.amountMinor, currency: facts.currency },
    ...(checked.arqcVerified
      ? issuerResponse(checked.sessionKey, { arqc: request.arqc, approved })
      : {}),
    createdAt: stored.created_at,
  };
}

/**
 * A genuine cryptogram first claims its ATC, so that of requests racing with one ATC only one goes
 * on to the issuer; the claim stays even when the token's state or the issuer declines after it.
 * The request's jti is recorded first, in the claim's transaction: one commit on the hot path
 * instead of two, and a replayed request still changes nothing.
 */
async function decide(
  ctx: RegionContext,
  input: {
    id: string;
    jti: NetworkAuthorization['singleUse'];
    credential: CredentialRow;
    request: api.AuthorizationRequest;
    facts: TransactionFacts;
    checked: CheckedAuthorization;
  },
): Promise<api.AuthorizationReason> {
  const { credential, facts, checked } = input;
  if (!checked.arqcVerified) {
    await recordSingleUseId(ctx.db, input.jti);
    return checked.decline;
  }
  const claimed = await ctx.db.transaction().execute(async (trx) => {
    await recordSingleUseId(trx, input.jti);
    return claimAtc(trx, { credentialId: credential.id, atc: facts.atc });
  });
  if (!claimed) return 'atc_replayed';
  return checked.decline ?? askIssuer(ctx, input);
}

/** De-tokenizes in the region and hands the card to the issuer; an issuer that does not answer declines. */
async function askIssuer(
  ctx: RegionContext,
  input: {
    id: string;
    credential: CredentialRow;
    request: api.AuthorizationRequest;
    facts: TransactionFacts;
  },
): Promise<api.AuthorizationReason> {
  const { credential, request, facts } = input;
  const product = await productFromSession(ctx.db)(credential);
  const card = await ctx.vault.open(ctx.db, credential.vault_record_id);
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
    reason: api.AuthorizationReason;
  },
): TransactionRow {
  const { credential, request, facts, reason } = input;
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
    created_at: ctx.now().toISOString(),
  };
}
