import { createHash } from 'node:crypto';
import {
  DomicileError,
  TYP,
  encryptJson,
  isDomicileError,
  last4Of,
  readPushPayload,
  routingPrefixOf,
  type Directory,
  type RegionEntry,
  type api,
  definedProps,
} from '@domicile/protocol';
import { parseCardInput, type CardInput } from './card-input.js';
import type { AddCardHooks, ProvisioningStep } from './provisioning-steps.js';
import {
  checkRedirect,
  directoryKey,
  keysOf,
  owningRegion,
  type DirectoryKeyLookup,
} from './redirect-policy.js';
import type { RegionClient } from './region-client.js';
import type { Applet, SecureElement } from './secure-element/index.js';

/** What the provisioning story needs from the wallet. */
export interface ProvisioningContext {
  readonly directory: Directory;
  /** Finds keys by kid, refreshing the directory on an unknown one; default `directory`'s. */
  readonly keyFor?: DirectoryKeyLookup;
  readonly homeRegion: string;
  readonly secureElement: SecureElement;
  readonly clientFor: (region: RegionEntry) => RegionClient;
  /** Called once a region other than home opened a session for this device (a guest account). */
  readonly onGuest: (client: RegionClient) => Promise<void>;
  readonly signal?: AbortSignal;
  /** Seconds since the epoch, for the redirect check; injectable for tests. */
  readonly now?: () => number;
}

/**
 * A card its issuer's app pushed: the issuer's push payload, as the app handed it over. Opaque to
 * the wallet: it reads the routing facts in clear and sends the rest to the owning region, which
 * alone can check the signature and open the card details (docs/protocol.md).
 */
export interface PushedCard {
  readonly pushPayload: string;
}

/** What the story needs of a card, typed or pushed: where it goes, and how its details travel. */
interface CardToAdd {
  readonly routingPrefix: string;
  readonly last4: string;
  readonly network: api.ProvisioningMessage['network'];
  readonly details?: api.CardDetails;
  readonly pushed?: { readonly payload: string; readonly issuer: string };
}

function cardToAdd(card: CardInput | PushedCard): CardToAdd {
  if ('pushPayload' in card) {
    const payload = card.pushPayload.trim();
    const claims = readPushPayload(payload);
    return { ...claims.card, pushed: { payload, issuer: claims.iss } };
  }
  const { details, network } = parseCardInput(card);
  return {
    routingPrefix: routingPrefixOf(details.pan),
    last4: last4Of(details.pan),
    network,
    details,
  };
}

export interface ProvisionedCard {
  readonly applet: Applet;
  readonly client: RegionClient;
  readonly credential: api.CredentialView;
}

const MAX_CODE_ATTEMPTS = 10;

