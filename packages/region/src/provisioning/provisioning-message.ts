import type { Kysely } from 'kysely';
import { DomicileError, type JWK, type PublicJwk, type api } from '@domicile/protocol';
import { requireDevice, upsertGuest, type AuthenticatedDevice } from '../accounts/index.js';
import { appendAuditEntries, type AuditEntry } from '../audit/index.js';
import type { InCommit } from '../idempotency/index.js';
import { newId } from '../ids/index.js';
import { issueRedirect } from '../redirect/index.js';
import type { RegionContext } from '../region-context.js';
import { recordSingleUseId, verifyRedirectAssertion } from '../request-auth/index.js';
import { SESSION_LIFETIME_MS, insertSessions, sessionView } from '../sessions/index.js';
import type { Database } from '../storage/index.js';

/**
 * Receives a provisioning message (DESIGN story steps 2–4). The route is decided from the routing
 * prefix alone: a card of this region opens a session; a card of another region gets redirect
 * information with a signed assertion; a card no region serves is refused. Returns the outcome
 * (`session` or `redirect`); the HTTP layer chooses the status for each. The answer goes to
 * `inCommit` in the transaction that records it.
 */
export async function receiveProvisioningMessage(
  ctx: RegionContext,
  input: { jkt: string; jwk: JWK; message: api.ProvisioningMessage },
  inCommit?: InCommit<api.ProvisioningMessageResponse>,
): Promise<api.ProvisioningMessageResponse> {
  const { message } = input;
  const route = ctx.directory.routeCard(message.routingPrefix);
  if (route.kind === 'unknown') throw new DomicileError('ROUTING_PREFIX_UNKNOWN');
  if (route.kind === 'ambiguous') throw new DomicileError('ROUTING_PREFIX_AMBIGUOUS');
  const owner = route.region;

  if (message.redirectAssertion !== undefined) {
    return openRedirectedSession(ctx, {
      ...input,
      assertion: message.redirectAssertion,
      ownerId: owner.id,
      inCommit,
    });
  }
  if (owner.id === ctx.self.id) {
    const who = await requireDevice(ctx.db, input.jkt);
    return ctx.db.transaction().execute(async (trx) => {
      const session = await openSession(ctx, trx, who, message);
      const answer: api.ProvisioningMessageResponse = { outcome: 'session', session };
      await inCommit?.(trx, answer);
      return answer;
    });
  }
  return issueRedirect(ctx, { jkt: input.jkt, message, owner }, inCommit);
}

async function openRedirectedSession(
  ctx: RegionContext,
  input: {
    jkt: string;
    jwk: JWK;
    message: api.ProvisioningMessage;
    assertion: string;
    ownerId: string;
    inCommit: InCommit<api.ProvisioningMessageResponse> | undefined;
  },
): Promise<api.ProvisioningMessageResponse> {
  const now = ctx.now();
  const { claims, singleUse } = await verifyRedirectAssertion({
    assertion: input.assertion,
    directory: ctx.directory,
    self: ctx.self.id,
    deviceJkt: input.jkt,
    message: input.message,
    now,
  });
  // Checked after the signature, so an unsigned request learns nothing about routing from us.
  if (input.ownerId !== ctx.self.id) throw new DomicileError('REGION_NOT_OWNER');
  return ctx.db.transaction().execute(async (trx) => {
    await recordSingleUseId(trx, singleUse);
    const who = await upsertGuest(trx, {
      homeRegion: claims.iss,
      pseudonym: claims.sub,
      jkt: input.jkt,
      signingJwk: input.jwk,
      encryptionJwk: input.message.device.encryptionKey as PublicJwk,
      now: now.toISOString(),
    });
    // Its audit entry is appended with the session's, in one turn of the chain head.
    const accepted: AuditEntry = {
      at: now.toISOString(),
      actor: `region:${claims.iss}`,
      action: 'redirect.accepted',
      subject: who.account.id,
      detail: { homeRegion: claims.iss, device: who.device.id, last4: input.message.last4 },
    };
    const session = await openSession(ctx, trx, who, input.message, accepted);
    const answer: api.ProvisioningMessageResponse = { outcome: 'session', session };
    await input.inCommit?.(trx, answer);
    return answer;
  });
}

/**
 * Opens a session. `arrival`, the audit entry of a redirected device's arrival, is appended just
 * before the session's own.
 */
async function openSession(
  ctx: RegionContext,
  trx: Kysely<Database>,
  who: AuthenticatedDevice,
  message: api.ProvisioningMessage,
  arrival?: AuditEntry,
): Promise<api.SessionView> {
  const now = ctx.now();
  const row = {
    id: newId(),
    account_id: who.account.id,
    device_id: who.device.id,
    state: 'created',
    routing_prefix: message.routingPrefix,
    last4: message.last4,
    network: message.network,
    decision: null,
    reason: null,
    product: null,
    terms_id: null,
    terms_hash: null,
    terms_accepted_at: null,
    vault_record_id: null,
    idv_methods: null,
    idv_method: null,
    idv_code_hash: null,
    idv_expires_at: null,
    idv_tries_left: 0,
    credential_id: null,
    expires_at: new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString(),
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  await insertSessions(trx, [row]);
  const opened: AuditEntry = {
    at: row.created_at,
    actor: `device:${who.device.id}`,
    action: 'session.opened',
    subject: row.id,
    detail: { last4: message.last4, guest: who.account.kind === 'guest' },
  };
  await appendAuditEntries(trx, arrival === undefined ? [opened] : [arrival, opened]);
  return sessionView(row, ctx.self.id);
}
