import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { storeCardArt } from '../assets/index.js';
import { SANDBOX_PRODUCTS } from '../issuer/index.js';
import type { Database } from '../storage/index.js';

const id = (): string => randomBytes(12).toString('base64url');

/** What a tokenization leaves for the TSM worker: session, credential, card art, pending script. */
export interface SeededScript {
  readonly scriptId: string;
  readonly credentialId: string;
  readonly tokenRef: string;
  readonly deviceId: string;
  readonly artAssetId: string;
  readonly artSha256: string;
}

/** Writes what `tokenize` writes, minus the parts the worker does not read. Test data only. */
export async function seedPendingScript(
  db: Kysely<Database>,
  options: { deviceId?: string; productId?: string } = {},
): Promise<SeededScript> {
  const product = SANDBOX_PRODUCTS.get(options.productId ?? 'us-liberty-visa');
  if (product === undefined) throw new Error('unknown sandbox product');
  const now = new Date().toISOString();
  const deviceId = options.deviceId ?? id();
  const [sessionId, credentialId, tokenRef, scriptId] = [id(), id(), id(), id()];
  return db.transaction().execute(async (trx) => {
    const art = await storeCardArt(trx, product, 'visa');
    await trx
      .insertInto('provisioning_sessions')
      .values({
        id: sessionId,
        account_id: 'account-1',
        device_id: deviceId,
        state: 'tokenized',
        routing_prefix: '41111111',
        last4: '1111',
        network: 'visa',
        decision: 'green',
        reason: null,
        product: JSON.stringify(product),
        terms_id: product.terms.id,
        terms_hash: 'h',
        terms_accepted_at: now,
        vault_record_id: 'vault-record-1',
        idv_methods: null,
        idv_method: null,
        idv_code_hash: null,
        idv_expires_at: null,
        idv_tries_left: 3,
        credential_id: credentialId,
        expires_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('credentials')
      .values({
        id: credentialId,
        token_ref: tokenRef,
        token_number: `4890000${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`,
        token_expiry: '12/2028',
        account_id: 'account-1',
        device_id: deviceId,
        session_id: sessionId,
        vault_record_id: 'vault-record-1',
        pan_hash: 'hash',
        last4: '1111',
        network: 'visa',
        state: 'pending_activation',
        psn: '00',
        atc_last: 0,
        art_asset_id: art.id,
        script_id: null,
        created_at: now,
        updated_at: now,
        last_used_at: null,
      })
      .execute();
    await trx
      .insertInto('tsm_scripts')
      .values({
        id: scriptId,
        credential_id: credentialId,
        token_ref: tokenRef,
        device_id: deviceId,
        state: 'pending',
        script: null,
        script_hash: null,
        attempts: 0,
        created_at: now,
        ready_at: null,
      })
      .execute();
    return {
      scriptId,
      credentialId,
      tokenRef,
      deviceId,
      artAssetId: art.id,
      artSha256: art.sha256,
    };
  });
}
