import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { DomicileError, type api } from '@domicile/protocol';
import type { AuthenticatedDevice } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import type { InCommit } from '../idempotency/index.js';
import { pseudonymKeysOf } from '../keys/index.js';
import type { RegionContext } from '../region-context.js';
import {
  advanceSession,
  idvMethodsColumn,
  loadSession,
  requireState,
  sessionView,
} from '../sessions/index.js';

export const OTP_TRIES = 3;
export const OTP_LIFETIME_MS = 5 * 60_000;

/**
 * A keyed hash of a one-time code, so the database never holds the code itself. The key is
 * derived (HKDF, RFC 5869) from the region secret under its own label, so it is never the key
 * that makes redirect pseudonyms (see `pseudonymKeysOf`, which derives it once).
 */
function otpHash(ctx: RegionContext, sessionId: string, code: string): Buffer {
  return createHmac('sha256', pseudonymKeysOf(ctx.keys.secrets).oneTimeCode)
    .update(`${sessionId}\0${code}`)
    .digest();
}

/**
 * ID&V, first half: the device chose a method; the region makes a one-time code and the issuer
 * gateway delivers it. Choosing again (from `idv_pending`) sends a fresh code but never restores
 * tries: a user cannot buy unlimited guesses by asking for new codes.
 */
export async function selectIdvMethod(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  req: api.SelectIdvRequest,
): Promise<api.SessionResponse> {
  const row = await loadSession(ctx.db, sessionId, who.device.id, ctx.now());
  requireState(row, 'idv_required', 'idv_pending');
  const methods = row.idv_methods === null ? [] : idvMethodsColumn.decode(row.idv_methods);
  const method = methods.find((m) => m.id === req.method);
  if (method === undefined) throw new DomicileError('IDV_METHOD_UNKNOWN');
  const code = String(randomInt(1_000_000)).padStart(6, '0');
  const now = ctx.now();
  const triesLeft = row.state === 'idv_required' ? OTP_TRIES : row.idv_tries_left;
  const next = await ctx.db.transaction().execute(async (trx) => {
    const advanced = await advanceSession(
      trx,
      row,
      {
        state: 'idv_pending',
        idv_method: method.id,
        idv_code_hash: otpHash(ctx, row.id, code).toString('base64url'),
        idv_expires_at: new Date(now.getTime() + OTP_LIFETIME_MS).toISOString(),
        idv_tries_left: triesLeft,
      },
      now,
    );
    // The method's id, never the code nor where it is sent.
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `device:${who.device.id}`,
      action: 'idv.code_sent',
      subject: row.id,
      detail: { method: method.id, triesLeft },
    });
    return advanced;
  });
  // Its answer is stored only after the delivery (not in the commit above): a retry after a
  // crash before the code went out must send one.
  await ctx.issuer.deliverCode({ sessionId: row.id, method, last4: row.last4, code });
  return { session: sessionView(next, ctx.self.id) };
}

/**
 * ID&V, second half. A wrong code costs a try and that cost is committed before the error is
 * returned; the last wrong try locks the session for good.
 */
export async function verifyIdvCode(
  ctx: RegionContext,
  who: AuthenticatedDevice,
  sessionId: string,
  req: api.VerifyIdvRequest,
  inCommit?: InCommit<api.SessionResponse>,
): Promise<api.SessionResponse> {
  const row = await loadSession(ctx.db, sessionId, who.device.id, ctx.now());
  if (row.state === 'idv_locked') throw new DomicileError('IDV_LOCKED');
  requireState(row, 'idv_pending');
  const now = ctx.now();
  if (row.idv_expires_at === null || Date.parse(row.idv_expires_at) <= now.getTime())
    throw new DomicileError('IDV_CODE_EXPIRED');
  const expected = Buffer.from(row.idv_code_hash ?? '', 'base64url');
  const actual = otpHash(ctx, row.id, req.code);
  if (expected.length === actual.length && timingSafeEqual(expected, actual)) {
    return ctx.db.transaction().execute(async (trx) => {
      const advanced = await advanceSession(
        trx,
        row,
        {
          state: 'ready',
          idv_code_hash: null,
        },
        now,
      );
      await appendAudit(trx, {
        at: now.toISOString(),
        actor: `device:${who.device.id}`,
        action: 'idv.verified',
        subject: row.id,
        detail: { method: row.idv_method },
      });
      const verified = { session: sessionView(advanced, ctx.self.id) };
      await inCommit?.(trx, verified);
      return verified;
    });
  }
  const triesLeft = row.idv_tries_left - 1;
  await ctx.db.transaction().execute(async (trx) => {
    await advanceSession(
      trx,
      row,
      triesLeft <= 0
        ? { state: 'idv_locked', idv_tries_left: 0, idv_code_hash: null }
        : { idv_tries_left: triesLeft },
      now,
    );
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `device:${who.device.id}`,
      action: 'idv.failed',
      subject: row.id,
      detail: { method: row.idv_method, triesLeft: Math.max(0, triesLeft), locked: triesLeft <= 0 },
    });
  });
  if (triesLeft <= 0) throw new DomicileError('IDV_LOCKED');
  throw new DomicileError('IDV_CODE_INVALID', { details: { triesLeft } });
}
