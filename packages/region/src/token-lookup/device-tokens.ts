import { DomicileError, toDomicileError, type api } from '@domicile/protocol';
import { findDeviceById, findGuestDeviceId } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import type { RegionContext } from '../region-context.js';
import { recordSingleUseId, verifyDeviceTokensRequest } from '../request-auth/index.js';
import { residencyOf } from '../residency/index.js';
import { askDeviceTokens, signDeviceTokensAnswer } from './device-tokens-request.js';
import { deviceTokenRows, supportTokenView } from './token-rows.js';

/** Time allowed to each other region's answer: an operator is waiting. */
const ASK_TIMEOUT_MS = 5_000;

/**
 * A device's tokens in every region, for an operator (`GET /v1/support/devices/{deviceId}/tokens`)
 * at the device's home region: its own tokens here, and those of every other region of the
 * account's residency index, asked in parallel by signed region-to-region requests. A region that
 * does not answer, or whose answer does not verify, is reported `failed` with its error code;
 * the others are still shown (`complete: false`). Card data never travels: last 4 digits only.
 *
 * @throws DomicileError `DEVICE_NOT_FOUND`, `DEVICE_TOKENS_NOT_HOME` (a guest device here).
 */
export async function listDeviceTokensEverywhere(
  ctx: RegionContext,
  deviceId: string,
): Promise<api.DeviceTokensResponse> {
  const found = await findDeviceById(ctx.db, deviceId);
  if (found === undefined) throw new DomicileError('DEVICE_NOT_FOUND');
  const { device, account } = found;
  // Only the home region knows every region to ask, and the pseudonym each knows the account by.
  if (account.kind !== 'registered' || account.home_region !== ctx.self.id)
    throw new DomicileError('DEVICE_TOKENS_NOT_HOME');
  const homeRows = await ctx.db.transaction().execute((trx) => deviceTokenRows(trx, device.id));
  const home = homeRows.map((row) => supportTokenView(ctx.self.id, ctx.trustedIssuers, row));
  const others = (await residencyOf(ctx.db, account.id)).filter((r) => r.region !== ctx.self.id);
  const now = ctx.now();
  const answers = await Promise.all(
    others.map(async ({ region, pseudonym }): Promise<api.DeviceTokensRegion> => {
      try {
        const tokens = await askDeviceTokens({
          home: ctx.self.id,
          target: region,
          pseudonym,
          deviceJkt: device.jkt,
          directory: ctx.directory,
          signer: ctx.keyring.signing,
          transport: ctx.regionQuery,
          timeoutMs: ASK_TIMEOUT_MS,
          now,
        });
        return { region, status: 'ok', tokens };
      } catch (error) {
        const failure = toDomicileError(error);
        ctx.logger.warn({ region, code: failure.code }, 'device tokens: a region did not answer');
        return { region, status: 'failed', tokens: [], error: failure.code };
      }
    }),
  );
  const regions: api.DeviceTokensRegion[] = [
    { region: ctx.self.id, status: 'ok', tokens: home },
    ...answers,
  ];
  return { deviceId: device.id, regions, complete: answers.every((a) => a.status === 'ok') };
}

/**
 * Answers a device-tokens request from a home region (`POST /v1/regions/device-tokens`): the
 * tokens here of the device whose key thumbprint is `deviceJkt` on the guest account `pseudonym`
 * of home region `iss` — nothing for a device of another account. Signed by this region and bound
 * to the request; the request is accepted once (its `jti`) and the look-up is audited.
 */
export async function answerDeviceTokensRequest(
  ctx: RegionContext,
  jws: string,
): Promise<api.DeviceTokensAnswerResponse> {
  const now = ctx.now();
  const { claims: request, singleUse } = await verifyDeviceTokensRequest({
    jws,
    directory: ctx.directory,
    self: ctx.self.id,
    now,
  });
  const tokens = await ctx.db.transaction().execute(async (trx) => {
    await recordSingleUseId(trx, singleUse);
    const deviceId = await findGuestDeviceId(trx, {
      homeRegion: request.iss,
      pseudonym: request.pseudonym,
      jkt: request.deviceJkt,
    });
    const rows = deviceId === undefined ? [] : await deviceTokenRows(trx, deviceId);
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `region:${request.iss}`,
      action: 'device.tokens_queried',
      subject: deviceId ?? request.pseudonym,
      detail: { tokens: rows.length, deviceKnown: deviceId !== undefined },
    });
    return rows.map((row) => supportTokenView(ctx.self.id, ctx.trustedIssuers, row));
  });
  return {
    answer: await signDeviceTokensAnswer({
      request,
      tokens,
      signer: ctx.keyring.signing,
      now,
    }),
  };
}
