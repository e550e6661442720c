import type { Kysely } from 'kysely';
import { DomicileError, type api } from '@domicile/protocol';
import { appendAudit } from '../audit/index.js';
import { findCredentialByTokenRef, moveCredentialState } from '../credentials/index.js';
import { insertNotification } from '../notifications/index.js';
import type { RegionContext } from '../region-context.js';
import type { CredentialRow, Database } from '../storage/index.js';
import { enqueueTokenEvent } from '../webhooks/index.js';
import { loadLifecycle } from './credential-lifecycle-store.js';
import { actorOf, planTransition, resumeStateOf } from './lifecycle-rules.js';

/** A request to change a credential's state. */
export interface CredentialStateChange {
  readonly tokenRef: string;
  readonly action: api.LifecycleAction;
  readonly actor: api.LifecycleActor;
  /** A short code (`^[a-z][a-z0-9_]{0,63}$`), e.g. `user_request`, `device_lost`, `fraud_suspected`. */
  readonly reason: api.LifecycleReason;
  /** Who within the actor kind, for the audit log: a device id, an issuer id, a lost-device report id. */
  readonly actorId?: string;
}

/** The outcome: the credential as it now is, whether this call changed it, and its card product. */
export interface CredentialStateResult {
  readonly credential: CredentialRow;
  readonly changed: boolean;
  readonly productId: string;
}

const REASON = /^[a-z][a-z0-9_]{0,63}$/;
const EVENT: Record<api.LifecycleAction, api.WebhookEventType> = {
  suspend: 'token.suspended',
  resume: 'token.resumed',
  delete: 'token.deleted',
};
// Two changes racing for one credential: the loser reads the winner's state and plans again.
const ATTEMPTS = 3;

/** A change applied inside a transaction: what to wake once it commits. */
export interface AppliedStateChange extends CredentialStateResult {
  /** Whether a webhook event was queued (the webhook worker is then kicked). */
  readonly webhookQueued: boolean;
}

/**
 * Suspends, resumes or deletes a credential (DESIGN step 8), for any actor: the user's device, the
 * issuer, or the system (a lost-device report). Authorization is the caller's (the device owns the
 * token, the issuer owns its product); the rules are {@link planTransition}'s. One transaction
 * writes the state, for a delete crypto-shreds the vault record (the card number can never be
 * recovered), writes the push notification to the credential's device, queues the issuer webhook
 * and appends to the audit log; then the device's streams and the webhook worker are woken.
 * Idempotent: asking for the state a token already has returns it unchanged (`changed: false`).
 *
 * @throws DomicileError `CREDENTIAL_NOT_FOUND`, `CREDENTIAL_STATE` (a deleted token),
 *   `RESUME_NOT_ALLOWED` (suspended by a stronger actor), `VALIDATION_FAILED` (a malformed reason).
 */
export async function changeCredentialState(
  ctx: RegionContext,
  change: CredentialStateChange,
): Promise<CredentialStateResult> {
  const applied = await ctx.db
    .transaction()
    .execute((trx) => applyCredentialStateChange(trx, ctx, change));
  wakeAfterStateChange(ctx, applied);
  return { credential: applied.credential, changed: applied.changed, productId: applied.productId };
}

/**
 * {@link changeCredentialState} inside the caller's transaction, for a caller whose own writes must
 * commit with the change (a lost-device report). Uses only `trx`; after the commit, call
 * {@link wakeAfterStateChange} with the result.
 */
export async function applyCredentialStateChange(
  trx: Kysely<Database>,
  ctx: RegionContext,
  change: CredentialStateChange,
): Promise<AppliedStateChange> {
  if (!REASON.test(change.reason))
    throw new DomicileError('VALIDATION_FAILED', { details: { field: 'reason', rule: 'pattern' } });
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const credential = await findCredentialByTokenRef(trx, change.tokenRef);
    if (credential === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
    const lifecycle = await loadLifecycle(trx, credential);
    const plan = planTransition(
      {
        state: credential.state,
        suspendedBy: actorOf(lifecycle.suspended_by),
        resumeState: resumeStateOf(lifecycle.resume_state),
      },
      change.action,
      change.actor,
    );
    const now = ctx.now();
    const stamp = now.toISOString();
    const actor = change.actorId === undefined ? change.actor : `${change.actor}:${change.actorId}`;
    if (plan.kind === 'unchanged') {
      if (plan.suspendedBy !== undefined) {
        await trx
          .updateTable('credential_lifecycle')
          .set({ suspended_by: plan.suspendedBy, updated_at: stamp })
          .where('credential_id', '=', credential.id)
          .execute();
        await appendAudit(trx, {
          at: stamp,
          actor,
          action: 'credential.suspension_taken_over',
          subject: credential.token_ref,
          detail: { reason: change.reason },
        });
      }
      return { credential, changed: false, productId: lifecycle.product_id, webhookQueued: false };
    }
    // Conditional on the state read: a change committed meanwhile is read again, not overwritten.
    const moved = await moveCredentialState(trx, {
      id: credential.id,
      from: credential.state,
      to: plan.to,
      at: stamp,
    });
    if (!moved) continue;
    await trx
      .updateTable('credential_lifecycle')
      .set({ suspended_by: plan.suspendedBy, resume_state: plan.resumeState, updated_at: stamp })
      .where('credential_id', '=', credential.id)
      .execute();
    if (plan.to === 'deleted') await ctx.vault.erase(trx, credential.vault_record_id);
    const updated: CredentialRow = { ...credential, state: plan.to, updated_at: stamp };
    await insertNotification(trx, credential.device_id, notificationOf(change, updated), now);
    const webhook = await enqueueTokenEvent(
      trx,
      { region: ctx.self.id, issuers: ctx.trustedIssuers },
      {
        type: EVENT[change.action],
        credential: updated,
        productId: lifecycle.product_id,
        actor: change.actor,
        reason: change.reason,
        now,
      },
    );
    await appendAudit(trx, {
      at: stamp,
      actor,
      action: `credential.${change.action}`,
      subject: credential.token_ref,
      detail: { from: credential.state, to: plan.to, reason: change.reason },
    });
    return {
      credential: updated,
      changed: true,
      productId: lifecycle.product_id,
      webhookQueued: webhook !== undefined,
    };
  }
  throw new DomicileError('SERVICE_UNAVAILABLE', { details: { reason: 'concurrent changes' } });
}

/** After the commit: wakes the device's push streams and the webhook worker. */
export function wakeAfterStateChange(ctx: RegionContext, applied: AppliedStateChange): void {
  if (applied.changed) ctx.hub.publish(applied.credential.device_id);
  if (applied.webhookQueued) ctx.webhookWorker.kick();
}

function notificationOf(
  change: CredentialStateChange,
  updated: CredentialRow,
): api.NotificationData {
  const base = { tokenRef: updated.token_ref, actor: change.actor, reason: change.reason };
  switch (change.action) {
    case 'suspend':
      return { type: 'credential.suspended', ...base };
    case 'delete':
      return { type: 'credential.deleted', ...base };
    case 'resume':
      return {
        type: 'credential.resumed',
        ...base,
        state: updated.state === 'pending_activation' ? 'pending_activation' : 'active',
      };
  }
}
