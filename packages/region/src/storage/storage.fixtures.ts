import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type {
  AccountRow,
  AssetsTable,
  AuditCheckpointsTable,
  AuditLogTable,
  CredentialRow,
  DeviceRow,
  SingleUseIdsTable,
  IdempotencyKeysTable,
  IssuerOutboxTable,
  NodeLeasesTable,
  ConsoleSessionsTable,
  NotificationsTable,
  SessionRow,
  TsmScriptRow,
  VaultRecordRow,
} from './database.js';
import type {
  LostDeviceReceiptsTable,
  LostReportRow,
  RegionOutboxRow,
  ResidencyIndexRow,
} from './database.js';
import type { CredentialLifecycleRow, WebhookDeliveryRow } from './database.js';
import type { AuthorizationRequestRow, TransactionRow } from './database.js';
import type { JoinRequestRow } from './database.js';

/**
 * Complete rows for the storage contract suite: each one names every column of its table, so a
 * column added to `database.ts` and forgotten in a migration fails the round-trip test.
 */

export const NOW = '2025-01-02T03:04:05.678Z';
const uid = (): string => randomUUID();

export const registeredAccount = (o: Partial<AccountRow> = {}): AccountRow => ({
  id: uid(),
  kind: 'registered',
  name: 'Zoë Ærø 山田',
  email: 'zoe@example.test',
  home_region: 'us',
  pseudonym: null,
  can_transact: 1,
  created_at: NOW,
  ...o,
});

export const guestAccount = (o: Partial<AccountRow> = {}): AccountRow => ({
  id: uid(),
  kind: 'guest',
  name: null,
  email: null,
  home_region: 'us',
  pseudonym: uid(),
  can_transact: 0,
  created_at: NOW,
  ...o,
});

export const device = (o: Partial<DeviceRow> = {}): DeviceRow => ({
  id: uid(),
  account_id: uid(),
  jkt: uid(),
  signing_jwk: '{"kty":"EC","crv":"P-256","x":"a","y":"b"}',
  encryption_jwk: '{"kty":"EC","crv":"P-256","x":"c","y":"d"}',
  model: null,
  created_at: NOW,
  lost_at: null,
  removed_at: null,
  ...o,
});

export const singleUseId = (
  o: Partial<Selectable<SingleUseIdsTable>> = {},
): Selectable<SingleUseIdsTable> => ({
  kind: 'dpop',
  scope: uid(),
  jti: uid(),
  expires_at: NOW,
  ...o,
});

export const idempotencyKey = (
  o: Partial<Selectable<IdempotencyKeysTable>> = {},
): Selectable<IdempotencyKeysTable> => ({
  scope: uid(),
  key: uid(),
  request_hash: 'h'.repeat(43),
  state: 'done',
  status_code: 201,
  response_body: '{"ok":true,"text":"line\\nbreak"}',
  created_at: NOW,
  updated_at: NOW,
  incarnation: uid(),
  ...o,
});

export const nodeLease = (
  o: Partial<Selectable<NodeLeasesTable>> = {},
): Selectable<NodeLeasesTable> => ({
  incarnation: uid(),
  started_at: NOW,
  expires_at: '2025-01-02T03:04:15.678Z',
  address: 'node-1 http://127.0.0.1:8080',
  ...o,
});

export const consoleSession = (
  o: Partial<Selectable<ConsoleSessionsTable>> = {},
): Selectable<ConsoleSessionsTable> => ({
  id_hash: uid(),
  operator: '0123456789ab',
  created_at: NOW,
  last_seen_at: NOW,
  expires_at: '2025-01-02T11:04:05.678Z',
  ...o,
});

