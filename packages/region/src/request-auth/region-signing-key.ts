import type { Directory } from '@domicile/protocol';
import type { RequestKeyResolver } from './signed-request.js';

/**
 * The key resolver of requests signed by another region: the signing key the signed directory
 * lists for the region the request names as its issuer (`iss`). A region never accepts a request
 * in its own name, so `self` has no key here.
 */
export function regionSigningKey(directory: Directory, self: string): RequestKeyResolver {
  return (_header, claims) =>
    typeof claims.iss === 'string' && claims.iss !== self
      ? directory.key(claims.iss, 'signing')
      : undefined;
}
