import { DomicileError } from '../errors/index.js';
import type { TlsFiles, TlsMaterial } from './tls-files.js';

/**
 * What a browser bundle gets for `tls-files.ts` (the package's `browser` field): a page reads no
 * files, and its TLS is the browser's. Same exports, so the protocol's index bundles unchanged.
 */
export function loadTlsFiles(_files: TlsFiles): TlsMaterial {
  throw new DomicileError('CONFIG_INVALID', {
    details: { field: 'tls', reason: 'TLS files are read by Node processes, not in a browser' },
  });
}

export type { TlsFiles, TlsMaterial };
