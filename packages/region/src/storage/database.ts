import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The region database: one schema for SQLite and PostgreSQL. Portable column types only —
 * text (ISO-8601 UTC timestamps, JSON, base64url binary), integer (0/1 for booleans) — so the
 * same migrations and queries serve both adapters.
 */
export interface Database {
  accounts: AccountsTable;
  devices: DevicesTable;
  dpop_jtis: DpopJtisTable;
  assertion_jtis: AssertionJtisTable;
  idempotency_keys: IdempotencyKeysTable;
  provisioning_sessions: ProvisioningSessionsTable;
  vault_records: VaultRecordsTable;
  credentials: CredentialsTable;
  notifications: NotificationsTable;
  assets: AssetsTable;
  tsm_scripts: TsmScriptsTable;
  issuer_outbox: IssuerOutboxTable;
  audit_log: AuditLogTable;
}

export interface AccountsTable {
  id: string;
  kind: 'registered' | 'guest';
  /** Personal data: only on registered accounts, never on guest accounts. */
  name: string | null;
  email: string | null;
  home_region: string;
  /** Guest accounts: the home region's pairwise pseudonym (`sub` of the redirect assertion). */
  pseudonym: string | null;
  can_transact: number;
  created_at: string;
}

export interface DevicesTable {
  id: string;
  account_id: string;
  /** RFC 7638 thumbprint of the signing key: how a DPoP proof finds its device. Unique. */
  jkt: string;
  signing_jwk: string;
  encryption_jwk: string;
  model: string | null;
  created_at: string;
}

export interface DpopJtisTable {
  jkt: string;
  jti: string;
  expires_at: string;
}

export interface AssertionJtisTable {
  jti: string;
  issuer: string;
  expires_at: string;
}

export interface IdempotencyKeysTable {
  /** Who the key belongs to (the device's jkt): keys of different devices never collide. */
  scope: string;
  key: string;
  /** SHA-256 of method, path and body: the same key with another request is refused. */
  request_hash: string;
  state: 'in_flight' | 'done';
  status_code: number | null;
  response_body: string | null;
  created_at: string;
  updated_at: string;
}

export interface ProvisioningSessionsTable {
  id: string;
  account_id: string;
  device_id: string;
  state: string;
  routing_prefix: string;
  last4: string;
  network: string;
  decision: string | null;
  reason: string | null;
  /** The issuer's card product (JSON) as eligibility returned it: terms, contact, art. */
  product: string | null;
  terms_id: string | null;
  terms_hash: string | null;
  terms_accepted_at: string | null;
  vault_record_id: string | null;
  idv_methods: string | null;
  idv_method: string | null;
  idv_code_hash: string | null;
  idv_expires_at: string | null;
  idv_tries_left: number;
  credential_id: string | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export interface VaultRecordsTable {
  id: string;
  /** HMAC-SHA-256 of the card number under the region's hash key: de-duplication without the number. */
  pan_hash: string;
  /** Which key-encryption key wrapped the data key. */
  kek_id: string;
  /** The per-record data key, wrapped; null once the record is erased (crypto-shredding). */
  wrapped_key: string | null;
  iv: string;
  ciphertext: string;
  tag: string;
  created_at: string;
  erased_at: string | null;
}

export interface CredentialsTable {
  id: string;
  token_ref: string;
  token_number: string;
  token_expiry: string;
  account_id: string;
  device_id: string;
  session_id: string;
  vault_record_id: string;
  pan_hash: string;
  last4: string;
  network: string;
  state: 'pending_activation' | 'active' | 'suspended' | 'deleted';
  psn: string;
  atc_last: number;
  art_asset_id: string;
  script_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationsTable {
  id: Generated<number>;
  device_id: string;
  type: string;
  data: string;
  created_at: string;
}

export interface AssetsTable {
  id: string;
  content_type: string;
  sha256: string;
  /** base64 of the bytes. */
  body: string;
  created_at: string;
}

export interface TsmScriptsTable {
  id: string;
  credential_id: string;
  token_ref: string;
  device_id: string;
  state: 'pending' | 'ready';
  script: string | null;
  script_hash: string | null;
  attempts: number;
  created_at: string;
  ready_at: string | null;
}

export interface IssuerOutboxTable {
  id: Generated<number>;
  channel: string;
  target: string;
  last4: string;
  code: string;
  session_id: string;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
}

export type AccountRow = Selectable<AccountsTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type SessionRow = Selectable<ProvisioningSessionsTable>;
export type SessionUpdate = Updateable<ProvisioningSessionsTable>;
export type VaultRecordRow = Selectable<VaultRecordsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type NewCredential = Insertable<CredentialsTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type TsmScriptRow = Selectable<TsmScriptsTable>;