function sha256B64u(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/** The owning region's answer is well-formed but not about this card (the cause says which). */
function mismatch(region: string, cause: 'session' | 'terms' | 'credential'): DomicileError {
  return DomicileError.peerMalformed({ peer: 'region', region, what: 'mismatch' }, cause);
}

/**
 * The provisioning story (DESIGN steps 2–5): provisioning message to the home region, a checked
 * redirect if the card is foreign, eligibility, terms, card details encrypted to the owning
 * region's directory key, ID&V, tokenization, and the applet installed from verified data.
 */
export async function provisionCard(
  ctx: ProvisioningContext,
  card: CardInput | PushedCard,
  hooks: AddCardHooks,
): Promise<ProvisionedCard> {
  const emit = (event: ProvisioningStep): void => hooks.onStep?.(event);
  const signal = definedProps({ signal: ctx.signal });
  const { routingPrefix, last4, network, details, pushed } = cardToAdd(card);
  const owner = owningRegion(ctx.directory, routingPrefix);
  const home = ctx.directory.region(ctx.homeRegion);
  if (home === undefined)
    throw new DomicileError('DIRECTORY_INVALID', { details: { region: ctx.homeRegion } });
  const message: api.ProvisioningMessage = {
    routingPrefix,
    last4,
    network,
    device: { encryptionKey: ctx.secureElement.encryptionPublicKey },
  };

  emit({ step: 'message', region: home.id, routingPrefix, last4, network });
  let client = ctx.clientFor(home);
  let answer = await client.sendProvisioningMessage(message, signal);
  if (answer.outcome === 'redirect') {
    const target = await checkRedirect({
      directory: ctx.directory,
      homeRegion: home.id,
      message,
      deviceJkt: ctx.secureElement.deviceJkt,
      redirect: answer.redirect,
      ...(ctx.now === undefined ? {} : { now: ctx.now() }),
      ...definedProps({ keyFor: ctx.keyFor }),
    });
    emit({ step: 'redirect', from: home.id, to: target.id, baseUrl: target.baseUrl });
    client = ctx.clientFor(target);
    answer = await client.sendProvisioningMessage(
      { ...message, redirectAssertion: answer.redirect.assertion },
      signal,
    );
    if (answer.outcome !== 'session')
      throw new DomicileError('REDIRECT_UNTRUSTED', { details: { check: 'chained-redirect' } });
    await ctx.onGuest(client);
  }
  // Whoever answers, card details go only to the region the signed directory says owns the card.
  if (client.region !== owner.id)
    throw new DomicileError('REGION_NOT_OWNER', { details: { region: client.region } });
  let session = answer.session;
  if (session.region !== owner.id || session.last4 !== last4) throw mismatch(owner.id, 'session');
  const sessionId = session.id;
  emit({ step: 'session', region: owner.id, sessionId });

  const eligibility = await client.checkEligibility(sessionId, signal);
  session = eligibility.session;
  emit({ step: 'eligibility', region: owner.id, decision: session.decision });
  if (session.state === 'declined' || session.decision === 'red') {
    throw new DomicileError('PROVISIONING_DECLINED', {
      details: { region: owner.id, ...definedProps({ reason: session.reason }) },
    });
  }
  const terms = eligibility.terms;
  if (terms === undefined) throw mismatch(owner.id, 'terms');
  // Accept exactly the text shown: the hash the region sent must be the hash of that text.
  if (sha256B64u(terms.text) !== terms.hash) throw new DomicileError('TERMS_MISMATCH');
  const accepted = await hooks.acceptTerms(terms, { region: owner.id, last4 });
  emit({ step: 'terms', region: owner.id, termsId: terms.id, accepted });
  if (!accepted)
    throw new DomicileError('PROVISIONING_DECLINED', {
      details: { region: owner.id, reason: 'terms-declined' },
    });
  await client.acceptTerms(
    sessionId,
    { termsId: terms.id, hash: terms.hash, accepted: true },
    signal,
  );

  if (pushed !== undefined) {
    // Sealed by the issuer to the owning region's key: the wallet passes it on unopened.
    emit({ step: 'push-payload', region: owner.id, issuer: pushed.issuer });
    session = (await client.sendPushPayload(sessionId, { pushPayload: pushed.payload }, signal))
      .session;
  } else if (details !== undefined) {
    const encryptionKey = directoryKey(ctx.directory, owner.id, 'encryption', ctx.now?.());
    const cardDetails = await encryptJson(details, encryptionKey, TYP.cardDetails);
    emit({ step: 'card-details', region: owner.id, encryptedTo: encryptionKey.kid });
    session = (await client.sendCardDetails(sessionId, { cardDetails }, signal)).session;
  }

  if (session.state === 'idv_required') session = await verifyIdentity(ctx, client, session, hooks);
  if (session.state !== 'ready')
    throw new DomicileError('SESSION_STATE', {
      details: { region: owner.id, state: session.state },
    });

  const tokenized = await client.tokenize(sessionId, signal);
  const credential = tokenized.credential;
  if (
    credential.region !== owner.id ||
    credential.last4 !== last4 ||
    credential.network !== network
  )
    throw mismatch(owner.id, 'credential');
  const applet = await ctx.secureElement.installCredential(
    tokenized.provisioningData,
    // The key the signed payload names by kid: known once the secure element has opened it.
    (kid) =>
      (ctx.keyFor ?? keysOf(ctx.directory, ctx.now))(owner.id, 'signing', kid).then((key) => {
        if (key === undefined)
          throw new DomicileError('SIGNATURE_INVALID', { cause: 'provisioning data kid unknown' });
        return key;
      }),
    {
      region: owner.id,
      sessionId,
      tokenRef: credential.tokenRef,
      last4,
      network,
    },
  );
  emit({
    step: 'tokenized',
    region: owner.id,
    tokenRef: credential.tokenRef,
    tokenLast4: applet.view().tokenLast4,
  });
  return { applet, client, credential };
}

/** ID&V: the user picks a method, the region sends a code, the user types it (again after a wrong one). */
async function verifyIdentity(
  ctx: ProvisioningContext,
  client: RegionClient,
  start: api.SessionView,
  hooks: AddCardHooks,
): Promise<api.SessionView> {
  const signal = definedProps({ signal: ctx.signal });
  const methods = start.idvMethods ?? [];
  const where = {
    region: client.region,
    baseUrl: client.baseUrl,
    transport: client.transport.settings,
    last4: start.last4,
  };
  const chosen = await hooks.chooseIdvMethod(methods, where);
  const method = methods.find((m) => m.id === chosen);
  if (method === undefined) throw new DomicileError('IDV_METHOD_UNKNOWN');
  let session = (await client.selectIdv(start.id, { method: method.id }, signal)).session;
  hooks.onStep?.({
    step: 'idv',
    region: client.region,
    method: method.id,
    kind: method.kind,
    target: method.target,
  });
  let triesLeft = session.idvTriesLeft;
  for (let attempt = 1; attempt <= MAX_CODE_ATTEMPTS; attempt++) {
    const code = (
      await hooks.readOtp({ ...where, sessionId: start.id, method, triesLeft, attempt })
    ).trim();
    if (!/^\d{6}$/.test(code))
      throw new DomicileError('VALIDATION_FAILED', { details: { field: 'code' } });
    try {
      session = (await client.verifyIdv(start.id, { code }, signal)).session;
      hooks.onStep?.({ step: 'idv-verified', region: client.region });
      return session;
    } catch (error) {
      if (!isDomicileError(error, 'IDV_CODE_INVALID')) throw error;
      const left = error.details?.triesLeft;
      triesLeft = typeof left === 'number' ? left : undefined;
      hooks.onStep?.({ step: 'idv-retry', region: client.region, triesLeft });
      if (triesLeft === 0) throw new DomicileError('IDV_LOCKED');
    }
  }
  throw new DomicileError('IDV_LOCKED');
}
