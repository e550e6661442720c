import { DomicileError, type RegionEntry, type api } from '@domicile/protocol';
import { requireDeviceWithLiveCredentials } from '../accounts/index.js';
import { appendAudit } from '../audit/index.js';
import type { InCommit } from '../idempotency/index.js';
import { pseudonymKeysOf } from '../keys/index.js';
import type { RegionContext } from '../region-context.js';
import { recordResidency } from '../residency/index.js';
import { issueRedirectAssertion, pairwisePseudonym } from './redirect-assertion.js';

/**
 * The home region's answer to a provisioning message for a card another region owns (DESIGN: No
 * blind redirects): redirect information with an assertion that vouches for the device's user.
 * One read before it signs (the device, its account and its live credentials, in one query),
 * then one commit: the residency index, the audit entry and the stored answer (`inCommit`).
 * @throws DomicileError `DEVICE_UNKNOWN`, `DEVICE_LOST`, `DEVICE_REMOVED`, `REGION_NOT_OWNER`.
 */
export async function issueRedirect(
  ctx: RegionContext,
  input: { jkt: string; message: api.ProvisioningMessage; owner: RegionEntry },
  inCommit?: InCommit<api.ProvisioningMessageResponse>,
): Promise<api.ProvisioningMessageResponse> {
  const { message, owner } = input;
  const who = await requireDeviceWithLiveCredentials(ctx.db, input.jkt);
  // Only a user's home region vouches for them; a guest account here has nothing to vouch with.
  if (who.account.kind !== 'registered') throw new DomicileError('REGION_NOT_OWNER');
  const now = ctx.now();
  const subject = pairwisePseudonym(
    pseudonymKeysOf(ctx.keys.secrets).pseudonym,
    who.account.id,
    owner.id,
  );
  const { assertion, expiresAt } = await issueRedirectAssertion({
    homeRegion: ctx.self.id,
    targetRegion: owner.id,
    signer: ctx.keyring.signing,
    subject,
    deviceJkt: input.jkt,
    message: { routingPrefix: message.routingPrefix, last4: message.last4 },
    standing: {
      registeredSince: Math.floor(Date.parse(who.account.created_at) / 1000),
      activeCredentials: who.liveCredentials,
      canTransact: who.account.can_transact === 1,
    },
    now,
  });
  const answer: api.ProvisioningMessageResponse = {
    outcome: 'redirect',
    redirect: {
      region: owner.id,
      baseUrl: owner.baseUrl,
      assertion,
      expiresAt: expiresAt.toISOString(),
    },
  };
  return ctx.db.transaction().execute(async (trx) => {
    // The residency index: the home region now knows this region may hold the account's credentials.
    await recordResidency(
      trx,
      { accountId: who.account.id, region: owner.id, pseudonym: subject },
      now,
    );
    await appendAudit(trx, {
      at: now.toISOString(),
      actor: `device:${who.device.id}`,
      action: 'redirect.issued',
      subject: who.account.id,
      detail: { target: owner.id, last4: message.last4 },
    });
    await inCommit?.(trx, answer);
    return answer;
  });
}
