import { createECDH, createHash, randomBytes, type ECDH } from 'node:crypto';
import { KEY_AGREEMENT_ALG, type RegionEntry } from '@domicile/protocol';
import { encryptionKeyColumn, signingKeyColumn } from '../accounts/index.js';
import type { CardProduct, TestCard } from '../issuer/index.js';
import { sessionProductColumn } from '../sessions/index.js';
import type {
  AccountRow,
  CredentialLifecycleRow,
  CredentialRow,
  DeviceRow,
  SessionRow,
  VaultRecordRow,
} from '../storage/index.js';
import type { Vault } from '../vault/index.js';
import { seedTokenNumber } from './seed-token-number.js';

/** A green test card of the region, with the card product eligibility would return for it. */
export interface SeedCard {
  readonly card: TestCard;
  readonly product: CardProduct;
}

export interface BatchContext {
  readonly region: RegionEntry;
  readonly cards: readonly SeedCard[];
  readonly vault: Vault;
  readonly stamp: string;
  /** `MM/YYYY`, as tokenization stores it. */
  readonly tokenExpiry: string;
  readonly panSequenceNumber: string;
}

/** The rows of a batch of tokens, in the order they are inserted. */
export interface BatchRows {
  readonly accounts: AccountRow[];
  readonly devices: DeviceRow[];
  readonly vaultRecords: VaultRecordRow[];
  readonly sessions: SessionRow[];
  /** Without their card art, which is stored inside the transaction. */
  readonly credentials: Omit<CredentialRow, 'art_asset_id'>[];
  readonly lifecycle: CredentialLifecycleRow[];
}

/** Ids drawn 16 random bytes at a time from one buffer: the same ids as `newId`, fewer system calls. */
class IdPool {
  readonly #bytes: Buffer;
  #next = 0;

  constructor(count: number) {
    this.#bytes = randomBytes(16 * count);
  }

  id(): string {
    const start = 16 * this.#next++;
    if (start >= this.#bytes.length) return randomBytes(16).toString('base64url');
    return this.#bytes.subarray(start, start + 16).toString('base64url');
  }
}

const IDS_PER_TOKEN = 5;

/**
 * The rows of `count` seeded tokens from token `first` on: a device (and its registered account)
 * for each run of the region's green cards, and per token its vault record, provisioning session,
 * credential and lifecycle row.
 */
export async function buildBatch(
  c: BatchContext,
  first: number,
  count: number,
): Promise<BatchRows> {
  const rows: BatchRows = {
    accounts: [],
    devices: [],
    vaultRecords: [],
    sessions: [],
    credentials: [],
    lifecycle: [],
  };
  const ids = new IdPool(IDS_PER_TOKEN * count + 2 * Math.ceil(count / c.cards.length));
  const ecdh = createECDH('prime256v1');
  const { stamp } = c;
  let device: DeviceRow | undefined;
  for (let j = 0; j < count; j++) {
    const { card, product } = c.cards[j % c.cards.length] as SeedCard;
    if (j % c.cards.length === 0 || device === undefined) {
      const accountId = ids.id();
      rows.accounts.push({
        id: accountId,
        kind: 'registered',
        name: 'Seeded User',
        email: `seed-${first + j}@seed.example`,
        home_region: c.region.id,
        pseudonym: null,
        can_transact: 1,
        created_at: stamp,
      });
      device = seededDevice(ecdh, { id: ids.id(), accountId, stamp });
      rows.devices.push(device);
    }
    const sealed = await c.vault.seal(
      { pan: card.pan, expiry: card.expiry, name: card.name },
      ids.id(),
    );
    const [sessionId, credentialId, tokenRef] = [ids.id(), ids.id(), ids.id()];
    const last4 = card.pan.slice(-4);
    rows.vaultRecords.push({ ...sealed, created_at: stamp });
    rows.sessions.push({
      id: sessionId,
      account_id: device.account_id,
      device_id: device.id,
      state: 'tokenized',
      routing_prefix: card.pan.slice(0, 8),
      last4,
      network: card.network,
      decision: 'green',
      reason: null,
      product: sessionProductColumn.encode(product),
      terms_id: product.terms.id,
      terms_hash: null,
      terms_accepted_at: stamp,
      vault_record_id: sealed.id,
      idv_methods: null,
      idv_method: null,
      idv_code_hash: null,
      idv_expires_at: null,
      idv_tries_left: 0,
      credential_id: credentialId,
      expires_at: stamp,
      created_at: stamp,
      updated_at: stamp,
    });
    rows.credentials.push({
      id: credentialId,
      token_ref: tokenRef,
      token_number: seedTokenNumber(c.region.tokenRanges, first + j),
      token_expiry: c.tokenExpiry,
      account_id: device.account_id,
      device_id: device.id,
      session_id: sessionId,
      vault_record_id: sealed.id,
      pan_hash: sealed.pan_hash,
      last4,
      network: card.network,
      state: 'active',
      psn: c.panSequenceNumber,
      atc_last: 0,
      script_id: null,
      created_at: stamp,
      updated_at: stamp,
      last_used_at: null,
    });
    rows.lifecycle.push({
      credential_id: credentialId,
      token_ref: tokenRef,
      product_id: product.id,
      suspended_by: null,
      resume_state: null,
      updated_at: stamp,
    });
  }
  return rows;
}

/**
 * A device with a real P-256 signing key and encryption key (fresh ECDH key pairs: the private
 * halves are thrown away, as nobody will ever act as these devices). Its `jkt` is the signing
 * key's thumbprint, as registration stores it.
 */
function seededDevice(ecdh: ECDH, d: { id: string; accountId: string; stamp: string }): DeviceRow {
  const signing = publicJwkOf(ecdh);
  const encryption = publicJwkOf(ecdh);
  return {
    id: d.id,
    account_id: d.accountId,
    jkt: thumbprint(signing),
    signing_jwk: signingKeyColumn.encode(signing),
    encryption_jwk: encryptionKeyColumn.encode({
      ...encryption,
      kid: thumbprint(encryption),
      alg: KEY_AGREEMENT_ALG,
      use: 'enc',
    }),
    model: 'seeded',
    created_at: d.stamp,
    lost_at: null,
    removed_at: null,
  };
}

interface EcPublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

function publicJwkOf(ecdh: ECDH): EcPublicJwk {
  // generateKeys draws a new private key each call; the public key is the uncompressed point 04 || x || y.
  const point = ecdh.generateKeys();
  return {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
}

/** RFC 7638 §3: SHA-256 of the required members in lexicographic order, no whitespace (what `jwkThumbprint` computes). */
export function thumbprint(jwk: EcPublicJwk): string {
  return createHash('sha256')
    .update(`{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`)
    .digest('base64url');
}
