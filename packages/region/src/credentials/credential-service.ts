import { createHash } from 'node:crypto';
import { DomicileError, type api } from '@domicile/protocol';
import { appendAudit } from '../audit/index.js';
import type { InCommit } from '../idempotency/index.js';
import { insertNotification } from '../notifications/index.js';
import type { RegionContext } from '../region-context.js';
import { planStable, precompiled, type CredentialRow } from '../storage/index.js';
import {
  CREDENTIAL_SELECTION,
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

// A device reads its script, then activates: compiled once, and prepared on PostgreSQL (its
// columns named).
const credentialWithScript = precompiled(2, (db, tokenRef: string, deviceId: string) =>
  db
    .selectFrom('credentials')
    .leftJoin('tsm_scripts', 'tsm_scripts.credential_id', 'credentials.id')
    .select(CREDENTIAL_SELECTION)
    .select([
      'tsm_scripts.id as tsm_script_id',
      'tsm_scripts.state as tsm_script_state',
      'tsm_scripts.script as tsm_script',
    ])
    .where('credentials.token_ref', '=', planStable(tokenRef))
    .where('credentials.device_id', '=', planStable(deviceId)),
);

/**
 * A credential of the calling device with its TSM script once the TSM has built it (undefined
 * before): one read for both.
 */
async function requireCredentialWithScript(
  ctx: RegionContext,
  deviceId: string,
  tokenRef: string,
): Promise<{ credential: CredentialRow; script: { id: string; script: string } | undefined }> {
  const [row] = (await credentialWithScript.execute(ctx.db, tokenRef, deviceId)).rows;
  if (row === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
  const { tsm_script_id: id, tsm_script_state: state, tsm_script: script, ...credential } = row;
  const ready = state === 'ready' && id !== null && script !== null;
  return { credential, script: ready ? { id, script } : undefined };
}

/** The TSM's personalization script for a credential, once the TSM has built it. */
export async function getScript(
  ctx: RegionContext,
  deviceId: string,
  tokenRef: string,
): Promise<api.ScriptResponse> {
  const { script } = await requireCredentialWithScript(ctx, deviceId, tokenRef);
  if (script === undefined) throw new DomicileError('SCRIPT_NOT_READY');
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
  inCommit?: InCommit<api.CredentialResponse>,
): Promise<api.CredentialResponse> {
  const { credential, script } = await requireCredentialWithScript(ctx, deviceId, tokenRef);
  if (credential.state === 'active') return { credential: credentialView(ctx, credential) };
  if (credential.state !== 'pending_activation')
    throw new DomicileError('CREDENTIAL_STATE', { details: { state: credential.state } });
  if (script === undefined) throw new DomicileError('SCRIPT_NOT_READY');
  const hash = createHash('sha256').update(script.script).digest('base64url');
  if (req.scriptId !== script.id || req.scriptHash !== hash)
    throw new DomicileError('SCRIPT_HASH_MISMATCH');
  const now = ctx.now();
  const answer = await ctx.db.transaction().execute(async (trx) => {
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
    // The move is conditional on the state read: only a change committed meanwhile is read again.
    const row: CredentialRow | undefined = moved
      ? { ...credential, state: 'active', updated_at: now.toISOString() }
      : await findCredentialById(trx, credential.id);
    if (row === undefined) throw new DomicileError('CREDENTIAL_NOT_FOUND');
    const activated = { credential: credentialView(ctx, row) };
    await inCommit?.(trx, activated);
    return activated;
  });
  ctx.hub.publish(deviceId);
  return answer;
}
