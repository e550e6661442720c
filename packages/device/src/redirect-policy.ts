import { Value } from '@sinclair/typebox/value';
import {
  DomicileError,
  TYP,
  api,
  peekHeader,
  verifyJson,
  type Directory,
  type KeyRole,
  type PublicJwk,
  type RegionEntry,
  definedProps,
  isSecureBaseUrl,
} from '@domicile/protocol';

/** Why a redirect was refused; carried in `details.check` of the 'REDIRECT_UNTRUSTED' error. */
export type RedirectRefusal =
  | 'home-region-unlisted'
  | 'region-not-listed'
  | 'redirect-to-home'
  | 'base-url-mismatch'
  | 'route-mismatch'
  | 'signature'
  | 'claims-schema'
  | 'issuer'
  | 'audience'
  | 'device-key'
  | 'message'
  | 'expired'
  | 'lifetime'
  | 'not-yet-valid';

/** A redirect as the home region answered it, and what the device knows independently of it. */
export interface RedirectCheck {
  readonly directory: Directory;
  readonly homeRegion: string;
  /** The provisioning message the device sent to its home region. */
  readonly message: { readonly routingPrefix: string; readonly last4: string };
  /** RFC 7638 thumbprint of this device's signing key. */
  readonly deviceJkt: string;
  readonly redirect: {
    readonly region: string;
    readonly baseUrl: string;
    readonly assertion: string;
  };
  /** Seconds since the epoch; injectable for tests. */
  readonly now?: number;
  /** Tolerated clock difference for `iat` (not for `exp`), in seconds. */
  readonly clockSkewSeconds?: number;
  /** Finds the home region's key the assertion names (refreshing the directory); default `directory`'s. */
  readonly keyFor?: DirectoryKeyLookup;
}

/**
 * Finds a region's key for a role by the `kid` a JOSE header names, among the keys the signed
 * directory lists and that have not expired. The wallet's lookup refreshes its directory once
 * when the kid is unknown (the region rotated its key after the directory was fetched).
 */
export type DirectoryKeyLookup = (
  region: string,
  role: KeyRole,
  kid: string | undefined,
) => Promise<PublicJwk | undefined>;

/** The lookup of one directory, as it is (no refresh). */
export function keysOf(directory: Directory, now?: () => number): DirectoryKeyLookup {
  return (region, role, kid) => Promise.resolve(directory.keyById(region, role, kid, now?.()));
}

/**
 * The key a signed object (a compact JWS) names by `kid`, among `region`'s `role` keys of the
 * directory; `failCode` (with the region and role) when the directory lists no such key.
 */
export async function signerKeyOf(
  lookup: DirectoryKeyLookup,
  region: string,
  role: KeyRole,
  jws: string,
  failCode: 'SIGNATURE_INVALID' | 'REDIRECT_UNTRUSTED' = 'SIGNATURE_INVALID',
): Promise<PublicJwk> {
  const key = await lookup(region, role, peekHeader(jws)?.kid);
  if (key === undefined)
    throw new DomicileError(failCode, { cause: `no ${role} key of ${region} with that kid` });
  return key;
}

function refuse(check: RedirectRefusal, cause?: unknown): DomicileError {
  return new DomicileError('REDIRECT_UNTRUSTED', {
    details: { check },
    ...definedProps({ cause }),
  });
}

/**
 * DESIGN "Encrypted in transit": the device talks to a region only over HTTPS, or plain HTTP to
 * this very machine (127.0.0.0/8, ::1, localhost: a local demo or test). Checked for every base
 * URL the device uses, the bootstrap URL given to it and those the directory lists (which may
 * list http URLs for regions on loopback), before anything is sent.
 * @throws DomicileError `INSECURE_TRANSPORT` for `http:` elsewhere, `VALIDATION_FAILED` for no URL.
 */
export function requireSecureBaseUrl(baseUrl: string): void {
  if (!URL.canParse(baseUrl))
    throw new DomicileError('VALIDATION_FAILED', { details: { field: 'baseUrl', rule: 'url' } });
  const url = new URL(baseUrl);
  if (!isSecureBaseUrl(url))
    throw new DomicileError('INSECURE_TRANSPORT', { details: { host: url.host } });
}

/**
 * A region's key for a role to encrypt to now (its newest active key), as the signed directory
 * lists it: the only keys the device trusts.
 */
export function directoryKey(
  directory: Directory,
  region: string,
  role: KeyRole,
  now?: number,
): PublicJwk {
  const key = directory.key(region, role, now);
  if (key === undefined)
    throw new DomicileError('DIRECTORY_INVALID', { details: { region, role } });
  return key;
}

/**
 * The region that owns a card according to the signed directory, from its routing prefix. This,
 * and not any server's word, decides where card details may go (DESIGN: Residency).
 */
export function owningRegion(directory: Directory, routingPrefix: string): RegionEntry {
  const route = directory.routeCard(routingPrefix);
  if (route.kind === 'unknown') throw new DomicileError('ROUTING_PREFIX_UNKNOWN');
  if (route.kind === 'ambiguous') throw new DomicileError('ROUTING_PREFIX_AMBIGUOUS');
  return route.region;
}

/**
 * DESIGN "No blind redirects": follows a redirect only to a region the signed directory lists, at
 * the base URL it lists, that the directory routes this card to, with an assertion signed by the
 * home region's directory key, typed, audience-bound to that region, bound to this device key,
 * about this message and unexpired. Returns the target's directory entry (use its keys and URL,
 * never the redirect's); anything else is 'REDIRECT_UNTRUSTED' and nothing goes to the target.
 */
export async function checkRedirect(c: RedirectCheck): Promise<RegionEntry> {
  const now = c.now ?? Math.floor(Date.now() / 1000);
  const skew = c.clockSkewSeconds ?? 60;
  const home = c.directory.region(c.homeRegion);
  if (home === undefined) throw refuse('home-region-unlisted');
  const target = c.directory.region(c.redirect.region);
  if (target === undefined) throw refuse('region-not-listed');
  if (target.id === home.id) throw refuse('redirect-to-home');
  if (c.redirect.baseUrl.replace(/\/+$/, '') !== target.baseUrl) throw refuse('base-url-mismatch');
  const route = c.directory.routeCard(c.message.routingPrefix);
  if (route.kind !== 'region' || route.region.id !== target.id) throw refuse('route-mismatch');

  let claims: unknown;
  try {
    const lookup = c.keyFor ?? keysOf(c.directory, () => now);
    claims = await verifyJson(
      c.redirect.assertion,
      await signerKeyOf(lookup, home.id, 'signing', c.redirect.assertion, 'REDIRECT_UNTRUSTED'),
      TYP.redirectAssertion,
      'REDIRECT_UNTRUSTED',
    );
  } catch (cause) {
    throw refuse('signature', cause);
  }
  if (!Value.Check(api.RedirectAssertionClaims, claims)) throw refuse('claims-schema');
  if (claims.iss !== home.id) throw refuse('issuer');
  if (claims.aud !== target.id) throw refuse('audience');
  if (claims.cnf.jkt !== c.deviceJkt) throw refuse('device-key');
  if (claims.msg.routingPrefix !== c.message.routingPrefix || claims.msg.last4 !== c.message.last4)
    throw refuse('message');
  if (claims.exp <= now) throw refuse('expired');
  if (claims.exp - claims.iat > api.REDIRECT_ASSERTION_MAX_AGE_SECONDS) throw refuse('lifetime');
  if (claims.iat > now + skew) throw refuse('not-yet-valid');
  return target;
}
