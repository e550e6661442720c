import { createHash } from 'node:crypto';
import { DomicileError, type api } from '@domicile/protocol';
import { appendAudit } from '../audit/index.js';
import { insertNotification } from '../notifications/index.js';
import type { RegionContext } from '../region-context.js';
import type { CredentialRow } from '../storage/index.js';
import {
  findCredentialById,
  findDeviceCredential,
  listDeviceCredentials,
  moveCredentialState,
} from './credential-store.js';
import { credentialView } from './credential-view.js';

/** The calling device's credentials in this region, oldest first. */
export async function listCredentials(
  ctx: RegionContext,
  deviceId: string,
): Promise<api.CredentialListResponse> {
  const rows = await listDeviceCredentials(ctx.db, deviceId);
  return { credentials: rows.map((c) => credentialView(ctx, c)) };
}

/**
 * A credential of the calling device, by token reference; another device's reads as not found.
 * @throws DomicileError `CREDENTIAL_NOT_FOUND`.
 */
export async function requireDeviceCredential(
  ctx: RegionContext,
  deviceId: string,
  tokenRef: string,
): Promise<CredentialRow> {
  const row = await findDeviceCredential(ctx.db, { deviceId, tokenRef });
  if (row === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  return row;
}

/** The TSM's personalization script for a credential, once the TSM has built it. */
export async function getScript(
  ctx: RegionContext,
  deviceId: string,
  tokenRef: string,
): Promise<api.ScriptResponse> {
  const credential = await requireDeviceCredential(ctx, deviceId, tokenRef);
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
  deviceId: string,
  tokenRef: string,
  req: api.ActivateRequest,
): Promise<api.CredentialResponse> {
  const credential = await requireDeviceCredential(ctx, deviceId, tokenRef);
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
    const moved = await moveCredentialState(trx, {
      id: credential.id,
      from: 'pending_activation',
      to: 'active',
      at: now.toISOString(),
    });
    if (moved) {
      await insertNotification(trx, deviceId, { type: 'credential.activated', tokenRef }, now);
      await appendAudit(trx, {
        at: now.toISOString(),
        actor: `device:${deviceId}`,
        action: 'credential.activated',
        subject: tokenRef,
      });
    }
    const row = await findCredentialById(trx, credential.id);
    if (row === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
    return row;
  });
  ctx.hub.publish(deviceId);
  return { credential: credentialView(ctx, updated) };
}
