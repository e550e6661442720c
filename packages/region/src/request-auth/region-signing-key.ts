import { epochSeconds, type Directory } from '@domicile/protocol';
import type { RequestKeyResolver } from './signed-request.js';

/**
 * The key resolver of requests signed by another region: the signing key the signed directory
 * lists, under the header's `kid`, for the region the request names as its issuer (`iss`) — any
 * of its listed keys not yet expired, so requests signed before a rotation still verify. A region
 * never accepts a request in its own name, so `self` has no key here.
 */
export function regionSigningKey(
  directory: Directory,
  self: string,
  now: () => Date = () => new Date(),
): RequestKeyResolver {
  return (header, claims) =>
    typeof claims.iss === 'string' && claims.iss !== self
      ? directory.keyById(claims.iss, 'signing', header.kid, epochSeconds(now()))
      : undefined;
}
