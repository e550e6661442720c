import { rangeCovers, rangeTouches, rangesOverlap } from '../card/index.js';
import { toPublicJwk, type PublicJwk } from '../jose/index.js';
import type {
  DirectoryDocument,
  DirectoryKey,
  NetworkEntry,
  RegionEntry,
} from './directory-schema.js';
import { acceptedKey, activeKey, epochSeconds } from './key-validity.js';

export type KeyRole = keyof RegionEntry['keys'];

export type CardRoute =
  | { readonly kind: 'region'; readonly region: RegionEntry }
  | { readonly kind: 'ambiguous' }
  | { readonly kind: 'unknown' };

/**
 * A verified region directory. Only `verifyDirectory` makes one, so holding a `Directory` means
 * the authority's signature and the document's consistency were checked.
 */
export class Directory {
  readonly #byId: ReadonlyMap<string, RegionEntry>;

  private constructor(
    readonly document: DirectoryDocument,
    readonly jws: string,
    /** The authority key to pin from now on: the document's `authority.key`, else the pinned one. */
    readonly authorityKey: PublicJwk,
  ) {
    this.#byId = new Map(document.regions.map((r) => [r.id, r]));
  }

  /** @internal used by verifyDirectory once the document has passed every check. */
  static fromVerified(
    document: DirectoryDocument,
    jws: string,
    authorityKey: PublicJwk,
  ): Directory {
    return new Directory(document, jws, authorityKey);
  }

  get serial(): number {
    return this.document.serial;
  }

  get regions(): readonly RegionEntry[] {
    return this.document.regions;
  }

  region(id: string): RegionEntry | undefined {
    return this.#byId.get(id);
  }

  /** Which region owns a card, from its routing prefix alone (6–8 digits). */
  routeCard(routingPrefix: string): CardRoute {
    const touching = this.regions.filter((r) =>
      r.routing.some((range) => rangeTouches(range, routingPrefix)),
    );
    if (touching.length === 0) return { kind: 'unknown' };
    const owner = touching.find((r) =>
      r.routing.some((range) => rangeCovers(range, routingPrefix)),
    );
    if (touching.length > 1 || owner === undefined) return { kind: 'ambiguous' };
    return { kind: 'region', region: owner };
  }

  /** Which region issued a token number, by the token ranges. */
  regionForToken(tokenNumber: string): RegionEntry | undefined {
    const prefix = tokenNumber.slice(0, 8);
    return this.regions.find((r) => r.tokenRanges.some((range) => rangeCovers(range, prefix)));
  }

  /** Every key a region lists for a role, old and new, with their validity. */
  keys(regionId: string, role: KeyRole): readonly DirectoryKey[] {
    return this.region(regionId)?.keys[role] ?? [];
  }

  /**
   * The key to encrypt to (or expect signatures from) now: the region's newest active key for a
   * role. Undefined when the region is not listed or all its keys for the role have expired.
   */
  key(regionId: string, role: KeyRole, at: number = epochSeconds()): PublicJwk | undefined {
    const key = activeKey(this.keys(regionId, role), at);
    return key === undefined ? undefined : bareJwk(key);
  }

  /**
   * The key a JOSE header names by `kid`, if the region lists it for this role and it has not
   * expired: how every signature and JWE from a region is matched to its key.
   */
  keyById(
    regionId: string,
    role: KeyRole,
    kid: string | undefined,
    at: number = epochSeconds(),
  ): PublicJwk | undefined {
    const key = acceptedKey(this.keys(regionId, role), kid, at);
    return key === undefined ? undefined : bareJwk(key);
  }

  /** The card networks whose routers may send authorizations (none in older directories). */
  get networks(): readonly NetworkEntry[] {
    return this.document.networks ?? [];
  }

  /** A card network by id; undefined when the directory does not list it. */
  network(id: string): NetworkEntry | undefined {
    return this.networks.find((n) => n.id === id);
  }

  /** The region whose listed base URL is exactly `baseUrl`, if any. */
  regionAt(baseUrl: string): RegionEntry | undefined {
    const wanted = baseUrl.replace(/\/+$/, '');
    return this.regions.find((r) => r.baseUrl === wanted);
  }
}

/** Checks what a schema cannot: unique ids and URLs, and no number range claimed twice. */
export function directoryProblems(doc: DirectoryDocument): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of doc.regions) {
    if (seen.has(r.id)) problems.push(`region ${r.id} is listed twice`);
    seen.add(r.id);
    for (const range of [...r.routing, ...r.tokenRanges]) {
      if (range.from.padEnd(8, '0') > range.to.padEnd(8, '9'))
        problems.push(`region ${r.id}: range ${range.from}-${range.to} is empty`);
    }
  }
  const all = doc.regions.flatMap((r) => [
    ...r.routing.map((range) => ({ region: r.id, range, kind: 'routing' })),
    ...r.tokenRanges.map((range) => ({ region: r.id, range, kind: 'token' })),
  ]);
  // Card and token ranges share one space: a token number must never route as a card of another region.
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i];
      const b = all[j];
      if (a !== undefined && b !== undefined && rangesOverlap(a.range, b.range)) {
        problems.push(
          `${a.kind} range ${a.range.from}-${a.range.to} of ${a.region} overlaps ${b.kind} range ${b.range.from}-${b.range.to} of ${b.region}`,
        );
      }
    }
  }
  for (const r of doc.regions) {
    for (const [role, keys] of Object.entries(r.keys)) {
      const kids = keys.map((k) => k.kid);
      if (new Set(kids).size !== kids.length)
        problems.push(`region ${r.id}: a ${role} kid is listed twice`);
      for (const k of keys) {
        if (k.notAfter !== undefined && k.notAfter <= k.notBefore)
          problems.push(`region ${r.id}: ${role} key ${k.kid} expires before it starts`);
      }
    }
  }
  const networkIds = (doc.networks ?? []).map((n) => n.id);
  if (new Set(networkIds).size !== networkIds.length) problems.push('a network is listed twice');
  const urls = new Set(doc.regions.map((r) => r.baseUrl));
  if (urls.size !== doc.regions.length) problems.push('two regions share a base URL');
  return problems;
}

/** A directory key as a plain JWK, without its validity: what JOSE libraries are given. */
function bareJwk(key: DirectoryKey): PublicJwk {
  return toPublicJwk(key);
}
