import {
  DomicileError,
  TYP,
  encryptJson,
  isDomicileError,
  jwkThumbprint,
  type api,
} from '@domicile/protocol';
import {
  encryptionKeyColumn,
  requireDeviceActive,
  type AuthenticatedDevice,
} from '../accounts/index.js';
import { storeCardArt } from '../assets/index.js';
import { appendAudit } from '../audit/index.js';
import {
  credentialView,
  deviceHoldsCard,
  findCredentialById,
  insertCredentials,
} from '../credentials/index.js';
import type { InCommit } from '../idempotency/index.js';
import { newId } from '../ids/index.js';
import { recordTokenCreated } from '../lifecycle/index.js';
import { insertNotification } from '../notifications/index.js';
import type { RegionContext } from '../region-context.js';
import {
  isUniqueViolation,
  precompiled,
  type CredentialRow,
  type SessionRow,
} from '../storage/index.js';
import { deriveTokenMasterKey } from './token-keys.js';
import {
  advanceSession,
  loadSession,
  loadSessionWithPanHash,
  requireState,
  sessionProduct,
  sessionView,
} from '../sessions/index.js';
import { vaultError } from '../vault/index.js';
import { drawTokenNumber } from './token-number.js';

const TOKEN_NUMBER_ATTEMPTS = 8;
const TOKEN_VALIDITY_MONTHS = 36;
const PAN_SEQUENCE_NUMBER = '00';

/** The TSM's pending script of a new token, for its worker to build: compiled once. */
const queueScript = precompiled(
  5,
  (
    db,
    id: string,
    credential_id: string,
    token_ref: string,
    device_id: string,
    created_at: string,
  ) =>
    db.insertInto('tsm_scripts').values({
      id,
      credential_id,
      token_ref,
      device_id,
      state: 'pending',
      script: null,
      script_hash: null,
      attempts: 0,
      created_at,
      ready_at: null,
    }),
);

/**
 * Step 5–6: tokenization. One transaction makes the token, links it to the vault record, stores
 * the card art, queues the TSM's script and writes the `credential.provisioned` notification — a
 * crash leaves all of it or none (DESIGN: Exactly once, Durable push). Asking again for a session
 * already tokenized answers with the same token, so a retry never makes a second one. The answer
 * is sealed inside that transaction, for `inCommit` to store with the token.
 */
