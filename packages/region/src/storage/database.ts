import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The region database: one schema for SQLite and PostgreSQL. Portable column types only —
 * text (ISO-8601 UTC timestamps, JSON, base64url binary), integer (0/1 for booleans) — so the
 * same migrations and queries serve both adapters.
 */
export interface Database {
  accounts: AccountsTable;
  devices: DevicesTable;
  single_use_ids: SingleUseIdsTable;
  idempotency_keys: IdempotencyKeysTable;
  node_leases: NodeLeasesTable;
  provisioning_sessions: ProvisioningSessionsTable;
  vault_records: VaultRecordsTable;
  credentials: CredentialsTable;
  notifications: NotificationsTable;
  assets: AssetsTable;
  tsm_scripts: TsmScriptsTable;
  issuer_outbox: IssuerOutboxTable;
  audit_log: AuditLogTable;
  audit_chain_head: AuditChainHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
  transactions: TransactionsTable;
  authorization_requests: AuthorizationRequestsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  credential_lifecycle: CredentialLifecycleTable;
  residency_index: ResidencyIndexTable;
  lost_reports: LostReportsTable;
  region_outbox: RegionOutboxTable;
  lost_device_receipts: LostDeviceReceiptsTable;
  join_requests: JoinRequestsTable;
  console_sessions: ConsoleSessionsTable;
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
  /** When a lost report reached this region (at home, or as a region-to-region request); null while not lost. */
  lost_at: string | null;
  /** When the device was removed from its account (here, or by a region-to-region request); null while on it. */
  removed_at: string | null;
}

/**
 * Home region: a device asking to join an account, with the keys it will have once it joins.
 * Completed once, by a signed approval of a device of the account (method `approval`) or by the
 * one-time code sent to the account's contact (method `code`, keyed hash only).
 */
export interface JoinRequestsTable {
  id: string;
  account_id: string;
  method: 'approval' | 'code';
  jkt: string;
  signing_jwk: string;
  encryption_jwk: string;
  model: string | null;
  state: 'pending' | 'approved' | 'refused' | 'locked';
  code_hash: string | null;
  tries_left: number;
  expires_at: string;
  created_at: string;
  decided_at: string | null;
  /** `device:<id>` of the approving or refusing device, or `code`. */
  decided_by: string | null;
  /** The device the request became, once approved. */
  device_id: string | null;
}

/** What a single-use id belongs to: each kind is a kind of signed request (`request-auth/`). */
export type SingleUseKind = 'dpop' | 'network' | 'issuer' | 'region' | 'assertion' | 'push_payload';

/**
 * The `jti`s of signed requests already accepted, of every kind: a row is kept until its
 * `expires_at`, after which the request's own time check refuses a replay anyway, and is then
 * purged by the housekeeping worker. Unique per kind and `scope` (the signer: a device key
 * thumbprint, a network, an issuer, a region), as each signer picks its own ids.
 */
export interface SingleUseIdsTable {
  kind: SingleUseKind;
  scope: string;
  jti: string;
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
  /**
   * The process incarnation (`node_leases`) that holds an in-flight reservation; null for
   * reservations made before incarnations existed, which are abandoned by age instead.
   */
  incarnation: string | null;
}

/**
 * One row per start of a region process (an incarnation), alive while `expires_at` is ahead: the
 * process renews it every few seconds. A missing or expired row means the process is dead, and
 * its in-flight idempotency reservations may be taken over (`nodes/node-lease.ts`).
 */
