import { createHash } from 'node:crypto';
import { DomicileError, type api } from '@domicile/protocol';
import { audit, type AuthenticatedDevice } from '../accounts/index.js';
import { insertNotification } from '../notifications/notification-store.js';
import { credentialView } from '../provisioning/tokenize.js';
import type { RegionContext } from '../region-context.js';
import type { CredentialRow } from '../storage/database.js';

export async function listCredentials(
  ctx: RegionContext,
  who: AuthenticatedDevice,
): Promise<api.CredentialListResponse> {
  const rows = await ctx.db
    .selectFrom('credentials')
    .selectAll()
    .where('device_id', '=', who.device.id)
    .orderBy('created_at')
    .execute();
  return { credentials: rows.map((c) => credentialView(ctx, c)) };
}

async function loadCredential(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  tokenRef: string,
): Promise<CredentialRow> {
  const row = await ctx.db
    .selectFrom('credentials')
    .selectAll()
    .where('token_ref', '=', tokenRef)
    .where('device_id', '=', who.device.id)
    .executeTakeFirst();
  if (row === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  return row;
}

/** The TSM's personalization script for a credential, once the TSM has built it. */
export async function getScript(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  tokenRef: string,
): Promise<api.ScriptResponse> {
  const credential = await loadCredential(ctx, who, tokenRef);
  const script = await ctx.db
    .selectFrom('tsm_scripts')
    .selectAll()
    .where('credential_id', '=', credential.id)
    .executeTakeFirst();
  if (script?.state !== 'ready' || script.script === null)
    throw new DomicileError('SCRIPT_NOT_READY');
  return { scriptId: script.id, script: script.script };
}

/**
 * The device reports the script stored in its secure element. Only the script the TSM issued,
 * by id and hash, activates the credential: then, and only then, the card counts as provisioned.
 */
export async function activateCredential(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  tokenRef: string,
  req: api.ActivateRequest,
): Promise<api.CredentialResponse> {
  const credential = await loadCredential(ctx, who, tokenRef);
  if (credential.state === 'active') return { credential: credentialView(ctx, credential) };
  if (credential.state !== 'pending_activation')
    throw new DomicileError('CREDENTIAL_STATE', { details: { state: credential.state } });
  const script = await ctx.db
    .selectFrom('tsm_scripts')
    .selectAll()
    .where('credential_id', '=', credential.id)
    .executeTakeFirst();
  if (script?.state !== 'ready' || script.script === null)
    throw new DomicileError('SCRIPT_NOT_READY');
  const hash = createHash('sha256').update(script.script).digest('base64url');
  if (req.scriptId !== script.id || req.scriptHash !== hash)
    throw new DomicileError('SCRIPT_HASH_MISMATCH');
  const now = ctx.now();
  const updated = await ctx.db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('credentials')
      .set({ state: 'active', updated_at: now.toISOString() })
      .where('id', '=', credential.id)
      .where('state', '=', 'pending_activation')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) {
      await insertNotification(trx, who.device.id, { type: 'credential.activated', tokenRef }, now);
      await audit(trx, {
        at: now.toISOString(),
        actor: `device:${who.device.id}`,
        action: 'credential.activated',
        subject: tokenRef,
      });
    }
    return trx
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', credential.id)
      .executeTakeFirstOrThrow();
  });
  ctx.hub.publish(who.device.id);
  return { credential: credentialView(ctx, updated) };
}