export const session = (o: Partial<SessionRow> = {}): SessionRow => ({
  id: uid(),
  account_id: uid(),
  device_id: uid(),
  state: 'awaiting_idv',
  routing_prefix: '52000000',
  last4: '0004',
  network: 'mastercard',
  decision: 'yellow',
  reason: null,
  product: '{"name":"Sandbox Gold"}',
  terms_id: 't-1',
  terms_hash: 'th',
  terms_accepted_at: NOW,
  vault_record_id: uid(),
  idv_methods: '["otp_sms"]',
  idv_method: 'otp_sms',
  idv_code_hash: 'ch',
  idv_expires_at: NOW,
  idv_tries_left: 3,
  credential_id: null,
  expires_at: NOW,
  created_at: NOW,
  updated_at: NOW,
  ...o,
});

export const vaultRecord = (o: Partial<VaultRecordRow> = {}): VaultRecordRow => ({
  id: uid(),
  pan_hash: uid(),
  kek_id: 'kek-1',
  wrapped_key: 'wk',
  iv: 'iv',
  ciphertext: 'ct',
  tag: 'tg',
  created_at: NOW,
  erased_at: null,
  ...o,
});

export const credential = (o: Partial<CredentialRow> = {}): CredentialRow => ({
  id: uid(),
  token_ref: uid(),
  token_number: uid(),
  token_expiry: '2030-12',
  account_id: uid(),
  device_id: uid(),
  session_id: uid(),
  vault_record_id: uid(),
  pan_hash: uid(),
  last4: '0004',
  network: 'visa',
  state: 'active',
  psn: '00',
  atc_last: 65_535,
  art_asset_id: uid(),
  script_id: null,
  created_at: NOW,
  updated_at: NOW,
  last_used_at: null,
  ...o,
});

/**
 * `row` for a database not yet at migration 0017, which has no `last_used_at`: Kysely leaves an
 * undefined value out of an insert.
 */
export const credentialBefore0017 = (row: CredentialRow) => ({ ...row, last_used_at: undefined });

export const notification = (
  o: Partial<Omit<Selectable<NotificationsTable>, 'id'>> = {},
): Omit<Selectable<NotificationsTable>, 'id'> => ({
  device_id: uid(),
  type: 'credential.provisioned',
  data: '{"type":"credential.provisioned"}',
  created_at: NOW,
  ...o,
});

export const asset = (o: Partial<Selectable<AssetsTable>> = {}): Selectable<AssetsTable> => ({
  id: uid(),
  content_type: 'image/png',
  sha256: uid(),
  body: 'iVBORw0KGgo=',
  created_at: NOW,
  ...o,
});

export const tsmScript = (o: Partial<TsmScriptRow> = {}): TsmScriptRow => ({
  id: uid(),
  credential_id: uid(),
  token_ref: uid(),
  device_id: uid(),
  state: 'ready',
  script: '{"commands":[]}',
  script_hash: 'sh',
  attempts: 1,
  created_at: NOW,
  ready_at: NOW,
  ...o,
});

export const issuerOutboxMessage = (
  o: Partial<Omit<Selectable<IssuerOutboxTable>, 'id'>> = {},
): Omit<Selectable<IssuerOutboxTable>, 'id'> => ({
  channel: 'sms',
  target: '+1555***0100',
  last4: '0004',
  code: '123456',
  session_id: uid(),
  created_at: NOW,
  ...o,
});

export const auditEntry = (
  o: Partial<Omit<Selectable<AuditLogTable>, 'id'>> = {},
): Omit<Selectable<AuditLogTable>, 'id'> => ({
  at: NOW,
  actor: 'device:abc',
  action: 'credential.suspend',
  subject: uid(),
  detail: '{}',
  seq: null,
  prev_hash: null,
  hash: null,
  ...o,
});

let checkpointSeq = 1_000_000;
export const auditCheckpoint = (
  o: Partial<Selectable<AuditCheckpointsTable>> = {},
): Selectable<AuditCheckpointsTable> => ({
  seq: (checkpointSeq += 1),
  head_hash: 'cd'.repeat(32),
  at: NOW,
  kid: 'kid-1',
  jws: 'header.payload.signature',
  ...o,
});