export interface NodeLeasesTable {
  /** Random per process start. */
  incarnation: string;
  started_at: string;
  expires_at: string;
  /** The host and address it listens on, once it does: a later process listening there ends it. */
  address: string | null;
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
  /**
   * The time of the token's last authorization whose cryptogram verified and claimed a new ATC
   * (set with the claim); null if it never had one.
   */
  last_used_at: string | null;
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
  /**
   * The row's place in the region's one audit chain (1, 2, ...), the previous row's hash and its
   * own (`audit-row-hash.ts`). Null only in a row written around `appendAudit`, which verification
   * reports.
   */
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

/**
 * The head of the audit chain: one row (`chain = 'audit'`), the last appended `seq` and `hash`.
 * Every append updates it first in its transaction, so appends from every node queue on its row
 * lock (PostgreSQL) or the write lock (SQLite): one chain, never a fork.
 */
export interface AuditChainHeadTable {
  chain: string;
  seq: number;
  hash: string;
}

/** A checkpoint: the chain's head at `seq`, signed by the region (a compact JWS in `jws`). */
export interface AuditCheckpointsTable {
  seq: number;
  head_hash: string;
  at: string;
  kid: string;
  jws: string;
}

/**
 * Home region: which regions may hold credentials of an account, and under which pseudonym (the
 * redirect assertion's `sub`). Region ids and pseudonyms only, never card data.
 */
export interface ResidencyIndexTable {
  account_id: string;
  region: string;
  pseudonym: string;
  first_seen_at: string;
}

/** Home region: a device reported lost, and how many of its home tokens that suspended. */
export interface LostReportsTable {
  id: string;
  account_id: string;
  device_id: string;
  device_jkt: string;
  reported_by: 'operator' | 'device';
  /** `suspend` for a lost device, `delete` for one removed from its account. */
  action: 'suspend' | 'delete';
  home_suspended: number;
  created_at: string;
}

/** Home region: one region-to-region request per (report, other region), retried until confirmed. */
export interface RegionOutboxTable {
  id: string;
  report_id: string;
  target_region: string;
  /** JSON of what to ask (pseudonym, device key thumbprint): signed afresh for each attempt. */
  payload: string;
  attempts: number;
  next_attempt_at: string;
  confirmed_at: string | null;
  /** The error code of the last failed attempt. */
  last_error: string | null;
  /** The target's signed confirmation (JWS), kept as proof. */
  response: string | null;
  suspended: number | null;
  created_at: string;
  /** The W3C `traceparent` of the request that queued it: its deliveries join that trace. */
  traceparent: string | null;
}

/** Target region: lost-device reports applied, so a retry is answered with the same count. */
export interface LostDeviceReceiptsTable {
  home_region: string;
  report_id: string;
  suspended: number;
  received_at: string;
}

/**
 * Issuer webhooks (durable outbox): one row per event, written in the transaction of the change it
 * announces, delivered until the issuer answers 2xx. `payload` is the event JSON (no card data).
 */
export interface WebhookDeliveriesTable {
  /** The event id the issuer de-duplicates on. */
  event_id: string;
  issuer_id: string;
  type: string;
  payload: string;
  attempts: number;
  next_attempt_at: string;
  delivered_at: string | null;
  /** Why the last attempt failed (an HTTP status or an error name), never a response body. */
  last_error: string | null;
  created_at: string;
  /** The W3C `traceparent` of the request that queued it: its deliveries join that trace. */
  traceparent: string | null;
}

/** Lifecycle facts of a credential: its card product (issuer ownership) and who suspended it. */
export interface CredentialLifecycleTable {
  credential_id: string;
  token_ref: string;
  product_id: string;
  /** While suspended: the actor that suspended it (device, system or issuer). */
  suspended_by: string | null;
  /** While suspended: the state a resume returns to (`active` or `pending_activation`). */
  resume_state: string | null;
  updated_at: string;
}

/**
 * An authorization this region decided, approved or declined, for one of its tokens. Amounts,
 * merchant and reason only: never the card number, never the token number.
 */
export interface TransactionsTable {
  /** The authorization id returned to the network. */
  id: string;
  credential_id: string;
  token_ref: string;
  device_id: string;
  account_id: string;
  /** The network (directory id) whose router sent the request. */
  network: string;
  atc: number;
  amount_minor: number;
  /** ISO 4217 numeric. */
  currency: string;
  /** ISO 3166-1 numeric, of the terminal. */
  country: string;
  /** `YYYY-MM-DD`, from 9A. */
  transaction_date: string;
  transaction_type: number;
  channel: 'in_store' | 'in_app';
  merchant_id: string;
  merchant_name: string;
  approved: number;
  reason: string;
  response_code: string;
  /** ARPC method 2 and its CSU, hex, as answered; null when the ARQC did not verify. */
  arpc: string | null;
  csu: string | null;
  created_at: string;
}

/**
 * The first transmission of each authorization an acquirer identified by its `requestId`
 * (`payments/authorization-requests.ts`): a resend is answered from it, never decided again.
 * Recorded in the commit that claims the ATC. A digest of the request, never the request itself:
 * it names the token.
 */
export interface AuthorizationRequestsTable {
  /** The network whose router forwarded it: request ids are unique per network. */
  network: string;
  request_id: string;
  /** SHA-256, base64url, of the request's canonical JSON: a resend must match it. */
  request_digest: string;
  /** The id of the transaction that records its decision (once decided). */
  authorization_id: string;
  /** The reason decided before the issuer is asked (a failed check, a spent ATC); null: ask it. */
  early_decline: string | null;
  created_at: string;
}

/**
 * A signed-in session of the operator console. Idle after `last_seen_at` plus the idle limit, and
 * over at `expires_at` whatever its use (`console/console-session-store.ts`).
 */
export interface ConsoleSessionsTable {
  /** SHA-256 (base64url) of the session id the cookie carries: the id itself is never stored. */
  id_hash: string;
  /** The operator's label (the first 12 hex digits of their token's hash). */
  operator: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
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
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type CredentialLifecycleRow = Selectable<CredentialLifecycleTable>;
export type ResidencyIndexRow = Selectable<ResidencyIndexTable>;
export type LostReportRow = Selectable<LostReportsTable>;
export type JoinRequestRow = Selectable<JoinRequestsTable>;
export type RegionOutboxRow = Selectable<RegionOutboxTable>;
export type TransactionRow = Selectable<TransactionsTable>;
export type AuthorizationRequestRow = Selectable<AuthorizationRequestsTable>;