export async function tokenize(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  inCommit?: InCommit<api.TokenizeResponse>,
): Promise<api.TokenizeResponse> {
  // The vault record's card hash is read with the session, before the transaction: on SQLite
  // the transaction holds the only connection.
  const { session: row, panHash } = await loadSessionWithPanHash(
    ctx.db,
    sessionId,
    who.device.id,
    ctx.now(),
  );
  if (row.state === 'tokenized')
    return tokenizedAlready(ctx, who, sessionId, new DomicileError('SESSION_STATE'));
  requireState(row, 'ready');
  const product = sessionProduct(row);
  requireVaultRecord(row);
  if (panHash === null) throw vaultError('record_not_found');

  for (let attempt = 0; attempt < TOKEN_NUMBER_ATTEMPTS; attempt++) {
    try {
      const answer = await ctx.db.transaction().execute(async (trx) => {
        const now = ctx.now();
        const stamp = now.toISOString();
        // A lost-device report or a removal may have committed since this request was authenticated.
        await requireDeviceActive(trx, who.device.id);
        const asset = await storeCardArt(
          trx,
          product,
          row.network as api.CredentialView['network'],
        );
        const expiry = new Date(
          Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + TOKEN_VALIDITY_MONTHS, 1),
        );
        const credential: CredentialRow = {
          id: newId(),
          token_ref: newId(),
          token_number: drawTokenNumber(ctx.self.tokenRanges),
          token_expiry: `${String(expiry.getUTCMonth() + 1).padStart(2, '0')}/${expiry.getUTCFullYear()}`,
          account_id: who.account.id,
          device_id: who.device.id,
          session_id: row.id,
          vault_record_id: requireVaultRecord(row),
          pan_hash: panHash,
          last4: row.last4,
          network: row.network,
          state: 'pending_activation',
          psn: PAN_SEQUENCE_NUMBER,
          atc_last: 0,
          art_asset_id: asset.id,
          script_id: null,
          created_at: stamp,
          updated_at: stamp,
          last_used_at: null,
        };
        await insertCredentials(trx, [credential]);
        await recordTokenCreated(trx, ctx, { credential, productId: product.id, now });
        await queueScript.execute(
          trx,
          newId(),
          credential.id,
          credential.token_ref,
          who.device.id,
          stamp,
        );
        const session = await advanceSession(
          trx,
          row,
          { state: 'tokenized', credential_id: credential.id },
          now,
        );
        await insertNotification(
          trx,
          who.device.id,
          {
            type: 'credential.provisioned',
            tokenRef: credential.token_ref,
            art: { assetId: asset.id, sha256: asset.sha256 },
          },
          now,
        );
        await appendAudit(trx, {
          at: stamp,
          actor: `device:${who.device.id}`,
          action: 'credential.tokenized',
          subject: credential.token_ref,
          detail: { session: row.id, last4: row.last4 },
        });
        const tokenized = await respond(ctx, who, session, credential);
        await inCommit?.(trx, tokenized);
        return tokenized;
      });
      ctx.hub.publish(who.device.id);
      ctx.tsmWorker.kick();
      return answer;
    } catch (error) {
      // Another request tokenized this session first: answer with its token, as a retry would get.
      if (isDomicileError(error, 'SESSION_STATE'))
        return tokenizedAlready(ctx, who, sessionId, error);
      // A unique violation is a token number collision (draw again) or another session of this
      // device that tokenized the card since the card step checked (`credentials_live_card_unique`
      // holds the rule, so the check is not repeated inside the transaction).
      if (!isUniqueViolation(error)) throw error;
      if (await deviceHoldsCard(ctx.db, { deviceId: who.device.id, panHash }))
        throw new DomicileError('CARD_ALREADY_PROVISIONED');
    }
  }
  throw new DomicileError('TOKEN_RANGE_EXHAUSTED');
}

async function tokenizedAlready(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  lost: DomicileError,
): Promise<api.TokenizeResponse> {
  const row = await loadSession(ctx.db, sessionId, who.device.id, ctx.now());
  if (row.state !== 'tokenized' || row.credential_id === null) throw lost;
  const credential = await findCredentialById(ctx.db, row.credential_id);
  if (credential === undefined)
    throw new DomicileError('INTERNAL', {
      details: { reason: 'tokenized session without its credential' },
    });
  return respond(ctx, who, row, credential);
}

function requireVaultRecord(row: SessionRow): string {
  if (row.vault_record_id === null) throw new DomicileError('SESSION_STATE');
  return row.vault_record_id;
}

/** The provisioning data: a JWS by this region (so the device can trust it) inside a JWE to the device (so only it can read it). */
async function respond(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  session: SessionRow,
  credential: CredentialRow,
): Promise<api.TokenizeResponse> {
  const [month, year] = credential.token_expiry.split('/').map(Number);
  const payload: api.ProvisioningPayload = {
    region: ctx.self.id,
    sessionId: session.id,
    tokenRef: credential.token_ref,
    tokenNumber: credential.token_number,
    tokenExpiry: { month: month ?? 1, year: year ?? 2000 },
    panSequenceNumber: credential.psn,
    iccMasterKey: deriveTokenMasterKey(
      ctx.keys.secrets.issuerMasterKey,
      credential.token_number,
      credential.psn,
    ),
    atcStart: credential.atc_last,
    network: credential.network as api.ProvisioningPayload['network'],
    last4: credential.last4,
    deviceJkt: who.device.jkt,
    issuedAt: Math.floor(ctx.now().getTime() / 1000),
  };
  const signed = await ctx.keyring.signing.sign(payload, TYP.provisioningPayload);
  const deviceKey = encryptionKeyColumn.decode(who.device.encryption_jwk);
  const kid = typeof deviceKey.kid === 'string' ? deviceKey.kid : await jwkThumbprint(deviceKey);
  const provisioningData = await encryptJson(signed, { ...deviceKey, kid }, TYP.provisioningData);
  return {
    session: sessionView(session, ctx.self.id),
    credential: credentialView(ctx, credential),
    provisioningData,
  };
}
