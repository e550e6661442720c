import { randomBytes, randomInt } from 'node:crypto';
import type { api } from '@domicile/protocol';
import { storeCardArt } from '../assets/index.js';
import type { TrustedIssuerConfig, WebhookDeliveryConfig } from '../config/index.js';
import { SANDBOX_PRODUCTS } from '../issuer/index.js';
import { createRegion, type Region } from '../region-server.js';
import type { CredentialRow } from '../storage/index.js';
import { createRegionFixture, type RegionFixture } from '../testing/region-fixture.js';
import { recordTokenCreated } from './credential-lifecycle-store.js';

const id = (): string => randomBytes(12).toString('base64url');

let fixture: RegionFixture | undefined;

/** An in-memory `us` region (not listening) trusting `issuers`; its workers poll rarely, tests drive them. */
export async function lifecycleRegion(
  issuers: readonly TrustedIssuerConfig[] = [],
  webhooks: WebhookDeliveryConfig = { pollMs: 60_000 },
): Promise<Region> {
  fixture ??= await createRegionFixture();
  const keys = fixture.keys.get('us');
  if (keys === undefined) throw new Error('no us keys');
  return createRegion({
    region: 'us',
    directoryJws: fixture.directoryJws,
    authorityKey: fixture.authorityKey,
    keys,
    databaseUrl: 'sqlite::memory:',
    issuer: { kind: 'sandbox' },
    logLevel: 'silent',
    tsmPollMs: 60_000,
    issuers,
    webhooks,
  });
}

/** A seeded credential, with what a test needs to check on it. */
export interface SeededCredential {
  readonly credential: CredentialRow;
  readonly pan: string;
}

/**
 * Writes what provisioning leaves for a credential — device, account, sealed vault record, session
 * with its card product, credential, lifecycle row and `token.created` webhook — without the HTTP
 * steps. Test data only.
 */
export async function seedCredential(
  region: Region,
  options: {
    productId?: string;
    state?: api.CredentialState;
    deviceId?: string;
    pan?: string;
  } = {},
): Promise<SeededCredential> {
  const { db, vault } = region.context;
  const product = SANDBOX_PRODUCTS.get(options.productId ?? 'us-liberty-visa');
  if (product === undefined) throw new Error('unknown sandbox product');
  const pan = options.pan ?? '4111111111111111';
  const now = new Date();
  const stamp = now.toISOString();
  const [accountId, sessionId] = [id(), id()];
  const deviceId = options.deviceId ?? id();
  const sealed = await vault.seal({ pan, expiry: { month: 12, year: 2030 }, name: 'Jane Doe' });
  const credential = await db.transaction().execute(async (trx) => {
    await vault.insert(trx, sealed);
    const art = await storeCardArt(trx, product, 'visa');
    await trx
      .insertInto('provisioning_sessions')
      .values({
        id: sessionId,
        account_id: accountId,
        device_id: deviceId,
        state: 'tokenized',
        routing_prefix: pan.slice(0, 8),
        last4: pan.slice(-4),
        network: 'visa',
        decision: 'green',
        reason: null,
        product: JSON.stringify(product),
        terms_id: product.terms.id,
        terms_hash: 'h',
        terms_accepted_at: stamp,
        vault_record_id: sealed.id,
        idv_methods: null,
        idv_method: null,
        idv_code_hash: null,
        idv_expires_at: null,
        idv_tries_left: 3,
        credential_id: null,
        expires_at: stamp,
        created_at: stamp,
        updated_at: stamp,
      })
      .execute();
    const row: CredentialRow = {
      id: id(),
      token_ref: id(),
      token_number: `4890000${String(randomInt(1e9)).padStart(9, '0')}`,
      token_expiry: '12/2028',
      account_id: accountId,
      device_id: deviceId,
      session_id: sessionId,
      vault_record_id: sealed.id,
      pan_hash: sealed.pan_hash,
      last4: pan.slice(-4),
      network: 'visa',
      state: options.state ?? 'active',
      psn: '00',
      atc_last: 0,
      art_asset_id: art.id,
      script_id: null,
      created_at: stamp,
      updated_at: stamp,
      last_used_at: null,
    };
    await trx.insertInto('credentials').values(row).execute();
    await recordTokenCreated(trx, region.context, { credential: row, productId: product.id, now });
    return row;
  });
  return { credential, pan };
}

/** The notifications written for a device, oldest first. */
export async function notificationsOf(
  region: Region,
  deviceId: string,
): Promise<api.NotificationData[]> {
  const rows = await region.context.db
    .selectFrom('notifications')
    .select('data')
    .where('device_id', '=', deviceId)
    .orderBy('id')
    .execute();
  return rows.map((r) => JSON.parse(r.data) as api.NotificationData);
}
