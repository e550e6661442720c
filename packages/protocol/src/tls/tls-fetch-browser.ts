import { DomicileError } from '../errors/index.js';
import type { TlsMaterial } from './tls-files.js';

/**
 * What a browser bundle gets for `tls-fetch.ts` (the package's `browser` field): a page trusts the
 * browser's authorities and presents no client certificate, so it never needs a TLS client.
 */
export function needsTlsClient(material: TlsMaterial): boolean {
  return material.ca !== undefined || material.cert !== undefined;
}

export function tlsFetch(_material: TlsMaterial): typeof fetch {
  throw new DomicileError('CONFIG_INVALID', {
    details: { field: 'tls', reason: 'a browser fetches with its own TLS settings' },
  });
}
