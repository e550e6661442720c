import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  TYP,
  api,
  isDomicileError,
  verifyJson,
  type Directory,
  definedProps,
} from '@domicile/protocol';
import type { ProvisioningStep } from './provisioning-steps.js';
import { keysOf, signerKeyOf, type DirectoryKeyLookup } from './redirect-policy.js';
import type { RegionClient } from './region-client.js';
import type { Applet, CardArt, SecureElement } from './secure-element/index.js';

/** What completing a credential needs from the wallet. */
export interface CompletionContext {
  readonly directory: Directory;
  /** Finds keys by kid, refreshing the directory on an unknown one; default `directory`'s. */
  readonly keyFor?: DirectoryKeyLookup;
  readonly secureElement: SecureElement;
  readonly clientFor: (region: string) => RegionClient;
  /** Saves the wallet: called after every change to an applet. */
  readonly persist: () => Promise<void>;
  readonly onStep?: (event: ProvisioningStep) => void;
  readonly signal?: AbortSignal;
}

/** What handling one notification did. */
export type NotificationOutcome = 'handled' | 'already-done' | 'ignored';

/**
 * Handles one push notification of `region` (DESIGN step 6). Idempotent: a notification already
 * acted on ('already-done'), or about a token this wallet does not hold there ('ignored'), changes nothing.
 */
export async function handleNotification(
  ctx: CompletionContext,
  region: string,
  n: api.Notification,
): Promise<NotificationOutcome> {
  const applet = ctx.secureElement.applet(n.data.tokenRef);
  // A token of another device, or one this wallet lost before saving it: nothing to act on.
  if (applet === undefined || applet.region !== region) return 'ignored';
  switch (n.data.type) {
    case 'credential.provisioned':
      if (
        applet.art?.assetId === n.data.art.assetId &&
        applet.art.sha256 === canonicalSha256(n.data.art.sha256)
      )
        return 'already-done';
      await storeCardArt(ctx, applet, n.data.art);
      return 'handled';
    case 'tsm.script.ready':
      if (applet.state !== 'pending_activation') return 'already-done';
      await installScriptAndActivate(ctx, applet, n.data.scriptId);
      return 'handled';
    case 'credential.activated':
      // The region confirms what the device already did when its activation call returned.
      return applet.state === 'active' ? 'already-done' : 'ignored';
    case 'credential.suspended':
    case 'credential.resumed':
    case 'credential.deleted':
    case 'credential.art.updated':
      return followLifecycle(ctx, applet, n.data);
    case 'credential.updated':
      // A reissued card: the same token and keys, a new card behind them.
      if (applet.state === 'deleted') return 'ignored';
      if (applet.showsCard(n.data)) return 'already-done';
      applet.updateCard(n.data);
      await ctx.persist();
      return 'handled';
  }
}

type LifecycleNotification = Extract<
  api.NotificationData,
  {
    type:
      | 'credential.suspended'
      | 'credential.resumed'
      | 'credential.deleted'
      | 'credential.art.updated';
  }
>;

/**
 * The applet follows its token (DESIGN step 8): suspended, resumed to the state the region says,
 * deleted (its keys dropped), or given the issuer's new card art once its hash checks. The same
 * notification twice, or one the wallet already applied from its own request, changes nothing.
 */
async function followLifecycle(
  ctx: CompletionContext,
  applet: Applet,
  data: LifecycleNotification,
): Promise<NotificationOutcome> {
  if (applet.state === 'deleted')
    return data.type === 'credential.deleted' ? 'already-done' : 'ignored';
  switch (data.type) {
    case 'credential.suspended':
      if (applet.state === 'suspended') return 'already-done';
      applet.suspend();
      break;
    case 'credential.resumed':
      if (applet.state !== 'suspended') return 'already-done';
      applet.resume(data.state);
      break;
    case 'credential.deleted':
      applet.delete();
      break;
    case 'credential.art.updated':
      if (
        applet.art?.assetId === data.art.assetId &&
        applet.art.sha256 === canonicalSha256(data.art.sha256)
      )
        return 'already-done';
      await storeCardArt(ctx, applet, data.art, 'replace');
      return 'handled';
  }
  await ctx.persist();
  // A token suspended before it was active resumes to pending: finish it if its script is ready.
  if (data.type === 'credential.resumed' && applet.state === 'pending_activation') {
    await installScriptAndActivate(ctx, applet).catch((error: unknown) => {
      if (!isDomicileError(error, 'SCRIPT_NOT_READY')) throw error;
    });
  }
  return 'handled';
}

