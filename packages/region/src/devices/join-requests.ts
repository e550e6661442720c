import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { DomicileError, api, type JWK, type PublicJwk } from '@domicile/protocol';
import {
  deviceRow,
  encryptionKeyColumn,
  findDevice,
  findRegisteredAccount,
  insertDevices,
  signingKeyColumn,
  type AuthenticatedDevice,
} from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import { newId } from '../ids/index.js';
import { pseudonymKeysOf } from '../keys/index.js';
import type { RegionContext } from '../region-context.js';
import { isUniqueViolation, type JoinRequestRow } from '../storage/index.js';
import { verifyDeviceApproval } from './device-approval.js';
import {
  findJoinRequest,
  insertJoinRequest,
  listPendingJoinRequests,
  updatePendingJoinRequest,
} from './join-request-store.js';

/**
 * A keyed hash of a join code, so the database never holds the code. Its own HKDF label: never
 * the key of ID&V codes or of redirect pseudonyms (see `pseudonymKeysOf`, which derives it once).
 */
function joinCodeHash(ctx: RegionContext, joinRequestId: string, code: string): Buffer {
  return createHmac('sha256', pseudonymKeysOf(ctx.keys.secrets).joinCode)
    .update(`${joinRequestId}\0${code}`)
    .digest();
}