export const residencyEntry = (o: Partial<ResidencyIndexRow> = {}): ResidencyIndexRow => ({
  account_id: uid(),
  region: 'cn',
  pseudonym: uid(),
  first_seen_at: NOW,
  ...o,
});

export const lostReport = (o: Partial<LostReportRow> = {}): LostReportRow => ({
  id: uid(),
  account_id: uid(),
  device_id: uid(),
  device_jkt: uid(),
  reported_by: 'operator',
  action: 'suspend',
  home_suspended: 2,
  created_at: NOW,
  ...o,
});

export const regionOutboxRow = (o: Partial<RegionOutboxRow> = {}): RegionOutboxRow => ({
  id: uid(),
  report_id: uid(),
  target_region: 'cn',
  payload: '{"pseudonym":"p","deviceJkt":"j"}',
  attempts: 3,
  next_attempt_at: NOW,
  confirmed_at: NOW,
  last_error: 'REGION_REQUEST_UNDELIVERED',
  response: 'a.b.c',
  suspended: 1,
  created_at: NOW,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  ...o,
});

export const lostDeviceReceipt = (
  o: Partial<Selectable<LostDeviceReceiptsTable>> = {},
): Selectable<LostDeviceReceiptsTable> => ({
  home_region: 'us',
  report_id: uid(),
  suspended: 0,
  received_at: NOW,
  ...o,
});

export const webhookDelivery = (o: Partial<WebhookDeliveryRow> = {}): WebhookDeliveryRow => ({
  event_id: uid(),
  issuer_id: 'sandbox-us',
  type: 'token.suspended',
  payload: '{"type":"token.suspended","reason":"fraud_suspected"}',
  attempts: 2,
  next_attempt_at: NOW,
  delivered_at: NOW,
  last_error: 'http 503',
  created_at: NOW,
  traceparent: null,
  ...o,
});

export const credentialLifecycle = (
  o: Partial<CredentialLifecycleRow> = {},
): CredentialLifecycleRow => ({
  credential_id: uid(),
  token_ref: uid(),
  product_id: 'us-liberty-visa',
  suspended_by: 'issuer',
  resume_state: 'active',
  updated_at: NOW,
  ...o,
});

export const transaction = (o: Partial<TransactionRow> = {}): TransactionRow => ({
  id: uid(),
  credential_id: uid(),
  token_ref: uid(),
  device_id: uid(),
  account_id: uid(),
  network: 'sandbox-net',
  atc: 65_535,
  amount_minor: 999_999_999_999,
  currency: '840',
  country: '840',
  transaction_date: '2025-01-02',
  transaction_type: 0,
  channel: 'in_app',
  merchant_id: 'm-1',
  merchant_name: 'Café Ærø 山田',
  approved: 1,
  reason: 'approved',
  response_code: '00',
  arpc: '2AC1F0B3',
  csu: '00800000',
  created_at: NOW,
  ...o,
});

export const authorizationRequest = (
  o: Partial<AuthorizationRequestRow> = {},
): AuthorizationRequestRow => ({
  network: 'sandbox-net',
  request_id: uid(),
  request_digest: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
  authorization_id: uid(),
  early_decline: null,
  created_at: NOW,
  ...o,
});

export const joinRequest = (o: Partial<JoinRequestRow> = {}): JoinRequestRow => ({
  id: uid(),
  account_id: uid(),
  method: 'code',
  jkt: uid(),
  signing_jwk: '{"kty":"EC","crv":"P-256","x":"a","y":"b"}',
  encryption_jwk: '{"kty":"EC","crv":"P-256","x":"c","y":"d"}',
  model: 'watch',
  state: 'pending',
  code_hash: 'hash',
  tries_left: 3,
  expires_at: NOW,
  created_at: NOW,
  decided_at: null,
  decided_by: null,
  device_id: null,
  ...o,
});