/** The announced SHA-256 (base64url on the wire) as the lowercase hex the applet keeps. */
export function canonicalSha256(announced: string): string | undefined {
  if (/^[A-Za-z0-9_-]{43}$/.test(announced))
    return Buffer.from(announced, 'base64url').toString('hex');
  return undefined;
}

/** Fetches card art and keeps it only if its SHA-256 is the announced one; 'replace' for art the issuer changed. */
async function storeCardArt(
  ctx: CompletionContext,
  applet: Applet,
  announced: { assetId: string; sha256: string },
  mode: 'first' | 'replace' = 'first',
): Promise<void> {
  const sha256 = canonicalSha256(announced.sha256);
  if (sha256 === undefined)
    throw new DomicileError('ASSET_HASH_MISMATCH', { details: { tokenRef: applet.tokenRef } });
  const bytes = await ctx
    .clientFor(applet.region)
    .asset(announced.assetId, definedProps({ signal: ctx.signal }));
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
    throw new DomicileError('ASSET_HASH_MISMATCH', { details: { tokenRef: applet.tokenRef } });
  }
  const art: CardArt = { assetId: announced.assetId, sha256 };
  if (mode === 'replace') applet.replaceArt(art);
  else applet.storeArt(art);
  await ctx.persist();
  ctx.onStep?.({
    step: 'card-art',
    region: applet.region,
    tokenRef: applet.tokenRef,
    assetId: art.assetId,
    bytes: bytes.byteLength,
  });
}

/**
 * Fetches the personalization script, verifies it with the region's TSM key from the directory,
 * stores it in the applet, reports it (scriptHash = base64url SHA-256 of the JWS) and turns the
 * applet active once the region confirms. `scriptId` undefined accepts whichever script is ready.
 */
export async function installScriptAndActivate(
  ctx: CompletionContext,
  applet: Applet,
  scriptId?: string,
): Promise<void> {
  const signal = definedProps({ signal: ctx.signal });
  const client = ctx.clientFor(applet.region);
  const fetched = await client.script(applet.tokenRef, signal);
  if (scriptId !== undefined && fetched.scriptId !== scriptId)
    throw new DomicileError('SIGNATURE_INVALID', {
      cause: 'script id differs from the notification',
    });
  const lookup = ctx.keyFor ?? keysOf(ctx.directory);
  const tsmKey = await signerKeyOf(lookup, applet.region, 'tsm', fetched.script);
  const content = await verifyJson(
    fetched.script,
    tsmKey,
    TYP.personalizationScript,
    'SIGNATURE_INVALID',
  );
  if (!Value.Check(api.PersonalizationScript, content))
    throw new DomicileError('SIGNATURE_INVALID', { cause: 'script schema' });
  if (content.scriptId !== fetched.scriptId)
    throw new DomicileError('SIGNATURE_INVALID', {
      cause: 'script id differs from the signed one',
    });
  // The TSM signs the artwork it expects: art from the unsigned notification must agree with it.
  const signedArt = content.artwork;
  if (applet.art === undefined) await storeCardArt(ctx, applet, signedArt);
  else if (
    applet.art.assetId !== signedArt.assetId ||
    applet.art.sha256 !== canonicalSha256(signedArt.sha256)
  ) {
    throw new DomicileError('ASSET_HASH_MISMATCH', { details: { tokenRef: applet.tokenRef } });
  }
  applet.storeScript(fetched.script, content);
  await ctx.persist();
  ctx.onStep?.({
    step: 'script',
    region: applet.region,
    tokenRef: applet.tokenRef,
    scriptId: content.scriptId,
  });

  const scriptHash = createHash('sha256').update(fetched.script, 'utf8').digest('base64url');
  const { credential } = await client.activate(
    applet.tokenRef,
    { scriptId: content.scriptId, scriptHash },
    signal,
  );
  if (credential.tokenRef !== applet.tokenRef || credential.state !== 'active') {
    throw new DomicileError('CREDENTIAL_STATE', {
      details: { tokenRef: applet.tokenRef, state: credential.state },
    });
  }
  applet.activate();
  await ctx.persist();
  ctx.onStep?.({ step: 'active', region: applet.region, tokenRef: applet.tokenRef });
}