/** `jane@example.com` → `j•••@example.com`: enough for the user to know where to look. */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}•••${at < 0 ? '' : email.slice(at)}`;
}

/** The account's contact as the one-time code method, for the code channel the region has. */
const CONTACT_METHOD_ID = 'account-contact';

function joinRequestView(
  row: JoinRequestRow,
  now: Date,
  sentTo: string | undefined,
): api.JoinRequestView {
  const expired = row.state === 'pending' && Date.parse(row.expires_at) <= now.getTime();
  return {
    id: row.id,
    accountId: row.account_id,
    method: row.method,
    deviceJkt: row.jkt,
    state: expired ? 'expired' : row.state,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.model === null ? {} : { model: row.model }),
    ...(row.device_id === null ? {} : { deviceId: row.device_id }),
    ...(row.method === 'code' && row.state === 'pending' ? { triesLeft: row.tries_left } : {}),
    ...(sentTo === undefined ? {} : { sentTo }),
  };
}

/**
 * A new device (the key of the request's DPoP proof) asks to join an account of this home region.
 * By `approval`, a device of the account must approve it; by `code`, a one-time code goes to the
 * account's contact, through the region's code channel (the issuer gateway's delivery, the
 * sandbox outbox in a sandbox region). Nothing about the account is answered but the masked
 * contact the code went to.
 * @throws DomicileError `DEVICE_ALREADY_REGISTERED`, `ACCOUNT_NOT_FOUND`.
 */
export async function requestJoin(
  ctx: RegionContext,
  input: { jkt: string; signingJwk: JWK; request: api.JoinRequestBody },
): Promise<api.JoinRequestView> {
  if ((await findDevice(ctx.db, input.jkt)) !== undefined)
    throw new DomicileError('DEVICE_ALREADY_REGISTERED');
  const account = await findRegisteredAccount(ctx.db, input.request.accountId);
  if (account === undefined || account.home_region !== ctx.self.id)
    throw new DomicileError('ACCOUNT_NOT_FOUND');
  const now = ctx.now();
  const id = newId();
  const byCode = input.request.method === 'code';
  const code = byCode ? String(randomInt(1_000_000)).padStart(6, '0') : undefined;
  const row: JoinRequestRow = {
    id,
    account_id: account.id,
    method: input.request.method,
    jkt: input.jkt,
    signing_jwk: signingKeyColumn.encode(input.signingJwk),
    encryption_jwk: encryptionKeyColumn.encode(input.request.device.encryptionKey),
    model: input.request.device.model ?? null,
    state: 'pending',
    code_hash: code === undefined ? null : joinCodeHash(ctx, id, code).toString('base64url'),
    tries_left: byCode ? api.JOIN_CODE_TRIES : 0,
    expires_at: new Date(now.getTime() + api.JOIN_REQUEST_LIFETIME_SECONDS * 1000).toISOString(),
    created_at: now.toISOString(),
    decided_at: null,
    decided_by: null,
    device_id: null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await insertJoinRequest(trx, row);
    await appendAudit(trx, {
      at: row.created_at,
      actor: `jkt:${input.jkt}`,
      action: 'device.join_requested',
      subject: account.id,
      detail: { joinRequestId: id, method: row.method },
    });
  });
  const sentTo = account.email === null ? undefined : maskEmail(account.email);
  if (code !== undefined && sentTo !== undefined) {
    // The code, never written anywhere but the channel to the account's contact.
    await ctx.issuer.deliverCode({
      sessionId: id,
      method: { id: CONTACT_METHOD_ID, kind: 'otp_email', target: sentTo },
      last4: '',
      code,
    });
  }
  return joinRequestView(row, now, byCode ? sentTo : undefined);
}

/** The joining device reads its own join request (by its key): pending, approved, refused... */
export async function getOwnJoinRequest(
  ctx: RegionContext,
  input: { jkt: string; id: string },
): Promise<api.JoinRequestView> {
  const row = await findJoinRequest(ctx.db, { id: input.id, jkt: input.jkt });
  if (row === undefined) throw new DomicileError('JOIN_REQUEST_NOT_FOUND');
  return joinRequestView(row, ctx.now(), undefined);
}

/** The join requests a device of the account may approve or refuse. */
export async function listJoinRequests(
  ctx: RegionContext,
  who: AuthenticatedDevice,
): Promise<api.JoinRequestView[]> {
  requireHomeDevice(ctx, who);
  const now = ctx.now();
  const rows = await listPendingJoinRequests(ctx.db, who.account.id, now.toISOString());
  return rows.map((row) => joinRequestView(row, now, undefined));
}

/**
 * A device of the account approves a join request with its signed approval: in one transaction
 * the request is closed and the new device added to the account with the keys it asked with. A
 * lost or removed device never gets here (`requireDevice` refuses its key).
 * @throws DomicileError `JOIN_REQUEST_NOT_FOUND`, `JOIN_METHOD_MISMATCH`, `JOIN_REQUEST_CLOSED`,
 *   `JOIN_REQUEST_EXPIRED`, `JOIN_APPROVAL_INVALID`.
 */
export async function approveJoin(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  input: { id: string; approval: string },
): Promise<api.JoinRequestView> {
  requireHomeDevice(ctx, who);
  const row = await pendingForAccount(ctx, who, input.id, 'approval');
  const now = ctx.now();
  await verifyDeviceApproval({
    jws: input.approval,
    approverKey: signingKeyColumn.decode(who.device.signing_jwk) as PublicJwk,
    approverId: who.device.id,
    region: ctx.self.id,
    request: row,
    now,
  });
  return admit(ctx, row, `device:${who.device.id}`);
}

/** A device of the account refuses a join request: it can never be approved afterwards. */
export async function refuseJoin(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  input: { id: string },
): Promise<api.JoinRequestView> {
  requireHomeDevice(ctx, who);
  const row = await pendingForAccount(ctx, who, input.id);
  const now = ctx.now();
  const decided = { decided_at: now.toISOString(), decided_by: `device:${who.device.id}` };
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await updatePendingJoinRequest(trx, row, { state: 'refused', ...decided })))
      throw new DomicileError('JOIN_REQUEST_CLOSED');
    await appendAudit(trx, {
      at: decided.decided_at,
      actor: decided.decided_by,
      action: 'device.join_refused',
      subject: row.account_id,
      detail: { joinRequestId: row.id, reason: 'refused' },
    });
  });
  return joinRequestView({ ...row, state: 'refused', ...decided }, now, undefined);
}

/**
 * The joining device completes a join request by code with the code sent to the account's
 * contact. A wrong code costs a try, committed before the error is returned; the last wrong try
 * locks the request for good.
 * @throws DomicileError `JOIN_CODE_INVALID` (with `triesLeft`), `JOIN_LOCKED`, and those of
 *   {@link approveJoin}.
 */
export async function verifyJoinCode(
  ctx: RegionContext,
  input: { jkt: string; id: string; code: string },
): Promise<api.JoinRequestView> {
  const row = await findJoinRequest(ctx.db, { id: input.id, jkt: input.jkt });
  if (row === undefined) throw new DomicileError('JOIN_REQUEST_NOT_FOUND');
  if (row.state === 'locked') throw new DomicileError('JOIN_LOCKED');
  requirePending(ctx, row, 'code');
  const expected = Buffer.from(row.code_hash ?? '', 'base64url');
  const actual = joinCodeHash(ctx, row.id, input.code);
  if (expected.length === actual.length && timingSafeEqual(expected, actual))
    return admit(ctx, row, 'code');
  const triesLeft = row.tries_left - 1;
  const at = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    const locked = triesLeft <= 0;
    const moved = await updatePendingJoinRequest(
      trx,
      row,
      locked
        ? { state: 'locked', tries_left: 0, code_hash: null, decided_at: at, decided_by: 'code' }
        : { tries_left: triesLeft },
    );
    // Another try was counted meanwhile: this one still fails, counted by the next read.
    if (!moved) return;
    await appendAudit(trx, {
      at,
      actor: `jkt:${input.jkt}`,
      action: locked ? 'device.join_refused' : 'device.join_code_failed',
      subject: row.account_id,
      detail: locked
        ? { joinRequestId: row.id, reason: 'locked' }
        : { joinRequestId: row.id, triesLeft },
    });
  });
  if (triesLeft <= 0) throw new DomicileError('JOIN_LOCKED');
  throw new DomicileError('JOIN_CODE_INVALID', { details: { triesLeft } });
}

/** Closes the request as approved and adds its device to the account, in one transaction. */
async function admit(
  ctx: RegionContext,
  row: JoinRequestRow,
  decidedBy: string,
): Promise<api.JoinRequestView> {
  const now = ctx.now();
  const deviceId = newId();
  const decided = { decided_at: now.toISOString(), decided_by: decidedBy, device_id: deviceId };
  try {
    await ctx.db.transaction().execute(async (trx) => {
      if (
        !(await updatePendingJoinRequest(trx, row, {
          state: 'approved',
          code_hash: null,
          ...decided,
        }))
      )
        throw new DomicileError('JOIN_REQUEST_CLOSED');
      await insertDevices(trx, [
        deviceRow({
          id: deviceId,
          accountId: row.account_id,
          jkt: row.jkt,
          signingJwk: signingKeyColumn.decode(row.signing_jwk),
          encryptionJwk: encryptionKeyColumn.decode(row.encryption_jwk),
          model: row.model,
          now: decided.decided_at,
        }),
      ]);
      await appendAudit(trx, {
        at: decided.decided_at,
        actor: decidedBy === 'code' ? `device:${deviceId}` : decidedBy,
        action: 'device.join_approved',
        subject: row.account_id,
        detail: { joinRequestId: row.id, method: row.method, deviceId },
      });
    });
  } catch (error) {
    // The key joined another account (or registered) since the request was made.
    if (isUniqueViolation(error)) throw new DomicileError('DEVICE_ALREADY_REGISTERED');
    throw error;
  }
  return joinRequestView({ ...row, state: 'approved', ...decided }, now, undefined);
}

async function pendingForAccount(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  id: string,
  method?: api.JoinMethod,
): Promise<JoinRequestRow> {
  const row = await findJoinRequest(ctx.db, { id, accountId: who.account.id });
  if (row === undefined) throw new DomicileError('JOIN_REQUEST_NOT_FOUND');
  requirePending(ctx, row, method);
  return row;
}

function requirePending(ctx: RegionContext, row: JoinRequestRow, method?: api.JoinMethod): void {
  if (method !== undefined && row.method !== method)
    throw new DomicileError('JOIN_METHOD_MISMATCH');
  if (row.state !== 'pending')
    throw new DomicileError('JOIN_REQUEST_CLOSED', { details: { state: row.state } });
  if (Date.parse(row.expires_at) <= ctx.now().getTime())
    throw new DomicileError('JOIN_REQUEST_EXPIRED');
}

/** Only a device of an account registered here manages that account's devices. */
export function requireHomeDevice(ctx: RegionContext, who: AuthenticatedDevice): void {
  if (who.account.kind !== 'registered' || who.account.home_region !== ctx.self.id)
    throw new DomicileError('ACCOUNT_NOT_HOME');
}
